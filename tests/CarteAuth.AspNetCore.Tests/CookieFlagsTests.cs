using System.Net;
using CarteAuth.Testing;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>
/// The flags of every cookie CarteAuth sets (OWASP ASVS 4.0.3 V3.4.1-V3.4.5), read from the real Set-Cookie headers of a
/// Kestrel host over HTTPS: the session cookie (set, renewed, deleted) and the PSC pending-request cookie (set, deleted).
/// CarteAuth sets no other cookie (no antiforgery cookie: the same-origin check needs none; data protection keeps its
/// keys server-side).
/// </summary>
public sealed class CookieFlagsTests(PscSimulatorFixture fixture) : IClassFixture<PscSimulatorFixture>
{
    private static SetCookie AssertHostCookie(HttpResponseMessage response, string name) => SetCookie.AssertHostCookie(response, name);

    [Fact]
    public async Task SessionCookie_IsHostPrefixedSecureHttpOnlyLax_WhenSetRenewedAndDeleted()
    {
        using var certificate = HttpsCookieTests.ServerCertificate();
        await using var host = await TestHost.StartAsync(https: certificate);
        using var browser = host.NewBrowser(certificate);

        var signIn = await browser.SignInAsync(TestHost.Evidence());
        AssertHostCookie(signIn, "__Host-carteauth");

        // Renewal (the 1-hour token has less than an idle period, 30 minutes, left): the new cookie has the same flags.
        host.Time.Advance(TimeSpan.FromMinutes(29.5));
        var renewed = await browser.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        AssertHostCookie(renewed, "__Host-carteauth");

        // Deletion must repeat Secure and Path=/, or browsers ignore it for a __Host- cookie.
        var logout = await browser.PostAsync("/carteauth/logout");
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        var deleted = AssertHostCookie(logout, "__Host-carteauth");
        Assert.True(deleted.Expires < DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task SessionCookie_OverPlainHttp_IsHttpOnlyLaxPathRoot_WithoutTheHostPrefix()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        var cookie = Assert.Single(SetCookie.From(await browser.SignInAsync(TestHost.Evidence())));
        Assert.Equal(CarteAuthDefaults.CookieName, cookie.Name);
        Assert.True(cookie.Has("httponly"));
        Assert.Equal("lax", cookie["samesite"]);
        Assert.Equal("/", cookie["path"]);
        Assert.False(cookie.Has("secure")); // development over http only: Secure cookies are not sent back over http
    }

    [Fact]
    public async Task PscPendingCookie_IsHostPrefixedSecureHttpOnlyLax_WhenSetAndDeleted()
    {
        using var certificate = HttpsCookieTests.ServerCertificate();
        await using var host = await TestHost.StartAsync(
            https: certificate,
            carteAuth: b => b.AddProSanteConnect(o =>
            {
                o.Issuer = fixture.Simulator.Issuer.ToString();
                o.ClientId = PscSimulator.ClientId;
                o.ClientSecret = PscSimulator.ClientSecret;
            }),
            start: DateTimeOffset.UtcNow);
        using var browser = host.NewBrowser(certificate);
        var login = await browser.GetHtmlAsync("/carteauth/login/psc?returnUrl=%2Fme");
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var pending = AssertHostCookie(login, "__Host-carteauth-psc");
        Assert.True(pending.Expires <= DateTimeOffset.UtcNow.AddMinutes(11), "The pending request cookie lives 10 minutes.");

        // The callback consumes it (deleted with the same flags), whatever PSC answered.
        var callback = await browser.GetHtmlAsync("/carteauth/psc/callback?error=access_denied&state=x");
        AssertHostCookie(callback, "__Host-carteauth-psc");
        Assert.Null(browser.Cookies.GetCookies(host.Address)["__Host-carteauth-psc"]);
    }
}
