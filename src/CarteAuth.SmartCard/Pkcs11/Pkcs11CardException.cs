namespace CarteAuth.SmartCard.Pkcs11;

/// <summary>
/// A card operation through a PKCS#11 module failed: missing or unloadable module, no token, wrong or locked PIN,
/// no certificate, token error. <see cref="CarteAuthException.ReasonCode"/> is one of the <c>pkcs11.*</c> codes of
/// <see cref="ReasonCodes"/>; the message says what to do.
/// </summary>
public sealed class Pkcs11CardException : CarteAuthException
{
    /// <summary>Creates the error.</summary>
    /// <param name="reasonCode">A <c>pkcs11.*</c> code from <see cref="ReasonCodes"/>.</param>
    /// <param name="message">What is wrong and how to fix it.</param>
    /// <param name="returnValue">The PKCS#11 return value (e.g. <c>CKR_PIN_INCORRECT</c>) when the module returned one.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public Pkcs11CardException(string reasonCode, string message, string? returnValue = null, Exception? innerException = null)
        : base(reasonCode, message, innerException)
    {
        ReturnValue = returnValue;
    }

    /// <summary>The PKCS#11 return value (<c>CKR_…</c> name) behind the error, when the module returned one.</summary>
    public string? ReturnValue { get; }
}
