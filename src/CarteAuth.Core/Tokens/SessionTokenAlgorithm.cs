namespace CarteAuth.Tokens;

/// <summary>
/// JWS algorithms CarteAuth signs and validates session tokens with (RFC 7518 §3.1 names).
/// HMAC and <c>none</c> are deliberately absent: session tokens are always signed with an asymmetric key so that
/// validators never hold a secret that could mint tokens.
/// </summary>
public enum SessionTokenAlgorithm
{
    /// <summary>ECDSA with the P-256 curve and SHA-256 (RFC 7518 §3.4). Small keys and signatures; the default.</summary>
    ES256 = 0,

    /// <summary>RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-byte salt (RFC 7518 §3.5). RSA keys of 2048 bits or more.</summary>
    PS256 = 1,

    /// <summary>RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3). RSA keys of 2048 bits or more.</summary>
    RS256 = 2,
}

/// <summary>Names and properties of <see cref="SessionTokenAlgorithm"/> values.</summary>
public static class SessionTokenAlgorithms
{
    /// <summary>All supported algorithms, in enum order.</summary>
    internal static readonly SessionTokenAlgorithm[] All = [SessionTokenAlgorithm.ES256, SessionTokenAlgorithm.PS256, SessionTokenAlgorithm.RS256];

    /// <summary>The JWA name (<c>alg</c> header value).</summary>
    public static string ToJwa(this SessionTokenAlgorithm algorithm) => algorithm switch
    {
        SessionTokenAlgorithm.ES256 => "ES256",
        SessionTokenAlgorithm.PS256 => "PS256",
        SessionTokenAlgorithm.RS256 => "RS256",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown session token algorithm."),
    };

    /// <summary>True for a defined value.</summary>
    internal static bool IsDefined(SessionTokenAlgorithm algorithm) =>
        algorithm is SessionTokenAlgorithm.ES256 or SessionTokenAlgorithm.PS256 or SessionTokenAlgorithm.RS256;

    /// <summary>True for the RSA-based algorithms.</summary>
    public static bool IsRsa(this SessionTokenAlgorithm algorithm) =>
        algorithm is SessionTokenAlgorithm.PS256 or SessionTokenAlgorithm.RS256;

    /// <summary>Parses a JWA name (case-sensitive, RFC 7515 §4.1.1).</summary>
    public static bool TryParse(string? value, out SessionTokenAlgorithm algorithm)
    {
        switch (value)
        {
            case "ES256":
                algorithm = SessionTokenAlgorithm.ES256;
                return true;
            case "PS256":
                algorithm = SessionTokenAlgorithm.PS256;
                return true;
            case "RS256":
                algorithm = SessionTokenAlgorithm.RS256;
                return true;
            default:
                algorithm = default;
                return false;
        }
    }

    /// <summary>Bit of an algorithm in an allowed-set mask.</summary>
    internal static int Bit(this SessionTokenAlgorithm algorithm) => 1 << (int)algorithm;
}
