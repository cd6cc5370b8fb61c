using CarteAuth.Fido2.Tests.TestSupport;

namespace CarteAuth.Fido2.Tests.RelyingParty;

/// <summary><see cref="Fido2Options.Validate"/> refuses unusable settings with webauthn.invalid-options and a fix.</summary>
public sealed class Fido2OptionsTests
{
    private static void AssertInvalid(Action<Fido2Options> change, string expectedFragment)
    {
        var options = RpHarness.DefaultOptions();
        change(options);
        var ex = Assert.Throws<WebAuthnException>(options.Validate);
        Assert.Equal(ReasonCodes.WebAuthnInvalidOptions, ex.ReasonCode);
        Assert.Contains(expectedFragment, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_with_rp_and_origin_are_valid()
    {
        var o = RpHarness.DefaultOptions();
        o.Validate();
        Assert.Equal(TimeSpan.FromMinutes(5), o.ChallengeLifetime);
        Assert.Equal("required", o.UserVerification);
        Assert.Equal("none", o.Attestation);
        Assert.True(o.AllowBackupEligible);
        Assert.Equal([CoseAlgorithm.ES256, CoseAlgorithm.EdDSA, CoseAlgorithm.Ed25519, CoseAlgorithm.RS256, CoseAlgorithm.PS256, CoseAlgorithm.ES384, CoseAlgorithm.ES512], o.Algorithms);
    }

    [Fact]
    public void Subdomain_and_localhost_origins_are_valid()
    {
        var o = RpHarness.DefaultOptions();
        o.Origins.Add("https://login.example.org");
        o.Origins.Add("https://example.org:8443");
        o.Validate();
        var local = new Fido2Options { RpId = "localhost", RpName = "Dev" };
        local.Origins.Add("http://localhost:5000");
        local.Validate();
    }

    [Fact] public void Empty_rp_id() => AssertInvalid(o => o.RpId = "", "RpId is empty");
    [Fact] public void Rp_id_with_scheme() => AssertInvalid(o => o.RpId = "https://example.org", "not a lowercase domain");
    [Fact] public void Empty_rp_name() => AssertInvalid(o => o.RpName = " ", "RpName");
    [Fact] public void No_origins() => AssertInvalid(o => o.Origins.Clear(), "Origins is empty");
    [Fact] public void Origin_not_under_rp_id() => AssertInvalid(o => o.Origins.Add("https://example.com"), "not under RpId");
    [Fact] public void Origin_suffix_trick() => AssertInvalid(o => o.Origins.Add("https://evilexample.org"), "not under RpId");
    [Fact] public void Origin_with_path() => AssertInvalid(o => o.Origins.Add("https://example.org/login"), "compared exactly");
    [Fact] public void Origin_with_trailing_slash() => AssertInvalid(o => o.Origins.Add("https://example.org/"), "compared exactly");
    [Fact] public void Origin_with_default_port() => AssertInvalid(o => o.Origins.Add("https://example.org:443"), "compared exactly");
    [Fact] public void Http_origin() => AssertInvalid(o => o.Origins.Add("http://example.org"), "secure context");
    [Fact] public void Not_an_origin() => AssertInvalid(o => o.Origins.Add("example.org"), "not an origin");
    [Fact] public void Cross_origin_without_top_origins() => AssertInvalid(o => o.AllowCrossOrigin = true, "AllowedTopOrigins is empty");
    [Fact] public void Top_origins_without_cross_origin() => AssertInvalid(o => o.AllowedTopOrigins.Add("https://example.com"), "AllowCrossOrigin is false");
    [Fact] public void Zero_lifetime() => AssertInvalid(o => o.ChallengeLifetime = TimeSpan.Zero, "ChallengeLifetime");
    [Fact] public void Negative_timeout() => AssertInvalid(o => o.Timeout = TimeSpan.FromSeconds(-1), "Timeout");
    [Fact] public void No_algorithms() => AssertInvalid(o => o.Algorithms.Clear(), "Algorithms is empty");
    [Fact] public void Rs1_algorithm() => AssertInvalid(o => o.Algorithms.Add(CoseAlgorithm.RS1), "RS1");
    [Fact] public void Unknown_algorithm() => AssertInvalid(o => o.Algorithms.Add((CoseAlgorithm)(-99)), "does not verify");
    [Fact] public void Duplicate_algorithm() => AssertInvalid(o => o.Algorithms.Add(CoseAlgorithm.ES256), "twice");
    [Fact] public void Bad_user_verification() => AssertInvalid(o => o.UserVerification = "always", "UserVerification");
    [Fact] public void Bad_resident_key() => AssertInvalid(o => o.ResidentKey = "yes", "ResidentKey");
    [Fact] public void Bad_attestation() => AssertInvalid(o => o.Attestation = "full", "Attestation");
    [Fact] public void Tiny_client_data_limit() => AssertInvalid(o => o.MaxClientDataJsonLength = 10, "MaxClientDataJsonLength");
    [Fact] public void Zero_capacity() => AssertInvalid(o => o.ChallengeStoreCapacity = 0, "ChallengeStoreCapacity");

    [Fact]
    public void Relying_party_validates_its_options()
    {
        var o = RpHarness.DefaultOptions();
        o.Origins.Clear();
        var ex = Assert.Throws<WebAuthnException>(() => new Fido2RelyingParty(o, new CarteAuth.Fido2.Challenges.InMemoryWebAuthnChallengeStore(), new CarteAuth.Fido2.Stores.InMemoryFido2CredentialStore(), new TestAttestationVerifier()));
        Assert.Equal(ReasonCodes.WebAuthnInvalidOptions, ex.ReasonCode);
    }
}
