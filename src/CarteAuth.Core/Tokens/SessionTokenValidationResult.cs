using System.Diagnostics.CodeAnalysis;

namespace CarteAuth.Tokens;

/// <summary>The outcome of <see cref="SessionTokenValidator.ValidateAsync"/>: valid with its claims, or refused with a reason.</summary>
public sealed class SessionTokenValidationResult
{
    private SessionTokenValidationResult(SessionTokenClaims? claims, string? reasonCode, string message)
    {
        Claims = claims;
        ReasonCode = reasonCode;
        Message = message;
    }

    /// <summary>True when the token is valid; <see cref="Claims"/> is then set.</summary>
    [MemberNotNullWhen(true, nameof(Claims))]
    [MemberNotNullWhen(false, nameof(ReasonCode))]
    public bool IsValid => Claims is not null;

    /// <summary>Why the token was refused: a stable code from <see cref="ReasonCodes"/> (<c>token.*</c>); null when valid.</summary>
    public string? ReasonCode { get; }

    /// <summary>What is wrong and what to do, for logs and developers (never echo it to untrusted clients verbatim); "valid" when valid.</summary>
    public string Message { get; }

    /// <summary>The token's claims when valid; null otherwise.</summary>
    public SessionTokenClaims? Claims { get; }

    internal static SessionTokenValidationResult Success(SessionTokenClaims claims) => new(claims, null, "The token is valid.");

    internal static SessionTokenValidationResult Failure(string reasonCode, string message) => new(null, reasonCode, message);

    /// <inheritdoc/>
    public override string ToString() => IsValid ? $"valid: {Claims}" : $"{ReasonCode}: {Message}";
}
