namespace CarteAuth.SmartCard.Revocation;

/// <summary>The revocation status of a certificate.</summary>
public enum RevocationStatus
{
    /// <summary>The certificate is not revoked (or, when <see cref="RevocationCheckResult.Degraded"/>, accepted in degraded mode).</summary>
    Good,

    /// <summary>The certificate is revoked.</summary>
    Revoked,

    /// <summary>The responder does not know the certificate (OCSP <c>unknown</c>).</summary>
    Unknown,

    /// <summary>No trustworthy, fresh answer could be obtained (responder or CRL unreachable, stale, malformed or badly signed).</summary>
    Unavailable,
}
