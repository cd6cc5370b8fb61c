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

    /// <summary>
    /// When the attempt was refused because its identity or source is locked out (<see cref="ReasonCodes.AuthLockedOut"/>,
    /// <see cref="ReasonCodes.AuthRateLimited"/>): when to try again (HTTP <c>Retry-After</c>). Null otherwise.
    /// </summary>
    public DateTimeOffset? RetryAt { get; private init; }

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

    /// <summary>A refusal because the identity or source is locked out; the secret was not checked.</summary>
    /// <param name="reasonCode"><see cref="ReasonCodes.AuthLockedOut"/> or <see cref="ReasonCodes.AuthRateLimited"/>.</param>
    /// <param name="message">What is locked and until when (no secrets).</param>
    /// <param name="retryAt">When the lockout ends.</param>
    /// <param name="attemptedSubject">The identity the attempt claimed, when known.</param>
    public static AuthenticationResult LockedOut(string reasonCode, string message, DateTimeOffset retryAt, string? attemptedSubject = null) =>
        new(null, reasonCode, message, attemptedSubject) { RetryAt = retryAt };

    /// <inheritdoc/>
    public override string ToString() => Succeeded ? $"success: {Evidence!.Identity}" : $"failure: {ReasonCode}: {FailureMessage}";
}
