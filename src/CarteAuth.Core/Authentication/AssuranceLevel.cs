using CarteAuth.Identity;

namespace CarteAuth.Authentication;

/// <summary>Level of assurance of an authentication, after eIDAS (Regulation (EU) 910/2014, art. 8). Ordered.</summary>
public enum AssuranceLevel
{
    /// <summary>No assurance (not authenticated).</summary>
    None = 0,
    /// <summary>eIDAS low.</summary>
    Low = 1,
    /// <summary>eIDAS substantial.</summary>
    Substantial = 2,
    /// <summary>eIDAS high (e.g. CPS card with PIN on a FORT certificate range).</summary>
    High = 3,
}

/// <summary>
/// ACR ("acr" claim) values and their assurance levels. Recognises CarteAuth's own values (<c>low</c>,
/// <c>substantial</c>, <c>high</c>), the eIDAS URIs (<c>http://eidas.europa.eu/LoA/…</c>) and Pro Santé
/// Connect's <c>eidas1</c>, which PSC requests with <c>acr_values=eidas1</c> and which CarteAuth treats as
/// substantial (CPS card or e-CPS through the national federation).
/// </summary>
public static class Acr
{
    /// <summary>Pro Santé Connect's ACR value.</summary>
    public const string ProSanteConnect = "eidas1";

    /// <summary>eIDAS low URI.</summary>
    public const string EidasLow = "http://eidas.europa.eu/LoA/low";

    /// <summary>eIDAS substantial URI.</summary>
    public const string EidasSubstantial = "http://eidas.europa.eu/LoA/substantial";

    /// <summary>eIDAS high URI.</summary>
    public const string EidasHigh = "http://eidas.europa.eu/LoA/high";

    /// <summary>Maps an ACR value to an assurance level.</summary>
    public static bool TryGetLevel(string? acr, out AssuranceLevel level)
    {
        level = acr switch
        {
            "low" or EidasLow => AssuranceLevel.Low,
            "substantial" or EidasSubstantial or ProSanteConnect => AssuranceLevel.Substantial,
            "high" or EidasHigh => AssuranceLevel.High,
            _ => AssuranceLevel.None,
        };
        return level != AssuranceLevel.None;
    }

    /// <summary>CarteAuth's short name of a level: <c>low</c>, <c>substantial</c>, <c>high</c> (or <c>none</c>).</summary>
    public static string ToValue(AssuranceLevel level) => level switch
    {
        AssuranceLevel.Low => "low",
        AssuranceLevel.Substantial => "substantial",
        AssuranceLevel.High => "high",
        _ => "none",
    };

    /// <summary>Parses a level name or ACR value.</summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.UnknownAssurance"/> for anything else.</exception>
    public static AssuranceLevel Parse(string? value)
    {
        if (TryGetLevel(value, out var level) || TryParseName(value, out level))
        {
            return level;
        }

        throw new CarteAuthException(
            ReasonCodes.UnknownAssurance,
            $"'{NationalId.Printable(value ?? string.Empty)}' is not an assurance level. Use low, substantial or high (or an eIDAS LoA URI, or PSC's eidas1).");
    }

    // Only the three names, in any letter case. Not Enum.TryParse: it also accepts numbers ("3") and
    // comma-separated lists, which it ORs together ("low,substantial" would read as High).
    private static bool TryParseName(string? value, out AssuranceLevel level)
    {
        level = AssuranceLevel.None;
        if (string.Equals(value, "low", StringComparison.OrdinalIgnoreCase))
        {
            level = AssuranceLevel.Low;
        }
        else if (string.Equals(value, "substantial", StringComparison.OrdinalIgnoreCase))
        {
            level = AssuranceLevel.Substantial;
        }
        else if (string.Equals(value, "high", StringComparison.OrdinalIgnoreCase))
        {
            level = AssuranceLevel.High;
        }

        return level != AssuranceLevel.None;
    }
}
