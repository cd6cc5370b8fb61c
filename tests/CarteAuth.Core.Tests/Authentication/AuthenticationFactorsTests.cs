using CarteAuth.Authentication;
using CarteAuth.Core.Tests.TestSupport;

namespace CarteAuth.Core.Tests.Authentication;

public sealed class AuthenticationFactorsTests
{
    private const AuthenticationMethods CpsCard = AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk;

    /// <summary>The factor kind each registered method counts as (None: the method is no factor by itself).</summary>
    public static TheoryData<AuthenticationMethods, AuthenticationFactors> Classification => new()
    {
        { AuthenticationMethods.Pin, AuthenticationFactors.Knowledge },
        { AuthenticationMethods.Pwd, AuthenticationFactors.Knowledge },
        { AuthenticationMethods.Kba, AuthenticationFactors.Knowledge },
        { AuthenticationMethods.Sc, AuthenticationFactors.Possession },
        { AuthenticationMethods.Hwk, AuthenticationFactors.Possession },
        { AuthenticationMethods.Swk, AuthenticationFactors.Possession },
        { AuthenticationMethods.Otp, AuthenticationFactors.Possession },
        { AuthenticationMethods.Sms, AuthenticationFactors.Possession },
        { AuthenticationMethods.Tel, AuthenticationFactors.Possession },
        { AuthenticationMethods.Pop, AuthenticationFactors.Possession },
        { AuthenticationMethods.Fpt, AuthenticationFactors.Inherence },
        { AuthenticationMethods.Face, AuthenticationFactors.Inherence },
        { AuthenticationMethods.Iris, AuthenticationFactors.Inherence },
        { AuthenticationMethods.Retina, AuthenticationFactors.Inherence },
        { AuthenticationMethods.Vbm, AuthenticationFactors.Inherence },
        { AuthenticationMethods.Mfa, AuthenticationFactors.None },
        { AuthenticationMethods.Mca, AuthenticationFactors.None },
        { AuthenticationMethods.Geo, AuthenticationFactors.None },
        { AuthenticationMethods.Rba, AuthenticationFactors.None },
        { AuthenticationMethods.Wia, AuthenticationFactors.None },
        { AuthenticationMethods.User, AuthenticationFactors.None },
    };

    [Theory]
    [MemberData(nameof(Classification))]
    public void ToFactors_EachRegisteredMethod_CountsAsItsFactorKind(AuthenticationMethods method, AuthenticationFactors expected)
    {
        Assert.Equal(expected, method.ToFactors());
    }

    [Fact]
    public void Classification_CoversEveryDefinedMethod()
    {
        var classified = Classification.Select(row => (AuthenticationMethods)row[0]).ToHashSet();
        var defined = Enum.GetValues<AuthenticationMethods>().Where(m => m != AuthenticationMethods.None);

        Assert.All(defined, m => Assert.Contains(m, classified));
    }

    [Fact]
    public void CpsCardWithPin_IsPossessionAndKnowledge_TwoFactors()
    {
        var evidence = Evidence.Create(CpsCard);

        Assert.Equal(AuthenticationFactors.Possession | AuthenticationFactors.Knowledge, evidence.Factors);
        Assert.Equal(2, evidence.FactorCount);
    }

    [Fact]
    public void Fido2KeyWithFingerprint_IsPossessionAndInherence_TwoFactors()
    {
        var evidence = Evidence.Create(AuthenticationMethods.Hwk | AuthenticationMethods.Fpt, AssuranceLevel.High, "fido2");

        Assert.Equal(AuthenticationFactors.Possession | AuthenticationFactors.Inherence, evidence.Factors);
        Assert.Equal(2, evidence.FactorCount);
    }

    [Fact]
    public void Fido2KeyWithPin_IsPossessionAndKnowledge_TwoFactors()
    {
        var evidence = Evidence.Create(AuthenticationMethods.Hwk | AuthenticationMethods.Pin, AssuranceLevel.High, "fido2");

        Assert.Equal(2, evidence.FactorCount);
    }

    [Fact]
    public void Fido2KeyWithoutUserVerification_IsOneFactor()
    {
        var evidence = Evidence.Create(AuthenticationMethods.Hwk, AssuranceLevel.Low, "fido2");

        Assert.Equal(AuthenticationFactors.Possession, evidence.Factors);
        Assert.Equal(1, evidence.FactorCount);
    }

    [Fact]
    public void PasswordAlone_IsKnowledge_OneFactor()
    {
        var evidence = Evidence.Create(AuthenticationMethods.Pwd, AssuranceLevel.Low, "password");

        Assert.Equal(AuthenticationFactors.Knowledge, evidence.Factors);
        Assert.Equal(1, evidence.FactorCount);
    }

    [Fact]
    public void PasswordAndKba_AreStillOneFactorKind()
    {
        var evidence = Evidence.Create(AuthenticationMethods.Pwd | AuthenticationMethods.Kba | AuthenticationMethods.Pin, AssuranceLevel.Low, "password");

        Assert.Equal(AuthenticationFactors.Knowledge, evidence.Factors);
        Assert.Equal(1, evidence.FactorCount);
    }

    [Fact]
    public void MfaClaimAlone_IsNoFactor()
    {
        // "mfa" says several factors were used but proves none of them.
        var evidence = Evidence.Create(AuthenticationMethods.Mfa, AssuranceLevel.Substantial, "psc");

        Assert.Equal(AuthenticationFactors.None, evidence.Factors);
        Assert.Equal(0, evidence.FactorCount);
    }

    [Fact]
    public void CardPinAndFingerprint_AreThreeFactors()
    {
        var evidence = Evidence.Create(CpsCard | AuthenticationMethods.Fpt);

        Assert.Equal(AuthenticationFactors.Knowledge | AuthenticationFactors.Possession | AuthenticationFactors.Inherence, evidence.Factors);
        Assert.Equal(3, evidence.FactorCount);
    }

    [Fact]
    public void NoMethods_AreNoFactors()
    {
        Assert.Equal(AuthenticationFactors.None, AuthenticationMethods.None.ToFactors());
    }

    [Fact]
    public void UndefinedMethodBits_AreNoFactors()
    {
        Assert.Equal(AuthenticationFactors.None, ((AuthenticationMethods)(1 << 25)).ToFactors());
    }
}
