using System.Net;
using CarteAuth.Tokens;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.AspNetCore.Tests;

public sealed class KeyRotationTests
{
    [Fact]
    public async Task CookieSignedByARetiredKey_IsRefused_WhileThePreviousKeyStillValidates()
    {
        var provider = new MutableKeyProvider(SigningKeyRing.Create(TestHost.Key1));
        await using var host = await TestHost.StartAsync(services: s => s.AddSingleton<ISigningKeyProvider>(provider), options: o => o.SigningKeys = null);
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence());

        // Rotation: key-2 signs, key-1 still validates (no restart: the ring is read on every request).
        using var key2 = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, "key-2");
        provider.Current = provider.Current.Rotate(key2);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetApiAsync("/me")).StatusCode);
        using var fresh = host.NewBrowser();
        await fresh.SignInAsync(TestHost.Evidence());
        Assert.Equal("key-2", new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(fresh.SessionCookie).Kid);

        // key-1 retired: its cookies are refused with token.unknown-key, key-2's still work.
        provider.Current = provider.Current.Without("key-1");
        var response = await browser.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ReasonCodes.TokenUnknownKey, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetApiAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task CookieFromAnotherHostsKey_IsRefused()
    {
        await using var a = await TestHost.StartAsync();
        using var otherKey = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, "other");
        await using var b = await TestHost.StartAsync(options: o => o.SigningKeys = SigningKeyRing.Create(otherKey));
        using var browser = a.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence());
        using var intruder = b.NewBrowser();
        intruder.Cookies.Add(b.Address, new Cookie(CarteAuthDefaults.CookieName, browser.SessionCookie));
        var response = await intruder.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ReasonCodes.TokenUnknownKey, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
    }

    private sealed class MutableKeyProvider(SigningKeyRing ring) : ISigningKeyProvider
    {
        public SigningKeyRing Current { get; set; } = ring;
    }
}
