namespace CarteAuth;

/// <summary>
/// Base type of every error CarteAuth raises for bad input or bad configuration.
/// Each carries a stable <see cref="ReasonCode"/> (see <see cref="ReasonCodes"/>) and a message that says
/// what is wrong and how to fix it.
/// </summary>
public class CarteAuthException : Exception
{
    /// <summary>Creates an error with a stable reason code and an actionable message.</summary>
    /// <param name="reasonCode">A stable code from <see cref="ReasonCodes"/>.</param>
    /// <param name="message">What is wrong and how to fix it.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public CarteAuthException(string reasonCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(reasonCode);
        ReasonCode = reasonCode;
    }

    /// <summary>The stable reason code (for example <c>identity.invalid-national-id</c>).</summary>
    public string ReasonCode { get; }
}

/// <summary>A national identifier, structure identifier or other identity value is malformed.</summary>
public sealed class IdentityFormatException : CarteAuthException
{
    /// <summary>Creates the error.</summary>
    /// <param name="reasonCode">A stable code from <see cref="ReasonCodes"/>.</param>
    /// <param name="message">What is wrong and how to fix it.</param>
    public IdentityFormatException(string reasonCode, string message)
        : base(reasonCode, message)
    {
    }
}
