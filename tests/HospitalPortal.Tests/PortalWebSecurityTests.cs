using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using CarteAuth.AspNetCore;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.Samples.HospitalPortal.Tests;

/// <summary>The running portal with its PSC simulator (no browser): one per test class.</summary>
public sealed class PortalHttpFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    public HospitalPortalApp Portal { get; private set; } = null!;

    public async Task InitializeAsync() => Portal = await PortalFixture.StartPortalAsync(_data.Path);

    public async Task DisposeAsync()
    {
        if (Portal is not null)
        {
            await Portal.DisposeAsync();
        }

        _data.Dispose();
    }
}

/// <summary>
/// The portal's session security over real HTTPS (OWASP ASVS 4.0.3 V3.4, V4.2.2, V14.4): security headers on every
/// page, the flags of every cookie it sets, and CSRF protection of every state-changing endpoint of the whole app.
/// </summary>
public sealed partial class PortalWebSecurityTests(PortalHttpFixture fixture) : IClassFixture<PortalHttpFixture>
{
    private HospitalPortalApp Portal => fixture.Portal;

    private HttpClient Client(CookieContainer cookies, X509Certificate2? card = null)
    {
        var server = Portal.Environment.TlsCertificate.RawData;
        var handler = new HttpClientHandler
        {
            CookieContainer = cookies,
            AllowAutoRedirect = false,
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.RawData.AsSpan().SequenceEqual(server),
        };
        if (card is not null)
        {
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(card);
        }

        return new HttpClient(handler) { BaseAddress = Portal.Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Signs the doctor in with the dev card (card listener, TLS client certificate); returns the card login response.</summary>
    private async Task<HttpResponseMessage> CardLoginAsync(CookieContainer cookies)
    {
        using var card = X509CertificateLoader.LoadPkcs12FromFile(Portal.Environment.CardPfx("doctor"), DevEnvironment.CardPfxPassword);
        using var client = Client(cookies, card);
        var login = await client.GetAsync(new Uri(Portal.CardAddress, "/carteauth/login/card?returnUrl=%2F"));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        return login;
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response, string what)
    {
        string One(string name) => response.Headers.TryGetValues(name, out var v) || response.Content.Headers.TryGetValues(name, out v) ? Assert.Single(v) : throw new Xunit.Sdk.XunitException($"{what}: no {name} header.");
        var csp = One("Content-Security-Policy");
        Assert.Matches("(^|; )script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}'(;|$)", csp);
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("base-uri 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", One("X-Content-Type-Options"));
        Assert.Equal("DENY", One("X-Frame-Options"));
        Assert.Equal("same-origin", One("Referrer-Policy"));
        Assert.Contains("camera=()", One("Permissions-Policy"), StringComparison.Ordinal);
        Assert.Matches("^max-age=[1-9][0-9]*", One("Strict-Transport-Security"));
    }

    [Fact]
    public async Task EveryPage_HasTheSecurityHeaders_InlineScriptsCarryTheNonce_AndSignedInPagesAreNoStore()
    {
        var cookies = new CookieContainer();
        using var client = Client(cookies);
        var login = await client.GetAsync("/login");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        AssertSecurityHeaders(login, "/login");
        AssertInlineCodeHasTheNonce(login, await login.Content.ReadAsStringAsync());
        AssertSecurityHeaders(await client.GetAsync("/health"), "/health");
        AssertSecurityHeaders(await client.GetAsync("/planning"), "/planning (redirect to the login page)");

        AssertSecurityHeaders(await CardLoginAsync(cookies), "card login");
        foreach (var path in new[] { "/", "/planning", "/dossier-patient", "/cles", "/sessions", "/journal", "/carteauth/sessions", "/carteauth/pairing" })
        {
            var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
            AssertSecurityHeaders(response, path);
            Assert.True(response.Headers.CacheControl?.NoStore == true, $"{path} is not Cache-Control: no-store ({response.Headers.CacheControl}).");
            if (response.Content.Headers.ContentType?.MediaType == "text/html")
            {
                AssertInlineCodeHasTheNonce(response, await response.Content.ReadAsStringAsync());
            }
        }

        // Two responses never share a nonce.
        var a = (await client.GetAsync("/")).Headers.GetValues("Content-Security-Policy").Single();
        var b = (await client.GetAsync("/")).Headers.GetValues("Content-Security-Policy").Single();
        Assert.NotEqual(a, b);
    }

    /// <summary>Every inline &lt;script&gt; and &lt;style&gt; carries this response's nonce; no inline event handler attribute.</summary>
    private static void AssertInlineCodeHasTheNonce(HttpResponseMessage response, string html)
    {
        var nonce = NoncePattern().Match(response.Headers.GetValues("Content-Security-Policy").Single()).Groups[1].Value;
        var tags = TagPattern().Matches(html);
        Assert.NotEmpty(tags);
        foreach (Match tag in tags)
        {
            Assert.True(tag.Value.Contains("src=\"/", StringComparison.Ordinal) || tag.Value.Contains($"nonce=\"{nonce}\"", StringComparison.Ordinal), $"{tag.Value} has neither a local src nor the nonce.");
        }

        Assert.DoesNotMatch(" on[a-z]+=\"", html);
    }

    [Fact]
    public async Task EveryCookieThePortalSets_IsHostPrefixedSecureHttpOnlyLax()
    {
        var cookies = new CookieContainer();

        // The session cookie, set by the card login (on the card listener: cookies ignore ports, RFC 6265 §8.5).
        SetCookie.AssertHostCookie(await CardLoginAsync(cookies), "__Host-carteauth");

        // The PSC pending-request cookie.
        using var client = Client(cookies);
        var psc = await client.GetAsync("/carteauth/login/psc?returnUrl=%2F");
        Assert.Equal(HttpStatusCode.Redirect, psc.StatusCode);
        SetCookie.AssertHostCookie(psc, "__Host-carteauth-psc");

        // Sign out deletes the session cookie with the same flags (else the browser keeps it).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/carteauth/logout");
        request.Headers.Add("Origin", Portal.Address.GetLeftPart(UriPartial.Authority));
        var logout = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        SetCookie.AssertHostCookie(logout, "__Host-carteauth");

        // Those are all: the portal sets no other cookie (no antiforgery cookie; data protection keys stay on the server).
        var names = cookies.GetAllCookies().Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Subset(new HashSet<string>(StringComparer.Ordinal) { "__Host-carteauth", "__Host-carteauth-psc" }, names);
    }

    [Fact]
    public async Task EveryStateChangingEndpointOfThePortal_IsProtectedAgainstCsrf_AndRefusesACrossSitePost()
    {
        var endpoints = Portal.App.Services.GetRequiredService<EndpointDataSource>().Endpoints;
        Assert.Empty(CarteAuthCsrf.FindUnprotectedEndpoints(endpoints).Select(e => e.DisplayName));

        var protectedPaths = endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<CarteAuthSameOriginMetadata>() is not null)
            .Select(e => ParameterPattern().Replace(e.RoutePattern.RawText!, "x"))
            .ToList();
        Assert.Contains("/carteauth/logout", protectedPaths);
        Assert.Contains("/carteauth/pairing/unpair", protectedPaths);
        Assert.Contains("/carteauth/fido2/credentials/x/delete", protectedPaths);

        var cookies = new CookieContainer();
        await CardLoginAsync(cookies);
        using var client = Client(cookies);
        foreach (var path in protectedPaths)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path);
            request.Headers.Add("Origin", "https://evil.example");
            request.Headers.Add("Sec-Fetch-Site", "cross-site");
            var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{path}: {response.StatusCode}");
            Assert.Equal(ReasonCodes.SessionCrossSiteRequest, Assert.Single(response.Headers.GetValues(CarteAuthDefaults.ReasonHeader)));
        }

        // Nothing was changed: still signed in, still paired.
        var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("data-state=\"paired\"", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [GeneratedRegex("'nonce-([^']+)'")]
    private static partial Regex NoncePattern();

    [GeneratedRegex("<(script|style)\\b[^>]*>")]
    private static partial Regex TagPattern();

    [GeneratedRegex("\\{[^}]+\\}")]
    private static partial Regex ParameterPattern();
}
