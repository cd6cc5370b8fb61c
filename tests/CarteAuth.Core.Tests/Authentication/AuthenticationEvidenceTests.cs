using CarteAuth.Authentication;
using CarteAuth.Core.Tests.TestSupport;

namespace CarteAuth.Core.Tests.Authentication;

public sealed class AuthenticationEvidenceTests
{
    private const AuthenticationMethods CpsCard = AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk;

    [Fact]
    public void Constructor_KeepsWhatTheAuthenticatorProved()
    {
        var identity = Evidence.Doctor();

        var evidence = new AuthenticationEvidence(identity, CpsCard, AssuranceLevel.High, Evidence.Now, "smartcard");

        Assert.Same(identity, evidence.Identity);
        Assert.Equal(CpsCard, evidence.Methods);
        Assert.Equal(AssuranceLevel.High, evidence.Assurance);
        Assert.Equal(Evidence.Now, evidence.AuthenticatedAt);
        Assert.Equal("smartcard", evidence.Authenticator);
    }

    [Fact]
    public void OptionalFields_ByDefault_AreUnsetAndNotPhishingResistant()
    {
        var evidence = Evidence.Create();

        Assert.Null(evidence.Acr);
        Assert.Null(evidence.CredentialId);
        Assert.False(evidence.IsPhishingResistant);
        Assert.NotNull(evidence.Properties);
        Assert.Empty(evidence.Properties);
    }

    [Fact]
    public void PhishingResistance_IsNeverInferredFromMethods()
    {
        // Even a card with PIN and hardware key is not phishing-resistant unless the authenticator says so.
        var evidence = Evidence.Create(CpsCard);

        Assert.False(evidence.IsPhishingResistant);
    }

    [Fact]
    public void OptionalFields_WhenSet_AreKept()
    {
        var evidence = new AuthenticationEvidence(Evidence.Doctor(), AuthenticationMethods.Swk | AuthenticationMethods.Mfa, AssuranceLevel.Substantial, Evidence.Now, "psc")
        {
            Acr = Acr.ProSanteConnect,
            CredentialId = "cred-1",
            IsPhishingResistant = true,
            Properties = new Dictionary<string, string> { ["issuer"] = "AC IGC-SANTE FORT PERSONNES" },
        };

        Assert.Equal("eidas1", evidence.Acr);
        Assert.Equal("cred-1", evidence.CredentialId);
        Assert.True(evidence.IsPhishingResistant);
        Assert.Equal("AC IGC-SANTE FORT PERSONNES", evidence.Properties["issuer"]);
    }

    [Fact]
    public void Properties_SetToNull_BecomeEmpty()
    {
        var evidence = new AuthenticationEvidence(Evidence.Doctor(), CpsCard, AssuranceLevel.High, Evidence.Now, "smartcard")
        {
            Properties = null!,
        };

        Assert.NotNull(evidence.Properties);
        Assert.Empty(evidence.Properties);
    }

    [Fact]
    public void Properties_WhenTheCallersDictionaryChangesAfterwards_StayAsTheyWere()
    {
        // Evidence is documented as immutable: it must not share the caller's mutable dictionary.
        var properties = new Dictionary<string, string> { ["aaguid"] = "00000000-0000-0000-0000-000000000000" };
        var evidence = new AuthenticationEvidence(Evidence.Doctor(), AuthenticationMethods.Hwk, AssuranceLevel.High, Evidence.Now, "fido2")
        {
            Properties = properties,
        };

        properties["aaguid"] = "forged";
        properties["extra"] = "added";

        Assert.Equal("00000000-0000-0000-0000-000000000000", evidence.Properties["aaguid"]);
        Assert.False(evidence.Properties.ContainsKey("extra"));
    }

    [Fact]
    public void Properties_ByDefault_CannotBeModifiedThroughACast()
    {
        // The default empty dictionary is shared by every evidence: writing into it would leak into all of them.
        var first = Evidence.Create();

        var writable = Assert.IsAssignableFrom<IDictionary<string, string>>(first.Properties);
        Assert.True(writable.IsReadOnly);
        Assert.Throws<NotSupportedException>(() => writable.Add("leak", "yes"));

        Assert.Empty(Evidence.Create().Properties);
    }

    [Fact]
    public void Constructor_NullIdentity_ThrowsArgumentNullException()
    {
        var ex = Assert.Throws<ArgumentNullException>(() =>
            new AuthenticationEvidence(null!, CpsCard, AssuranceLevel.High, Evidence.Now, "smartcard"));

        Assert.Equal("identity", ex.ParamName);
    }

    [Fact]
    public void Constructor_NullAuthenticator_ThrowsArgumentNullException()
    {
        var ex = Assert.Throws<ArgumentNullException>(() =>
            new AuthenticationEvidence(Evidence.Doctor(), CpsCard, AssuranceLevel.High, Evidence.Now, null!));

        Assert.Equal("authenticator", ex.ParamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Constructor_BlankAuthenticator_ThrowsArgumentException(string authenticator)
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            new AuthenticationEvidence(Evidence.Doctor(), CpsCard, AssuranceLevel.High, Evidence.Now, authenticator));

        Assert.Equal("authenticator", ex.ParamName);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    [InlineData(42)]
    public void Constructor_UndefinedAssuranceLevel_ThrowsArgumentOutOfRange(int level)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new AuthenticationEvidence(Evidence.Doctor(), CpsCard, (AssuranceLevel)level, Evidence.Now, "smartcard"));

        Assert.Equal("assurance", ex.ParamName);
    }

    [Theory]
    [InlineData(AssuranceLevel.Low)]
    [InlineData(AssuranceLevel.Substantial)]
    [InlineData(AssuranceLevel.High)]
    public void Constructor_EveryDefinedLevel_IsAccepted(AssuranceLevel level)
    {
        var evidence = Evidence.Create(assurance: level);

        Assert.Equal(level, evidence.Assurance);
    }

    [Fact]
    public void Factors_FollowTheMethods()
    {
        var evidence = Evidence.Create(AuthenticationMethods.Otp | AuthenticationMethods.Pwd);

        Assert.Equal(AuthenticationFactors.Possession | AuthenticationFactors.Knowledge, evidence.Factors);
        Assert.Equal(2, evidence.FactorCount);
    }
}
