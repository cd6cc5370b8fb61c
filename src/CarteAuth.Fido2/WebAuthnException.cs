namespace CarteAuth.Fido2;

/// <summary>
/// A WebAuthn message, key, attestation or configuration is refused. <see cref="CarteAuthException.ReasonCode"/> is one
/// of the stable <c>webauthn.*</c> codes of <see cref="ReasonCodes"/>; the message says what is wrong and how to fix it.
/// </summary>
public sealed class WebAuthnException : CarteAuthException
{
    /// <summary>Creates the error.</summary>
    /// <param name="reasonCode">A stable <c>webauthn.*</c> code from <see cref="ReasonCodes"/>.</param>
    /// <param name="message">What is wrong and how to fix it.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public WebAuthnException(string reasonCode, string message, Exception? innerException = null)
        : base(reasonCode, message, innerException)
    {
    }
}
