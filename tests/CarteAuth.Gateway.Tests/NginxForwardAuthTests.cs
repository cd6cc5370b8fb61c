using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using CarteAuth.SmartCard.Tests.Nginx;
using CarteAuth.Testing;
using CarteAuth.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CarteAuth.Gateway.Tests;

/// <summary>
/// A real nginx (Debian package) on 127.0.0.1 running samples/RemoteAccessGateway/nginx/forward-auth.conf in front of
/// an echo upstream, asking a real Kestrel CarteAuth gateway through auth_request.
/// </summary>
public sealed class NginxForwardAuthTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private GatewayHost _gateway = null!;
    private EchoUpstream _upstream = null!;
    private NginxProxy _nginx = null!;

    private Uri Front => new($"http://127.0.0.1:{_nginx.Port}");

    public async Task InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync();
        _upstream = await EchoUpstream.StartAsync();
        _nginx = await StartNginxAsync(_gateway, _dir);
    }

    public async Task DisposeAsync()
    {
        _nginx.Dispose();
        await _upstream.DisposeAsync();
        await _gateway.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>nginx running the sample configuration in <paramref name="dir"/>, in front of <paramref name="gateway"/> and the echo application.</summary>
    private Task<NginxProxy> StartNginxAsync(GatewayHost gateway, TempDirectory dir) =>
        NginxProxy.StartAsync("samples/RemoteAccessGateway/nginx/forward-auth.conf", dir.Path, new Dictionary<string, string>
        {
            ["GATEWAY"] = gateway.Address.Authority,
            ["UPSTREAM"] = _upstream.Address.Authority,
        }, TimeSpan.FromSeconds(20));

    [Fact]
    public async Task NoSession_RedirectsToLogin_WithReturnUrlAndPolicy()
    {
        using var client = Client();
        var response = await client.GetAsync("/accueil?x=1");
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/carteauth/login?returnUrl=%2Faccueil%3Fx%3D1", location, StringComparison.Ordinal);
        Assert.Contains("policy=acces-distant", location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidSession_UpstreamSeesIdentityHeaders_AndAVerifiableAssertion()
    {
        var token = await _gateway.SignInAsync(GatewayHost.Evidence());
        using var client = Client(token);
        var response = await client.GetAsync("/dossier/42");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headers = await response.Content.ReadFromJsonAsync<Dictionary<string, string>>();
        Assert.Equal(GatewayHost.Doctor, headers!["x-carteauth-idnat"]);
        Assert.Equal("10", headers["x-carteauth-profession"]);
        Assert.Equal("sc hwk pin", headers["x-carteauth-amr"]);
        Assert.Equal("high", headers["x-carteauth-level"]);
        Assert.Equal("high", headers["x-carteauth-acr"]);
        Assert.False(headers.ContainsKey("x-carteauth-login"));

        // The upstream checks the assertion with the JWKS (through nginx) and its own audience.
        var jwks = await client.GetStringAsync("/.well-known/carteauth/jwks.json");
        var validator = new SessionTokenValidator(
            new StaticSigningKeyProvider(SigningKeyRing.FromJwksJson(jwks)),
            Options.Create(new SessionTokenOptions { Issuer = "carteauth", Audience = "upstream-test" }),
            new InMemoryRevocationEpochStore(),
            TimeProvider.System);
        var result = await validator.ValidateAsync(headers["x-carteauth-assertion"]);
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(GatewayHost.Doctor, result.Claims!.Subject);
        Assert.True(result.Claims.ExpiresAt <= DateTimeOffset.UtcNow.AddSeconds(61));

        // The assertion is not a session token (other audience), and the session token is not an assertion.
        var sessionValidator = new SessionTokenValidator(new StaticSigningKeyProvider(SigningKeyRing.FromJwksJson(jwks)),
            Options.Create(new SessionTokenOptions { Issuer = "carteauth", Audience = "carteauth" }), new InMemoryRevocationEpochStore(), TimeProvider.System);
        Assert.False((await sessionValidator.ValidateAsync(headers["x-carteauth-assertion"])).IsValid);
        Assert.False((await validator.ValidateAsync(token)).IsValid);
    }

    [Fact]
    public async Task RenewedSessionCookie_ReachesTheBrowser()
    {
        // Tokens shorter than the idle timeout are renewed on every request: the gateway's Set-Cookie must pass nginx.
        await using var gateway = await GatewayHost.StartAsync(services: s => s.Configure<SessionTokenOptions>(o => o.Lifetime = TimeSpan.FromMinutes(20)));
        using var dir = new TempDirectory();
        using var nginx = await StartNginxAsync(gateway, dir);
        var token = await gateway.SignInAsync(GatewayHost.Evidence());
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{nginx.Port}") };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/accueil");
        request.Headers.Add("Cookie", "carteauth=" + token);
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("carteauth=", cookie, StringComparison.Ordinal);
        Assert.DoesNotContain(token, cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Decisions_ReuseOneConnectionToTheGateway()
    {
        // nginx without keep-alive opens a TCP connection per auth_request subrequest (HTTP/1.0, Connection: close),
        // which costs the gateway more than the decision; the sample keeps its connections to the gateway open.
        var connections = new ConcurrentQueue<(string Connection, string Host)>();
        await using var gateway = await GatewayHost.StartAsync(services: ProxyKeepAlive.RecordConnections(connections));
        using var dir = new TempDirectory();
        using var nginx = await StartNginxAsync(gateway, dir);
        await ProxyKeepAlive.AssertOneConnectionEachAsync(gateway, new Uri($"http://127.0.0.1:{nginx.Port}"), connections, "nginx");
    }

    [Fact]
    public async Task RequestsWithBodies_KeepTheDecisionConnectionInStep()
    {
        // The decision subrequest carries the client's headers but no body (proxy_pass_request_body off, Content-Length
        // cleared). Over a kept-alive HTTP/1.1 connection a Transfer-Encoding or Content-Length that still announced a
        // body would make the gateway wait for it, or read the next decision as that body. Chunked and sized bodies,
        // then plain requests, over the same connections: every one decided and answered.
        var connections = new ConcurrentQueue<(string Connection, string Host)>();
        await using var gateway = await GatewayHost.StartAsync(services: ProxyKeepAlive.RecordConnections(connections));
        using var dir = new TempDirectory();
        using var nginx = await StartNginxAsync(gateway, dir);
        var token = await gateway.SignInAsync(GatewayHost.Evidence());
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{nginx.Port}"), Timeout = TimeSpan.FromSeconds(20) };
        for (var i = 0; i < 6; i++)
        {
            using var request = new HttpRequestMessage(i % 3 == 2 ? HttpMethod.Get : HttpMethod.Post, "/dossier/" + i);
            request.Headers.Add("Cookie", "carteauth=" + token);
            if (i % 3 == 0)
            {
                // No length: HttpClient sends it chunked.
                request.Content = new StreamContent(new MemoryStream("{\"note\":\"chunked\"}"u8.ToArray()));
                request.Headers.TransferEncodingChunked = true;
            }
            else if (i % 3 == 1)
            {
                request.Content = new StringContent("{\"note\":\"sized\"}");
            }

            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var headers = (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>())!;
            Assert.Equal(GatewayHost.Doctor, headers["x-carteauth-idnat"]);
        }

        Assert.Equal(6, connections.Count);
        Assert.Single(connections.Select(static c => c.Connection).Distinct());
    }

    [Fact]
    public async Task ForgedIdentityHeaders_AreStripped()
    {
        // Anonymous: the forged headers never reach the upstream (nginx refuses before).
        using var anonymous = Client();
        anonymous.DefaultRequestHeaders.Add("X-CarteAuth-IdNat", "899700075122");
        Assert.Equal(HttpStatusCode.Found, (await anonymous.GetAsync("/accueil")).StatusCode);

        // Signed in as a FIDO2 pharmacist forging a doctor's headers: the upstream sees only CarteAuth's.
        var token = await _gateway.SignInAsync(GatewayHost.KeyEvidence(GatewayHost.Pharmacist, "21"));
        using var client = Client(token);
        foreach (var (name, value) in new[] { ("X-CarteAuth-IdNat", GatewayHost.Doctor), ("X-CarteAuth-Level", "high"), ("X-CarteAuth-Amr", "sc pin"), ("x-carteauth-acr", "high"), ("X-CarteAuth-Profession", "10"), ("X-CarteAuth-Assertion", "forged"), ("X-Original-URI", "/accueil") })
        {
            client.DefaultRequestHeaders.Add(name, value);
        }

        var response = await client.GetAsync("/pharmacie/stock");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headers = (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>())!;
        Assert.Equal(GatewayHost.Pharmacist, headers["x-carteauth-idnat"]);
        Assert.Equal("substantial", headers["x-carteauth-level"]);
        Assert.Equal("hwk", headers["x-carteauth-amr"]);
        Assert.Equal("21", headers["x-carteauth-profession"]);
        Assert.NotEqual("forged", headers["x-carteauth-assertion"]);
    }

    [Fact]
    public async Task StepUpPolicy_RedirectsToLoginWithStepUp()
    {
        var token = await _gateway.SignInAsync(GatewayHost.KeyEvidence());
        using var client = Client(token);
        var response = await client.GetAsync("/dossier/42");
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/carteauth/login?returnUrl=%2Fdossier%2F42&stepUp=level%3Ahigh", location, StringComparison.Ordinal);
        Assert.Contains("required%3Apin", location, StringComparison.Ordinal);
        Assert.Contains("policy=dossier-patient", location, StringComparison.Ordinal);

        // An encoded path or dot segments reach the same route (nginx normalizes for the upstream, the gateway for the rules).
        // Sent raw: HttpClient would normalize them itself.
        foreach (var path in new[] { "/%64ossier/42", "/accueil/../dossier/42", "//dossier/42", "/accueil/%2e%2e/dossier/42" })
        {
            var sneaky = await RawGetAsync(path, token);
            Assert.StartsWith("HTTP/1.1 302", sneaky, StringComparison.Ordinal);
            Assert.Contains("policy=dossier-patient", sneaky, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ApiClient_WithoutSession_Gets401_WithTheLoginUrlAndReason_NotARedirect()
    {
        using var client = new HttpClient { BaseAddress = Front, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/accueil?x=1");
        request.Headers.Accept.ParseAdd("application/json");
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("/carteauth/login?returnUrl=%2Faccueil%3Fx%3D1", response.Headers.GetValues("X-CarteAuth-Login").Single(), StringComparison.Ordinal);
        Assert.Equal(ReasonCodes.AuthenticationRequired, response.Headers.GetValues("CarteAuth-Reason").Single());
        Assert.Contains("CarteAuth", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task DeniedPolicy_Is403_WithReasonCode()
    {
        var token = await _gateway.SignInAsync(GatewayHost.Evidence());
        using var client = Client(token);
        var response = await client.GetAsync("/pharmacie/stock");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("policy.profession-not-allowed", response.Headers.GetValues("CarteAuth-Reason").Single());
    }

    [Fact]
    public async Task AuthzEndpoint_IsInternalToNginx()
    {
        using var client = Client();
        client.DefaultRequestHeaders.Add("X-Original-URI", "/accueil");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/carteauth/authz")).StatusCode);
    }

    private async Task<string> RawGetAsync(string path, string sessionToken)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _nginx.Port);
        using var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\nCookie: carteauth={sessionToken}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    private HttpClient Client(string? sessionToken = null)
    {
        var cookies = new CookieContainer();
        if (sessionToken is not null)
        {
            cookies.Add(Front, new Cookie("carteauth", sessionToken));
        }

        // A browser: navigations accept HTML (the proxy redirects them to the login page; API clients get a 401).
        var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = Front, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml");
        return client;
    }
}
