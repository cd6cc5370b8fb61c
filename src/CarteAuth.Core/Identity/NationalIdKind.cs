namespace CarteAuth.Identity;

/// <summary>What a national identifier (idNat) designates, from its leading type digit.</summary>
public enum NationalIdKind
{
    /// <summary><c>8</c> + RPPS number (11 digits, Luhn check digit). Test cards use RPPS numbers starting with 997.</summary>
    Rpps = 8,

    /// <summary><c>0</c> + ADELI number (9 characters, department first).</summary>
    Adeli = 0,

    /// <summary>
    /// Establishment staff (CPA/CPE cards): a type digit naming the kind of structure identifier (ANS idNat_PS:
    /// 1 ADELI cabinet, 3 FINESS, 4 SIREN, 5 SIRET, 6 RPPS cabinet), the structure identifier, <c>/</c>, and the
    /// person's identifier inside the structure.
    /// </summary>
    StructureStaff = 3,
}
