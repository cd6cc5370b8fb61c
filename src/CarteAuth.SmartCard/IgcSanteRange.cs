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

/// <summary>Reading IGC-Santé ranges from CA names, and their default assurance levels.</summary>
public static class IgcSanteRanges
{
    private const string Prefix = "AC IGC-SANTE ";

    /// <summary>
    /// The default assurance of each range: FORT (card with PIN) high, STANDARD substantial, ELEMENTAIRE low.
    /// <see cref="SmartCardOptions.RangeAssurance"/> starts from this map.
    /// </summary>
    public static Authentication.AssuranceLevel DefaultAssurance(IgcSanteRange range) => range switch
    {
        IgcSanteRange.Fort => Authentication.AssuranceLevel.High,
        IgcSanteRange.Standard => Authentication.AssuranceLevel.Substantial,
        IgcSanteRange.Elementaire => Authentication.AssuranceLevel.Low,
        _ => Authentication.AssuranceLevel.None,
    };

    /// <summary>
    /// Reads the range from an issuing CA's common name, <c>AC IGC-SANTE {ELEMENTAIRE|STANDARD|FORT} {PERSONNES|ORGANISATIONS}</c>
    /// (letter case ignored). Roots (<c>AC RACINE IGC-SANTE …</c>) and other CAs (legacy GIP-CPS) have no range here.
    /// </summary>
    public static bool TryParseIssuerCommonName(string? commonName, out IgcSanteRange range)
    {
        range = default;
        if (commonName is null || !commonName.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var parts = commonName[Prefix.Length..].Split(' ');
        if (parts.Length != 2 || !(parts[1].Equals("PERSONNES", StringComparison.OrdinalIgnoreCase) || parts[1].Equals("ORGANISATIONS", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        IgcSanteRange? found = parts[0].ToUpperInvariant() switch
        {
            "FORT" => IgcSanteRange.Fort,
            "STANDARD" => IgcSanteRange.Standard,
            "ELEMENTAIRE" => IgcSanteRange.Elementaire,
            _ => null,
        };
        range = found.GetValueOrDefault();
        return found is not null;
    }
}
