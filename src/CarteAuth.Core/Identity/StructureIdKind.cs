namespace CarteAuth.Identity;

/// <summary>
/// Kinds of structure identifier, numbered as the ANS nomenclature TRE_G07 "TypeIdentifiantStructure"
/// (the digit that prefixes a structure's national identifier).
/// </summary>
public enum StructureIdKind
{
    /// <summary>0: ADELI cabinet identifier (legacy).</summary>
    AdeliCabinet = 0,

    /// <summary>1: FINESS (établissement géographique), 9 characters with a Luhn check digit.</summary>
    Finess = 1,

    /// <summary>2: SIREN, 9 digits with a Luhn check digit.</summary>
    Siren = 2,

    /// <summary>3: SIRET, 14 digits with a Luhn check digit.</summary>
    Siret = 3,

    /// <summary>4: RPPS rang (cabinet), 14 digits.</summary>
    RppsRang = 4,

    /// <summary>5: FINESS EJ (entité juridique), 9 characters with a Luhn check digit.</summary>
    FinessLegalEntity = 5,
}
