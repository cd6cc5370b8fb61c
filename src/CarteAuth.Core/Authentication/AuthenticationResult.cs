namespace CarteAuth.Authentication;

/// <summary>The outcome of an authentication: evidence, or a failure with a stable reason code. Never both.</summary>
public sealed class AuthenticationResult
{
    private AuthenticationResult(AuthenticationEvidence? evidence, string? reasonCode, string? message, string? attemptedSubject)
    {
        Evidence = evidence;
        ReasonCode = reasonCode;
        FailureMessage = message;
        AttemptedSubject = attemptedSubject;
    }

    /// <summary>True when the credential was verified and <see cref="Evidence"/> is set.</summary>
    public bool Succeeded => Evidence is not null;

    /// <summary>The evidence, on success.</summary>
    public AuthenticationEvidence? Evidence { get; }

    /// <summary>The stable reason code, on failure (e.g. <c>cert.revoked</c>).</summary>
    public string? ReasonCode { get; }

    /// <summary>What went wrong, for logs and the person concerned (no secrets).</summary>
    public string? FailureMessage { get; }

    /// <summary>The identity the credential claimed, if one could be read even though it failed (for the audit trail).</summary>
    public string? AttemptedSubject { get; }

    /// <summary>A success.</summary>
    public static AuthenticationResult Success(AuthenticationEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        return new AuthenticationResult(evidence, null, null, evidence.Identity.NationalId.Value);
    }

    /// <summary>A failure.</summary>
    /// <param name="reasonCode">A stable reason code (<see cref="ReasonCodes"/> or the method package's own).</param>
    /// <param name="message">What went wrong, actionable, without secrets.</param>
    /// <param name="attemptedSubject">The identity the credential claimed, when it could be read.</param>
    public static AuthenticationResult Fail(string reasonCode, string message, string? attemptedSubject = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(reasonCode);
        ArgumentException.ThrowIfNullOrEmpty(message);
        return new AuthenticationResult(null, reasonCode, message, attemptedSubject);
    }

    /// <inheritdoc/>
    public override string ToString() => Succeeded ? $"success: {Evidence!.Identity}" : $"failure: {ReasonCode}: {FailureMessage}";
}
