using System.Net;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>
/// Session binding (OWASP ASVS 4.0.3 V3.1.1, V3.2.1, V3.2.2): every sign-in issues a new session id and token (a cookie
/// planted before sign-in is never adopted: no session fixation), ids carry 128 random bits, and the token never
/// appears in a URL.
/// </summary>
public sealed class SessionBindingTests
{
    [Fact]
    public async Task EverySignIn_IssuesANewSessionIdAndToken_APlantedCookieIsNotAdopted_AndNoTokenInAUrl()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();

        // An attacker plants a cookie value before the victim signs in (fixation): it is refused, never kept.
        browser.Cookies.Add(host.Address, new Cookie(CarteAuthDefaults.CookieName, "planted-by-an-attacker"));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 5; i++)
        {
            var signIn = await browser.SignInAsync(TestHost.Evidence(), "?returnUrl=%2Fme");
            var token = browser.SessionCookie!;
            Assert.NotEqual("planted-by-an-attacker", token);
            Assert.DoesNotContain(token, signIn.Headers.Location!.OriginalString, StringComparison.Ordinal);
            var me = await browser.GetApiAsync("/me");
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
            var sid = (await Browser.JsonAsync(me)).GetProperty(CarteAuthClaimTypes.SessionId).GetString()!;

            // 16 random bytes, base64url (128 bits, more than V3.2.2's 64).
            Assert.Equal(22, sid.Length);
            Assert.Equal(16, System.Buffers.Text.Base64Url.DecodeFromChars(sid).Length);
            Assert.True(ids.Add(sid), "A sign-in reused a session id.");
            Assert.True(tokens.Add(token), "A sign-in reused a session token.");
        }

        // The session list (the one place that shows session ids) shows ids, never tokens.
        var list = await (await browser.GetApiAsync("/carteauth/sessions")).Content.ReadAsStringAsync();
        Assert.All(tokens, t => Assert.DoesNotContain(t, list, StringComparison.Ordinal));
    }
}
