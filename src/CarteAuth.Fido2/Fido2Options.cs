using System.Globalization;

namespace CarteAuth.Fido2;

/// <summary>
/// Relying party settings for the WebAuthn ceremonies (<see cref="Fido2RelyingParty"/>). Checked by
/// <see cref="Validate"/> (at start when registered with <c>AddCarteAuthFido2</c>): every problem is reported as a
/// <see cref="WebAuthnException"/> with <see cref="ReasonCodes.WebAuthnInvalidOptions"/> saying how to fix it.
/// </summary>
public sealed class Fido2Options
{
    /// <summary>Values accepted for <see cref="UserVerification"/> (WebAuthn L3 §5.8.6).</summary>
    public static IReadOnlyList<string> UserVerificationValues { get; } = ["required", "preferred", "discouraged"];

    /// <summary>Values accepted for <see cref="ResidentKey"/> (WebAuthn L3 §5.4.6).</summary>
    public static IReadOnlyList<string> ResidentKeyValues { get; } = ["required", "preferred", "discouraged"];

    /// <summary>Values accepted for <see cref="Attestation"/> (WebAuthn L3 §5.4.7).</summary>
    public static IReadOnlyList<string> AttestationValues { get; } = ["none", "indirect", "direct", "enterprise"];

    /// <summary>The RP ID: a registrable domain of the origins, e.g. <c>hopital.example.fr</c> (required).</summary>
    public string RpId { get; set; } = string.Empty;

    /// <summary>The RP name shown by some authenticators (required), e.g. <c>CHU Exemple</c>.</summary>
    public string RpName { get; set; } = string.Empty;

    /// <summary>
    /// The exact origins allowed in <c>clientDataJSON.origin</c> (<c>scheme://host[:port]</c>, no path or trailing
    /// slash; https, or http for localhost only); each host is the RP ID or a subdomain of it. At least one.
    /// </summary>
    public IList<string> Origins { get; } = [];

    /// <summary>Accept ceremonies run in a cross-origin iframe (<c>crossOrigin: true</c>); default false.</summary>
    public bool AllowCrossOrigin { get; set; }

    /// <summary>When <see cref="AllowCrossOrigin"/> is set, the exact top-level origins allowed (<c>topOrigin</c>).</summary>
    public IList<string> AllowedTopOrigins { get; } = [];

    /// <summary>How long a challenge can be answered (default 5 minutes; between 10 seconds and 1 hour).</summary>
    public TimeSpan ChallengeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Credential key algorithms offered in <c>pubKeyCredParams</c>, in order of preference, and accepted at
    /// registration. Default ES256, EdDSA, Ed25519, RS256, PS256, ES384, ES512 (never RS1).
    /// </summary>
    public IList<CoseAlgorithm> Algorithms { get; } =
        [CoseAlgorithm.ES256, CoseAlgorithm.EdDSA, CoseAlgorithm.Ed25519, CoseAlgorithm.RS256, CoseAlgorithm.PS256, CoseAlgorithm.ES384, CoseAlgorithm.ES512];

    /// <summary>The ceremony timeout hint sent to the browser (default 5 minutes).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// User verification asked of authenticators: <c>required</c> (default), <c>preferred</c> or <c>discouraged</c>.
    /// Whatever this says, the substantial and high levels require UV.
    /// </summary>
    public string UserVerification { get; set; } = "required";

    /// <summary>Discoverable credential preference: <c>required</c>, <c>preferred</c> (default) or <c>discouraged</c>.</summary>
    public string ResidentKey { get; set; } = "preferred";

    /// <summary>
    /// Attestation conveyance: <c>none</c> (default), <c>indirect</c>, <c>direct</c> or <c>enterprise</c>. Registrations
    /// for the high level always ask for <c>direct</c> when this is <c>none</c> or <c>indirect</c>.
    /// </summary>
    public string Attestation { get; set; } = "none";

