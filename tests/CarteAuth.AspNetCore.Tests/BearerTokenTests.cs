using System.Net;
using System.Net.Http.Headers;

namespace CarteAuth.AspNetCore.Tests;

/// <summary><see cref="Sessions.CarteAuthSessionOptions.AcceptBearerTokens"/>: the session token in Authorization: Bearer (RFC 6750 §2.1).</summary>
public sealed class BearerTokenTests
{
    [Fact]
    public async Task Off_ByDefault_BearerIsIgnored()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence());
        using var client = new HttpClient { BaseAddress = host.Address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/me");
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", browser.SessionCookie);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task On_BearerAuthenticates_NoCookieWritten_RefusalsHaveReasons()
    {
        await using var host = await TestHost.StartAsync(carteAuth: b => b.ConfigureSessions(o => o.AcceptBearerTokens = true));
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence());
        var token = browser.SessionCookie!;
        using var client = new HttpClient { BaseAddress = host.Address };

        // Close to expiry the cookie would be renewed; a bearer request never gets a cookie.
        host.Time.Advance(TimeSpan.FromMinutes(29.5));
        using var ok = new HttpRequestMessage(HttpMethod.Get, "/me");
        ok.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await client.SendAsync(ok);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        var withCookie = await browser.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.OK, withCookie.StatusCode);
        Assert.True(withCookie.Headers.Contains("Set-Cookie"), "control: the same request with the cookie renews it");

        using var bad = new HttpRequestMessage(HttpMethod.Get, "/me");
        bad.Headers.Accept.ParseAdd("application/json");
        bad.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token[..^4] + "AAAA");
        var refused = await client.SendAsync(bad);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("error=\"token.", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.False(refused.Headers.Contains("Set-Cookie"));
    }
}
