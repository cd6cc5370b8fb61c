namespace CarteAuth.Fido2.Attestation;

/// <summary>
/// The attestation statement format identifiers CarteAuth verifies (IANA "WebAuthn Attestation Statement Format
/// Identifiers", WebAuthn L3 §8). Matching is case-sensitive (§7.1: "USASCII case-sensitive match on fmt").
/// </summary>
public static class AttestationFormats
{
    /// <summary><c>none</c> (§8.7).</summary>
    public const string None = "none";

    /// <summary><c>packed</c> (§8.2).</summary>
    public const string Packed = "packed";

    /// <summary><c>tpm</c> (§8.3).</summary>
    public const string Tpm = "tpm";

    /// <summary><c>android-key</c> (§8.4).</summary>
    public const string AndroidKey = "android-key";

    /// <summary><c>fido-u2f</c> (§8.6).</summary>
    public const string FidoU2F = "fido-u2f";

    /// <summary><c>apple</c> (§8.8).</summary>
    public const string Apple = "apple";

    /// <summary>The six formats above.</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal) { None, Packed, Tpm, AndroidKey, FidoU2F, Apple };
}
