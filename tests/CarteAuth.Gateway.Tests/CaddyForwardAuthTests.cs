using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using CarteAuth.Testing;
using CarteAuth.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CarteAuth.Gateway.Tests;

/// <summary>
/// A real Caddy (Debian package) on 127.0.0.1 running samples/RemoteAccessGateway/caddy/Caddyfile in front of an echo
/// upstream, asking a real Kestrel CarteAuth gateway through forward_auth (X-Forwarded-Method / X-Forwarded-Uri).
/// </summary>
public sealed class CaddyForwardAuthTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private GatewayHost _gateway = null!;
    private EchoUpstream _upstream = null!;
    private CaddyProxy _caddy = null!;

    private Uri Front => new($"http://127.0.0.1:{_caddy.Port}");

    public async Task InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync();
        _upstream = await EchoUpstream.StartAsync();
        _caddy = await StartCaddyAsync(_gateway, _dir);
    }

    public async Task DisposeAsync()
    {
        _caddy.Dispose();
        await _upstream.DisposeAsync();
        await _gateway.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>Caddy running the sample Caddyfile in <paramref name="dir"/>, in front of <paramref name="gateway"/> and the echo application.</summary>
    private Task<CaddyProxy> StartCaddyAsync(GatewayHost gateway, TempDirectory dir) =>
        CaddyProxy.StartAsync("samples/RemoteAccessGateway/caddy/Caddyfile", dir.Path, new Dictionary<string, string>
        {
            ["GATEWAY"] = gateway.Address.Authority,
            ["UPSTREAM"] = _upstream.Address.Authority,
        }, TimeSpan.FromSeconds(20));

    [Fact]
    public async Task BrowserWithoutSession_IsRedirectedToLogin_WithReturnUrlAndPolicy()
    {
        using var client = Browser();
        var response = await client.GetAsync("/accueil?x=1");

        Assert.True(response.StatusCode == HttpStatusCode.Found, $"{response.StatusCode}: {_caddy.Output}");
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/carteauth/login?returnUrl=%2Faccueil%3Fx%3D1", location, StringComparison.Ordinal);
        Assert.Contains("policy=acces-distant", location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiClientWithoutSession_Gets401_WithLoginUrlAndReason()
    {
        using var client = new HttpClient { BaseAddress = Front, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/accueil");
        request.Headers.Accept.ParseAdd("application/json");
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("/carteauth/login?returnUrl=%2Faccueil", response.Headers.GetValues("X-CarteAuth-Login").Single(), StringComparison.Ordinal);
        Assert.Equal(ReasonCodes.AuthenticationRequired, response.Headers.GetValues("CarteAuth-Reason").Single());
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task ValidSession_UpstreamSeesIdentityHeaders_AndAVerifiableAssertion()
    {
        var token = await _gateway.SignInAsync(GatewayHost.Evidence());
        using var client = Browser(token);
        var response = await client.GetAsync("/dossier/42");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headers = (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>())!;
        Assert.Equal(GatewayHost.Doctor, headers["x-carteauth-idnat"]);
        Assert.Equal("10", headers["x-carteauth-profession"]);
        Assert.Equal("sc hwk pin", headers["x-carteauth-amr"]);
        Assert.Equal("high", headers["x-carteauth-level"]);

        var jwks = await client.GetStringAsync("/.well-known/carteauth/jwks.json");
        var validator = new SessionTokenValidator(
            new StaticSigningKeyProvider(SigningKeyRing.FromJwksJson(jwks)),
            Options.Create(new SessionTokenOptions { Issuer = "carteauth", Audience = "upstream-test" }),
            new InMemoryRevocationEpochStore(),
            TimeProvider.System);
        var result = await validator.ValidateAsync(headers["x-carteauth-assertion"]);
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(GatewayHost.Doctor, result.Claims!.Subject);
    }

    [Fact]
    public async Task ProfessionalWithoutProfessionCode_UpstreamGetsNoPlaceholderText()
    {
        // Caddy 2.6's copy_headers passes a header the decision lacks as its literal placeholder
        // ("{http.reverse_proxy.header.X-Carteauth-Profession}"): the endpoint answers it empty instead.
        var token = await _gateway.SignInAsync(GatewayHost.Evidence(profession: null));
        using var client = Browser(token);
        var response = await client.GetAsync("/accueil");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headers = (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>())!;
        Assert.Equal(GatewayHost.Doctor, headers["x-carteauth-idnat"]);
        Assert.Equal(string.Empty, headers.GetValueOrDefault("x-carteauth-profession", string.Empty));
        Assert.DoesNotContain(headers, h => h.Key.StartsWith("x-carteauth-", StringComparison.Ordinal) && h.Value.Contains('{', StringComparison.Ordinal));
    }

    [Fact]
    public async Task RenewedSessionCookie_ReachesTheBrowser()
    {
        // Tokens shorter than the idle timeout are renewed on every request: the decision's Set-Cookie must pass Caddy,
        // next to the application's own cookie, and the identity headers must still reach the upstream.
        await using var gateway = await GatewayHost.StartAsync(services: s => s.Configure<SessionTokenOptions>(o => o.Lifetime = TimeSpan.FromMinutes(20)));
        using var dir = new TempDirectory();
        using var caddy = await StartCaddyAsync(gateway, dir);
        var token = await gateway.SignInAsync(GatewayHost.Evidence());
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{caddy.Port}") };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/accueil");
        request.Headers.Add("Cookie", "carteauth=" + token);
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("carteauth=", StringComparison.Ordinal));
        Assert.DoesNotContain(token, cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        var headers = (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>())!;
        Assert.Equal(GatewayHost.Doctor, headers["x-carteauth-idnat"]);
        Assert.Equal("high", headers["x-carteauth-level"]);
    }

    [Fact]
    public async Task Decisions_ReuseOneConnectionToTheGateway()
    {
        // One decision per request: a connection per decision would cost the gateway more than the decision. Caddy's
        // reverse_proxy keeps its connections alive by default; this keeps the sample from turning that off.
        var connections = new ConcurrentQueue<(string Connection, string Host)>();
        await using var gateway = await GatewayHost.StartAsync(services: ProxyKeepAlive.RecordConnections(connections));
        using var dir = new TempDirectory();
        using var caddy = await StartCaddyAsync(gateway, dir);
        await ProxyKeepAlive.AssertOneConnectionEachAsync(gateway, new Uri($"http://127.0.0.1:{caddy.Port}"), connections, "Caddy");
    }

    [Fact]
    public async Task ForgedIdentityHeaders_NeverReachTheUpstream()
    {
        // Anonymous: refused before the upstream.
        using var anonymous = Browser();
        anonymous.DefaultRequestHeaders.Add("X-CarteAuth-IdNat", GatewayHost.Doctor);
        Assert.Equal(HttpStatusCode.Found, (await anonymous.GetAsync("/accueil")).StatusCode);

        // A key-signed-in pharmacist forging a doctor's headers, including ones the decision does not set.
        var token = await _gateway.SignInAsync(GatewayHost.KeyEvidence(GatewayHost.Pharmacist, "21"));
        using var client = Browser(token);
        foreach (var (name, value) in new[] { ("X-CarteAuth-IdNat", GatewayHost.Doctor), ("X-CarteAuth-Level", "high"), ("X-CarteAuth-Amr", "sc pin"), ("X-CarteAuth-Acr", "high"), ("X-CarteAuth-Assertion", "forged"), ("X-CarteAuth-Login", "/evil"), ("X-Forwarded-Uri", "/accueil") })
        {
            client.DefaultRequestHeaders.Add(name, value);
        }

        var response = await client.GetAsync("/pharmacie/stock");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headers = (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>())!;
        Assert.Equal(GatewayHost.Pharmacist, headers["x-carteauth-idnat"]);
        Assert.Equal("substantial", headers["x-carteauth-level"]);
        Assert.Equal("hwk", headers["x-carteauth-amr"]);
        Assert.NotEqual("forged", headers["x-carteauth-assertion"]);
        Assert.False(headers.ContainsKey("x-carteauth-login"));
    }

    [Fact]
    public async Task ClientCannotChooseTheDecidedUri()
    {
        // A client-sent X-Forwarded-Uri naming an open page while asking for the patient file: Caddy sets its own.
        var token = await _gateway.SignInAsync(GatewayHost.KeyEvidence());
        using var client = Browser(token);
        client.DefaultRequestHeaders.Add("X-Forwarded-Uri", "/accueil");
        client.DefaultRequestHeaders.Add("X-Forwarded-Method", "GET");

        var response = await client.GetAsync("/dossier/42");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Contains("policy=dossier-patient", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StepUpAndDenial()
    {
        var key = await _gateway.SignInAsync(GatewayHost.KeyEvidence());
        using var keyClient = Browser(key);
        var stepUp = await keyClient.GetAsync("/dossier/42");
        Assert.Equal(HttpStatusCode.Found, stepUp.StatusCode);
        Assert.StartsWith("/carteauth/login?returnUrl=%2Fdossier%2F42&stepUp=level%3Ahigh", stepUp.Headers.Location!.OriginalString, StringComparison.Ordinal);

        var card = await _gateway.SignInAsync(GatewayHost.Evidence());
        using var cardClient = Browser(card);
        var denied = await cardClient.GetAsync("/pharmacie/stock");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("policy.profession-not-allowed", denied.Headers.GetValues("CarteAuth-Reason").Single());
    }

    private HttpClient Browser(string? sessionToken = null)
    {
        var cookies = new CookieContainer();
        if (sessionToken is not null)
        {
            cookies.Add(Front, new Cookie("carteauth", sessionToken));
        }

        var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = Front, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml");
        return client;
    }
}
