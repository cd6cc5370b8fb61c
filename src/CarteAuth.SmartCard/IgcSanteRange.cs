namespace CarteAuth.SmartCard;

/// <summary>
/// The IGC-Santé certificate ranges ("gammes"), read from the issuing CA's name
/// (<c>AC IGC-SANTE {ELEMENTAIRE|STANDARD|FORT} PERSONNES</c>). CPS/CPx cards are issued in the FORT range.
/// </summary>
public enum IgcSanteRange
{
    /// <summary>ELEMENTAIRE: software certificates, lowest assurance.</summary>
    Elementaire = 1,

    /// <summary>STANDARD: software certificates.</summary>
    Standard = 2,

    /// <summary>FORT: smart card (CPS/CPx) certificates, used with the card's PIN.</summary>
    Fort = 3,
}
