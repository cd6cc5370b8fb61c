namespace CarteAuth.Authentication;

/// <summary>
/// Authentication methods, as the registered "amr" values of RFC 8176 §2. A set of flags so that policy checks
/// are a few bit operations. Convert to and from the string values with <see cref="Amr"/>.
/// </summary>
[Flags]
public enum AuthenticationMethods
{
    /// <summary>No method.</summary>
    None = 0,
    /// <summary><c>sc</c>: smart card (CPS/CPx).</summary>
    Sc = 1 << 0,
    /// <summary><c>hwk</c>: proof of possession of a hardware-secured key (FIDO2 security key, card key).</summary>
    Hwk = 1 << 1,
    /// <summary><c>swk</c>: proof of possession of a software-secured key.</summary>
    Swk = 1 << 2,
    /// <summary><c>pin</c>: personal identification number or pattern (card PIN, authenticator UV by PIN).</summary>
    Pin = 1 << 3,
    /// <summary><c>otp</c>: one-time password.</summary>
    Otp = 1 << 4,
    /// <summary><c>mfa</c>: multiple-factor authentication.</summary>
    Mfa = 1 << 5,
    /// <summary><c>fpt</c>: fingerprint biometric.</summary>
    Fpt = 1 << 6,
    /// <summary><c>pwd</c>: password.</summary>
    Pwd = 1 << 7,
    /// <summary><c>face</c>: facial recognition.</summary>
    Face = 1 << 8,
    /// <summary><c>iris</c>: iris scan.</summary>
    Iris = 1 << 9,
    /// <summary><c>retina</c>: retina scan.</summary>
    Retina = 1 << 10,
    /// <summary><c>vbm</c>: voice biometric.</summary>
    Vbm = 1 << 11,
    /// <summary><c>kba</c>: knowledge-based authentication.</summary>
    Kba = 1 << 12,
    /// <summary><c>sms</c>: confirmation by text message.</summary>
    Sms = 1 << 13,
    /// <summary><c>tel</c>: confirmation by telephone call.</summary>
    Tel = 1 << 14,
    /// <summary><c>pop</c>: proof of possession of a key (unspecified protection).</summary>
    Pop = 1 << 15,
    /// <summary><c>geo</c>: geolocation.</summary>
    Geo = 1 << 16,
    /// <summary><c>rba</c>: risk-based authentication.</summary>
    Rba = 1 << 17,
    /// <summary><c>wia</c>: Windows integrated authentication.</summary>
    Wia = 1 << 18,
    /// <summary><c>user</c>: user presence test.</summary>
    User = 1 << 19,
    /// <summary><c>mca</c>: multiple-channel authentication.</summary>
    Mca = 1 << 20,
}
