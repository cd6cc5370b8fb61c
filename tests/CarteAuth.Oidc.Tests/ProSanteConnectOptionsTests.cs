using CarteAuth.Authentication;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Oidc.Tests;

public sealed class ProSanteConnectOptionsTests
{
    private static ProSanteConnectOptions Good() => new ProSanteConnectOptions { ClientId = "c", ClientSecret = "s" }.UseEnvironment(ProSanteConnectEnvironments.Sandbox);

    [Fact]
    public void Presets_set_the_issuer_and_the_wallet_host()
    {
        var o = new ProSanteConnectOptions().UseEnvironment(ProSanteConnectEnvironments.Production);
        Assert.Equal("https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet", o.Issuer);
        Assert.Contains("https://wallet.esw.esante.gouv.fr", o.AdditionalEndpointBaseAddresses);
        Assert.Equal(".well-known/wallet-openid-configuration", o.DiscoveryDocumentName);
        Assert.Equal("openid scope_all", o.Scope);
        Assert.Equal("eidas1", o.AcrValues);
        Assert.Equal(AssuranceLevel.Substantial, o.RequiredAssurance);
        Assert.Same(ProSanteConnectEnvironments.Sandbox, ProSanteConnectEnvironments.Find("BAS"));
        Good().Validate();
    }

    public static TheoryData<string, Action<ProSanteConnectOptions>> Bad => new()
    {
        { "Issuer", o => o.Issuer = "" },
        { "http", o => o.Issuer = "http://auth.example.org/realm" },
        { "ClientId", o => o.ClientId = "" },
        { "ClientSecret", o => o.ClientSecret = null },
        { "ClientAssertionSigningCredentials", o => o.ClientAuthentication = PscClientAuthenticationMethod.PrivateKeyJwt },
        { "openid", o => o.Scope = "scope_all" },
        { "none", o => o.AllowedAlgorithms.Add("none") },
        { "HS256", o => { o.AllowedAlgorithms.Add("HS256"); o.ClientSecret = null; o.ClientAuthentication = PscClientAuthenticationMethod.PrivateKeyJwt; o.ClientAssertionSigningCredentials = new SigningCredentials(new ECDsaSecurityKey(System.Security.Cryptography.ECDsa.Create()), "ES256"); } },
        { "HttpTimeout", o => o.HttpTimeout = TimeSpan.Zero },
        { "MaxTokenSize", o => o.MaxTokenSize = 10 },
        { "ClockSkew", o => o.ClockSkew = TimeSpan.FromHours(1) },
        { "RequiredAssurance", o => o.RequiredAssurance = AssuranceLevel.None },
        { "Ciba.DefaultInterval", o => o.Ciba.DefaultInterval = TimeSpan.Zero },
        { "MaxTokenAge", o => o.BackchannelLogout.MaxTokenAge = TimeSpan.Zero },
        { "ServerCertificateRevocationMode", o => o.ServerCertificateRevocationMode = (System.Security.Cryptography.X509Certificates.X509RevocationMode)42 },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void Invalid_options_say_what_to_fix(string mentioned, Action<ProSanteConnectOptions> breakIt)
    {
        var o = Good();
        breakIt(o);
        var e = Assert.Throws<PscException>(o.Validate);
        Assert.Equal(ReasonCodes.PscInvalidOptions, e.ReasonCode);
        Assert.Contains(mentioned, e.Message);
    }

    [Fact]
    public void Http_is_allowed_on_loopback_only()
    {
        var o = Good();
        o.Issuer = "http://127.0.0.1:8080/auth/realms/esante-wallet";
        o.Validate();
        o.Issuer = "http://localhost:8080/realm";
        o.Validate();
    }
}
