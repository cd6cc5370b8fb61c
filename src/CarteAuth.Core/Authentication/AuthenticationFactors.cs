namespace CarteAuth.Authentication;

/// <summary>Kinds of authentication factor combined in one authentication.</summary>
[Flags]
public enum AuthenticationFactors
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>Something the professional knows (PIN, password).</summary>
    Knowledge = 1,
    /// <summary>Something the professional has (card, security key, phone).</summary>
    Possession = 2,
    /// <summary>Something the professional is (fingerprint, face).</summary>
    Inherence = 4,
}

/// <summary>Derives factors from methods.</summary>
public static class AuthenticationFactorsExtensions
{
    private const AuthenticationMethods Knowledge = AuthenticationMethods.Pin | AuthenticationMethods.Pwd | AuthenticationMethods.Kba;
    private const AuthenticationMethods Possession = AuthenticationMethods.Sc | AuthenticationMethods.Hwk | AuthenticationMethods.Swk |
        AuthenticationMethods.Otp | AuthenticationMethods.Sms | AuthenticationMethods.Tel | AuthenticationMethods.Pop;
    private const AuthenticationMethods Inherence = AuthenticationMethods.Fpt | AuthenticationMethods.Face | AuthenticationMethods.Iris |
        AuthenticationMethods.Retina | AuthenticationMethods.Vbm;

    /// <summary>The factor kinds that <paramref name="methods"/> cover.</summary>
    public static AuthenticationFactors ToFactors(this AuthenticationMethods methods)
    {
        var f = AuthenticationFactors.None;
        if ((methods & Knowledge) != 0)
        {
            f |= AuthenticationFactors.Knowledge;
        }

        if ((methods & Possession) != 0)
        {
            f |= AuthenticationFactors.Possession;
        }

        if ((methods & Inherence) != 0)
        {
            f |= AuthenticationFactors.Inherence;
        }

        return f;
    }
}
