namespace CarteAuth.SmartCard.Revocation;

/// <summary>The outcome of a revocation check.</summary>
public sealed class RevocationCheckResult
{
    private RevocationCheckResult(RevocationStatus status, string? reasonCode, string message, bool degraded, DateTimeOffset? revokedAt)
    {
        Status = status;
        ReasonCode = reasonCode;
        Message = message;
        Degraded = degraded;
        RevokedAt = revokedAt;
    }

    /// <summary>The status.</summary>
    public RevocationStatus Status { get; }

    /// <summary>A stable reason code (<see cref="ReasonCodes"/>); null for a plain good answer.</summary>
    public string? ReasonCode { get; }

    /// <summary>What happened, for logs and operators (do not parse).</summary>
    public string Message { get; }

    /// <summary>
    /// True when the certificate is accepted in degraded mode ("débrayage"): no fresh answer could be obtained and the
    /// last good answer was used instead. The caller must audit it.
    /// </summary>
    public bool Degraded { get; }

    /// <summary>When the certificate was revoked, for <see cref="RevocationStatus.Revoked"/>.</summary>
    public DateTimeOffset? RevokedAt { get; }

    /// <summary>True when the certificate may be accepted (<see cref="RevocationStatus.Good"/>, degraded or not).</summary>
    public bool IsAccepted => Status == RevocationStatus.Good;

    /// <summary>A good answer.</summary>
    public static RevocationCheckResult Good(string message = "The certificate is not revoked.") => new(RevocationStatus.Good, null, message, false, null);

    /// <summary>A good answer in degraded mode (<see cref="ReasonCodes.CertRevocationDegraded"/>); the caller must audit it.</summary>
    public static RevocationCheckResult DegradedGood(string message) => new(RevocationStatus.Good, ReasonCodes.CertRevocationDegraded, message, true, null);

    /// <summary>A revoked certificate (<see cref="ReasonCodes.CertRevoked"/>).</summary>
    public static RevocationCheckResult Revoked(DateTimeOffset? revokedAt, string message) => new(RevocationStatus.Revoked, ReasonCodes.CertRevoked, message, false, revokedAt);

    /// <summary>A certificate the responder does not know (<see cref="ReasonCodes.CertRevocationUnknown"/>).</summary>
    public static RevocationCheckResult Unknown(string message) => new(RevocationStatus.Unknown, ReasonCodes.CertRevocationUnknown, message, false, null);

    /// <summary>No trustworthy answer; <paramref name="reasonCode"/> says why (default <see cref="ReasonCodes.CertRevocationUnavailable"/>).</summary>
    public static RevocationCheckResult Unavailable(string message, string reasonCode = ReasonCodes.CertRevocationUnavailable) => new(RevocationStatus.Unavailable, reasonCode, message, false, null);

    /// <inheritdoc/>
    public override string ToString() => ReasonCode is null ? $"{Status}: {Message}" : $"{Status} ({ReasonCode}{(Degraded ? ", degraded" : "")}): {Message}";
}
