namespace CarteAuth.Fido2;

/// <summary>COSE algorithm identifiers (IANA "COSE Algorithms" registry, RFC 9053, RFC 8812) that CarteAuth verifies.</summary>
public enum CoseAlgorithm
{
    /// <summary>ECDSA with SHA-256 (P-256).</summary>
    ES256 = -7,
    /// <summary>ECDSA with SHA-384 (P-384).</summary>
    ES384 = -35,
    /// <summary>ECDSA with SHA-512 (P-521).</summary>
    ES512 = -36,
    /// <summary>EdDSA (Ed25519 or Ed448, by the key's curve).</summary>
    EdDSA = -8,
    /// <summary>Ed25519 (fully specified, RFC 9864).</summary>
    Ed25519 = -19,
    /// <summary>Ed448 (fully specified, RFC 9864).</summary>
    Ed448 = -53,
    /// <summary>RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8812).</summary>
    RS256 = -257,
    /// <summary>RSASSA-PKCS1-v1_5 with SHA-384.</summary>
    RS384 = -258,
    /// <summary>RSASSA-PKCS1-v1_5 with SHA-512.</summary>
    RS512 = -259,
    /// <summary>RSASSA-PSS with SHA-256.</summary>
    PS256 = -37,
    /// <summary>RSASSA-PSS with SHA-384.</summary>
    PS384 = -38,
    /// <summary>RSASSA-PSS with SHA-512.</summary>
    PS512 = -39,
    /// <summary>RSASSA-PKCS1-v1_5 with SHA-1: legacy (some TPMs); never in the default allow-list.</summary>
    RS1 = -65535,
}

/// <summary>COSE key types (RFC 9053 §7).</summary>
public enum CoseKeyType
{
    /// <summary>Octet key pair (EdDSA).</summary>
    OKP = 1,
    /// <summary>Elliptic curve with x and y.</summary>
    EC2 = 2,
    /// <summary>RSA (RFC 8230).</summary>
    RSA = 3,
}

/// <summary>COSE elliptic curves (RFC 9053 §7.1).</summary>
public enum CoseCurve
{
    /// <summary>NIST P-256.</summary>
    P256 = 1,
    /// <summary>NIST P-384.</summary>
    P384 = 2,
    /// <summary>NIST P-521.</summary>
    P521 = 3,
    /// <summary>Ed25519 (OKP).</summary>
    Ed25519 = 6,
    /// <summary>Ed448 (OKP).</summary>
    Ed448 = 7,
}
