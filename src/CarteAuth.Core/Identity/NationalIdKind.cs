namespace CarteAuth.Identity;

/// <summary>What a national identifier (idNat) designates, from its leading type digit.</summary>
public enum NationalIdKind
{
    /// <summary><c>8</c> + RPPS number (11 digits, Luhn check digit). Test cards use RPPS numbers starting with 997.</summary>
    Rpps = 8,

    /// <summary><c>0</c> + ADELI number (9 characters, department first).</summary>
    Adeli = 0,

    /// <summary>
    /// Establishment staff (CPA/CPE cards): a structure identifier type digit (1 FINESS, 2 SIREN, 3 SIRET,
    /// 4 RPPS rang, 5 FINESS EJ), the structure identifier, <c>/</c>, and the person's identifier inside the structure.
    /// </summary>
    StructureStaff = 3,
}
