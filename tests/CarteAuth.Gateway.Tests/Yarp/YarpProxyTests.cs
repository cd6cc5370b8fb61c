using System.Net;
using CarteAuth.Tokens;
using Microsoft.Extensions.Options;

namespace CarteAuth.Gateway.Tests.Yarp;

/// <summary>The YARP gateway end to end: real Kestrel gateway, real Kestrel upstream, CarteAuth policies from route metadata.</summary>
public sealed class YarpProxyTests
{
    private static HttpRequestMessage Get(string path, string? token = null, bool api = false, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd(api ? "application/json" : "text/html");
        if (token is not null)
        {
            request.Headers.Add("Cookie", "carteauth=" + token);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    [Fact]
    public async Task Anonymous_BrowserIsRedirectedToLogin_ApiGets401()
    {
        await using var gateway = await YarpGatewayHost.StartAsync();
        using var client = gateway.Client();

        var browser = await client.SendAsync(Get("/dossier/42?x=1"));
        Assert.Equal(HttpStatusCode.Found, browser.StatusCode);
        var location = browser.Headers.Location!.OriginalString;
        Assert.StartsWith("/carteauth/login?returnUrl=%2Fdossier%2F42%3Fx%3D1&stepUp=", location, StringComparison.Ordinal);
        Assert.EndsWith("&policy=dossier-patient", location, StringComparison.Ordinal);
        Assert.Equal(ReasonCodes.AuthenticationRequired, browser.Headers.GetValues("CarteAuth-Reason").Single());

        var api = await client.SendAsync(Get("/dossier/42", api: true));
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(ReasonCodes.AuthenticationRequired, api.Headers.GetValues("CarteAuth-Reason").Single());
        Assert.StartsWith("/carteauth/login?returnUrl=%2Fdossier%2F42", api.Headers.GetValues("X-CarteAuth-Login").Single(), StringComparison.Ordinal);
        Assert.StartsWith("CarteAuth error=", api.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Allowed_UpstreamGetsIdentityAndVerifiableAssertion_ForgedHeadersAndSessionStripped()
    {
        await using var gateway = await YarpGatewayHost.StartAsync();
        var token = await gateway.SignInAsync(GatewayHost.Evidence());
        using var client = gateway.Client();

        var response = await client.SendAsync(Get("/dossier/42", token, headers: [
            ("X-CarteAuth-IdNat", "899999999999"), ("X-CarteAuth-Level", "high"), ("x-carteauth-extra", "forged"),
            ("Client-Cert", ":AAAA:"), ("X-SSL-Client-Cert", "forged")]));
        var headers = await YarpGatewayHost.EchoAsync(response);
        Assert.Equal(GatewayHost.Doctor, headers["x-carteauth-idnat"]);
        Assert.Equal("10", headers["x-carteauth-profession"]);
        Assert.Equal("high", headers["x-carteauth-level"]);
        Assert.Equal("sc hwk pin", headers["x-carteauth-amr"]);
        Assert.False(headers.ContainsKey("x-carteauth-extra"));
        Assert.False(headers.ContainsKey("client-cert"));
        Assert.False(headers.ContainsKey("x-ssl-client-cert"));
        Assert.False(headers.ContainsKey("cookie"));

        // The assertion verifies with the gateway's JWKS for the upstream audience only.
        using var jwksClient = gateway.Client();
        var jwks = await jwksClient.GetStringAsync("/.well-known/carteauth/jwks.json");
        var validator = new SessionTokenValidator(new StaticSigningKeyProvider(SigningKeyRing.FromJwksJson(jwks)),
            Options.Create(new SessionTokenOptions { Issuer = "carteauth", Audience = "upstream-test" }), new InMemoryRevocationEpochStore(), TimeProvider.System);
        var result = await validator.ValidateAsync(headers["x-carteauth-assertion"]);
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(GatewayHost.Doctor, result.Claims!.Subject);

        // Bearer session tokens work too and are not passed on; other cookies are.
        var bearer = Get("/app/x", api: true, headers: [("Authorization", "Bearer " + token), ("Cookie", "theme=dark")]);
        var viaBearer = await YarpGatewayHost.EchoAsync(await client.SendAsync(bearer));
        Assert.Equal(GatewayHost.Doctor, viaBearer["x-carteauth-idnat"]);
        Assert.False(viaBearer.ContainsKey("authorization"));
        Assert.Equal("theme=dark", viaBearer["cookie"]);
    }

    [Fact]
    public async Task StepUp_And_Deny()
    {
        await using var gateway = await YarpGatewayHost.StartAsync();
        var key = await gateway.SignInAsync(GatewayHost.KeyEvidence());
        using var client = gateway.Client();

        var stepUp = await client.SendAsync(Get("/dossier/1", key));
        Assert.Equal(HttpStatusCode.Found, stepUp.StatusCode);
        Assert.Contains("&stepUp=", stepUp.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(ReasonCodes.StepUpRequired, stepUp.Headers.GetValues("CarteAuth-Reason").Single());

        var apiStepUp = await client.SendAsync(Get("/dossier/1", key, api: true));
        Assert.Equal(HttpStatusCode.Unauthorized, apiStepUp.StatusCode);
        Assert.Contains("step_up=", apiStepUp.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        var denied = await client.SendAsync(Get("/pharmacie/stock", key));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.StartsWith("policy.", denied.Headers.GetValues("CarteAuth-Reason").Single(), StringComparison.Ordinal);
        Assert.Equal(0, denied.Content.Headers.ContentLength ?? 0);
    }

    [Fact]
    public async Task RouteWithoutPolicy_IsRefused_UnlessADefaultPolicyIsSet()
    {
        await using (var gateway = await YarpGatewayHost.StartAsync())
        {
            var token = await gateway.SignInAsync(GatewayHost.Evidence());
            using var client = gateway.Client();
            var refused = await client.SendAsync(Get("/sans-politique/x", token));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal(ReasonCodes.GatewayRouteWithoutPolicy, refused.Headers.GetValues("CarteAuth-Reason").Single());
        }

        await using (var gateway = await YarpGatewayHost.StartAsync(proxy: o => o.DefaultPolicy = "acces-distant"))
        {
            var token = await gateway.SignInAsync(GatewayHost.Evidence());
            using var client = gateway.Client();
            Assert.Equal(GatewayHost.Doctor, (await YarpGatewayHost.EchoAsync(await client.SendAsync(Get("/sans-politique/x", token))))["x-carteauth-idnat"]);
        }
    }

    [Fact]
    public async Task RouteWithOnlyAnAspNetCorePolicy_IsLeftToIt_WhenAllowed_AndStillGetsNoForgedHeaders()
    {
        await using var gateway = await YarpGatewayHost.StartAsync(
            u =>
            {
                var config = YarpGatewayHost.DefaultConfig(u);
                config["ReverseProxy"]!["Routes"]!["sans-politique"]!["AuthorizationPolicy"] = "default";
                return config;
            },
            o => o.AllowRouteAuthorizationPolicy = true);
        using var client = gateway.Client();
        var anonymous = await client.SendAsync(Get("/sans-politique/x", api: true));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var token = await gateway.SignInAsync(GatewayHost.Evidence());
        var headers = await YarpGatewayHost.EchoAsync(await client.SendAsync(Get("/sans-politique/x", token, headers: [("X-CarteAuth-IdNat", "899999999999")])));
        Assert.False(headers.ContainsKey("x-carteauth-idnat"));
        Assert.False(headers.ContainsKey("cookie"));
    }

    [Fact]
    public async Task UnknownPolicyOrZoneInMetadata_StopsTheHostAtStart()
    {
        var unknown = await Assert.ThrowsAnyAsync<Exception>(() => YarpGatewayHost.StartAsync(u =>
        {
            var config = YarpGatewayHost.DefaultConfig(u);
            config["ReverseProxy"]!["Routes"]!["app"]!["Metadata"]!["CarteAuth.Policy"] = "nope";
            return config;
        }));
        Assert.Contains("'nope' is not a registered CarteAuth policy", Flatten(unknown), StringComparison.Ordinal);

        var zone = await Assert.ThrowsAnyAsync<Exception>(() => YarpGatewayHost.StartAsync(u =>
        {
            var config = YarpGatewayHost.DefaultConfig(u);
            config["ReverseProxy"]!["Routes"]!["app"]!["Metadata"]!["CarteAuth.Zone"] = "Mars";
            return config;
        }));
        Assert.Contains("CarteAuth.Zone 'Mars' is not a zone", Flatten(zone), StringComparison.Ordinal);
    }

    private static string Flatten(Exception e) => e is AggregateException a ? string.Join(" | ", a.Flatten().InnerExceptions.Select(Flatten)) : e.ToString();
}