    /// <summary>Accept backup-eligible credentials (synced passkeys, BE=1) at the low and substantial levels (default true).</summary>
    public bool AllowBackupEligible { get; set; } = true;

    /// <summary>For the high level: only these authenticator models (AAGUIDs); empty = any model whose attestation is trusted.</summary>
    public ISet<Guid> AllowedAaguids { get; } = new HashSet<Guid>();

    /// <summary>
    /// Attestation trust anchors (vendor or hospital attestation roots, e.g. the CA of hospital-issued keys), in addition
    /// to the FIDO Metadata Service roots when <c>AddFidoMetadataService</c> is registered.
    /// </summary>
    public IList<System.Security.Cryptography.X509Certificates.X509Certificate2> AttestationRoots { get; } = [];

    /// <summary>For the high level: require an attestation that chains to a trust anchor or an MDS root (default true).</summary>
    public bool RequireTrustedAttestation { get; set; } = true;

    /// <summary>Largest <c>clientDataJSON</c> accepted, in bytes (default 8 KiB).</summary>
    public int MaxClientDataJsonLength { get; set; } = 8 * 1024;

    /// <summary>Largest registration or authentication response JSON accepted, in characters (default 256 KiB).</summary>
    public int MaxResponseJsonLength { get; set; } = 256 * 1024;

    /// <summary>Most credentials listed in <c>excludeCredentials</c> / <c>allowCredentials</c> for one user (default 64).</summary>
    public int MaxCredentialsPerUser { get; set; } = 64;

    /// <summary>Most challenges held by the default in-memory challenge store (default 100 000).</summary>
    public int ChallengeStoreCapacity { get; set; } = 100_000;

    /// <summary>True when the high level requires an AAGUID in <see cref="AllowedAaguids"/>.</summary>
    internal bool HasAaguidAllowList => AllowedAaguids.Count > 0;

    /// <summary>Checks the settings.</summary>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnInvalidOptions"/> with how to fix it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(RpId))
        {
            throw Invalid("RpId is empty: set it to the registrable domain users see, e.g. o.RpId = \"hopital.example.fr\".");
        }

        if (RpId != RpId.Trim().ToLowerInvariant() || RpId.Contains("://", StringComparison.Ordinal) || RpId.Contains('/', StringComparison.Ordinal) || RpId.Contains(':', StringComparison.Ordinal))
        {
            throw Invalid($"RpId '{RpId}' is not a lowercase domain: give only the host (no scheme, port or path), e.g. \"hopital.example.fr\".");
        }

        if (string.IsNullOrWhiteSpace(RpName))
        {
            throw Invalid("RpName is empty: set the name authenticators may show, e.g. o.RpName = \"CHU Exemple\".");
        }

        if (Origins.Count == 0)
        {
            throw Invalid($"Origins is empty, so every ceremony would be refused: add the site's origin, e.g. o.Origins.Add(\"https://{RpId}\").");
        }

        foreach (var origin in Origins)
        {
            CheckOrigin(origin, nameof(Origins), underRpId: true);
        }

        if (AllowCrossOrigin)
        {
            if (AllowedTopOrigins.Count == 0)
            {
                throw Invalid("AllowCrossOrigin is set but AllowedTopOrigins is empty: add the origins of the pages allowed to embed the ceremony in an iframe, or leave AllowCrossOrigin false.");
            }

            foreach (var origin in AllowedTopOrigins)
            {
                CheckOrigin(origin, nameof(AllowedTopOrigins), underRpId: false);
            }
        }
        else if (AllowedTopOrigins.Count > 0)
        {
            throw Invalid("AllowedTopOrigins is set but AllowCrossOrigin is false: set AllowCrossOrigin = true to accept iframes, or clear AllowedTopOrigins.");
        }

        if (ChallengeLifetime < TimeSpan.FromSeconds(10) || ChallengeLifetime > TimeSpan.FromHours(1))
        {
            throw Invalid($"ChallengeLifetime is {ChallengeLifetime}; set it between 10 seconds and 1 hour (default 5 minutes).");
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromHours(1))
        {
            throw Invalid($"Timeout is {Timeout}; set a positive duration up to 1 hour (default 5 minutes).");
        }

