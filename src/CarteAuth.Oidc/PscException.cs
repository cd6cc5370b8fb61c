namespace CarteAuth.Oidc;

/// <summary>
/// A Pro Santé Connect failure: bad token, refused flow, unreachable or misbehaving provider, invalid options. Carries a
/// stable <c>psc.*</c> reason code (<see cref="ReasonCodes"/>, documented in docs/reason-codes.md) and a message saying
/// what to do.
/// </summary>
public sealed class PscException : CarteAuthException
{
    /// <summary>Creates the error.</summary>
    /// <param name="reasonCode">A <c>psc.*</c> code from <see cref="ReasonCodes"/>.</param>
    /// <param name="message">What is wrong and how to fix it.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public PscException(string reasonCode, string message, Exception? innerException = null)
        : base(reasonCode, message, innerException)
    {
    }

    /// <summary>The subject the failing token or response named (idNat or <c>sub</c>), when one could be read.</summary>
    public string? AttemptedSubject { get; init; }
}