        if (Algorithms.Count == 0)
        {
            throw Invalid("Algorithms is empty, so no credential could be registered: keep the default (ES256, EdDSA, Ed25519, RS256, PS256, ES384, ES512) or add at least CoseAlgorithm.ES256.");
        }

        foreach (var alg in Algorithms)
        {
            if (!Enum.IsDefined(alg))
            {
                throw Invalid($"Algorithms holds {(int)alg}, which CarteAuth does not verify: use the CoseAlgorithm values.");
            }

            if (alg == CoseAlgorithm.RS1)
            {
                throw Invalid("Algorithms holds RS1 (RSA with SHA-1), which is not accepted for credential keys: remove it.");
            }
        }

        if (Algorithms.Distinct().Count() != Algorithms.Count)
        {
            throw Invalid("Algorithms lists an algorithm twice: list each once, in order of preference.");
        }

        CheckValue(UserVerification, UserVerificationValues, nameof(UserVerification));
        CheckValue(ResidentKey, ResidentKeyValues, nameof(ResidentKey));
        CheckValue(Attestation, AttestationValues, nameof(Attestation));
        CheckRange(MaxClientDataJsonLength, 512, 64 * 1024, nameof(MaxClientDataJsonLength));
        CheckRange(MaxResponseJsonLength, 4 * 1024, 1024 * 1024, nameof(MaxResponseJsonLength));
        CheckRange(MaxCredentialsPerUser, 1, 1000, nameof(MaxCredentialsPerUser));
        CheckRange(ChallengeStoreCapacity, 1, 10_000_000, nameof(ChallengeStoreCapacity));
    }

    /// <summary>SHA-256 of the RP ID (the expected <c>rpIdHash</c>).</summary>
    internal byte[] RpIdHash() => System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(RpId));

    private void CheckOrigin(string origin, string list, bool underRpId)
    {
        if (string.IsNullOrWhiteSpace(origin) || !Uri.TryCreate(origin, UriKind.Absolute, out var uri))
        {
            throw Invalid($"{list} holds '{origin}', which is not an origin: write scheme://host[:port], e.g. \"https://{RpId}\".");
        }

        var expected = uri.IsDefaultPort ? $"{uri.Scheme}://{uri.IdnHost}" : $"{uri.Scheme}://{uri.IdnHost}:{uri.Port.ToString(CultureInfo.InvariantCulture)}";
        if (!string.Equals(origin, expected, StringComparison.Ordinal))
        {
            throw Invalid($"{list} holds '{origin}'; origins are compared exactly as browsers serialize them: write '{expected}' (lowercase, no path, no trailing slash, no default port).");
        }

        var localhost = uri.Host is "localhost" || uri.Host.EndsWith(".localhost", StringComparison.Ordinal);
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && localhost))
        {
            throw Invalid($"{list} holds '{origin}': WebAuthn needs a secure context, use https (http is accepted for localhost only).");
        }

        if (underRpId && uri.Host != RpId && !uri.Host.EndsWith("." + RpId, StringComparison.Ordinal))
        {
            throw Invalid($"Origin '{origin}' is not under RpId '{RpId}': browsers refuse an RP ID that is not the origin's host or a registrable suffix of it. Fix RpId or the origin.");
        }
    }

    private static void CheckValue(string value, IReadOnlyList<string> allowed, string name)
    {
        if (!allowed.Contains(value, StringComparer.Ordinal))
        {
            throw Invalid($"{name} is '{value}'; use one of: {string.Join(", ", allowed)}.");
        }
    }

    private static void CheckRange(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw Invalid($"{name} is {value.ToString(CultureInfo.InvariantCulture)}; set it between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}.");
        }
    }

    private static WebAuthnException Invalid(string message) => new(ReasonCodes.WebAuthnInvalidOptions, "Fido2Options: " + message);
}
