using System.Net;
using System.Text.Json;
using CarteAuth.Audit;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>Listing and deleting one's FIDO2 keys through the endpoints, with software authenticators.</summary>
public sealed class Fido2KeyManagementTests
{
    private static async Task<JsonElement[]> KeysAsync(Browser browser)
    {
        var response = await browser.GetApiAsync("/carteauth/fido2/credentials");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        return [.. (await Browser.JsonAsync(response)).EnumerateArray()];
    }

    [Fact]
    public async Task ListsOwnKeys_DeletesOwnKeyOnly_Audited_AndTheDeletedKeyNoLongerSignsIn()
    {
        await using var host = await Fido2LoginTests.StartAsync();
        using var key1 = new SoftAuthenticator();
        using var key2 = new SoftAuthenticator();
        using var other = new SoftAuthenticator();
        using var doctor = host.NewBrowser();
        using var pharmacist = host.NewBrowser();
        await doctor.SignInAsync(TestHost.Evidence());
        await pharmacist.SignInAsync(TestHost.Evidence(TestHost.Pharmacist, "21"));
        var handle1 = await Fido2LoginTests.RegisterAsync(doctor, key1);
        host.Time.Advance(TimeSpan.FromMinutes(1));
        await Fido2LoginTests.RegisterAsync(doctor, key2);
        await Fido2LoginTests.RegisterAsync(pharmacist, other);

        var keys = await KeysAsync(doctor);
        Assert.Equal(2, keys.Length);
        Assert.True(keys[0].GetProperty("createdAt").GetDateTimeOffset() < keys[1].GetProperty("createdAt").GetDateTimeOffset());
        Assert.False(keys[0].TryGetProperty("publicKey", out _));
        Assert.Equal(JsonValueKind.Null, keys[0].GetProperty("lastUsedAt").ValueKind);
        Assert.True(keys[0].TryGetProperty("aaguid", out _));
        Assert.True(keys[0].TryGetProperty("backedUp", out _));
        var pharmacistKey = Assert.Single(await KeysAsync(pharmacist)).GetProperty("id").GetString()!;

        // Another professional's key, an unknown id and garbage all look the same: 404.
        foreach (var id in new[] { pharmacistKey, "AAAAAAAAAAAAAAAAAAAAAA", "not*base64", new string('A', 2000) })
        {
            var refused = await doctor.PostAsync($"/carteauth/fido2/credentials/{Uri.EscapeDataString(id)}/delete");
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            Assert.Equal(ReasonCodes.WebAuthnUnknownCredential, (await Browser.JsonAsync(refused)).GetProperty("reasonCode").GetString());
        }

        Assert.Single(await KeysAsync(pharmacist));

        // Cross-site: refused by the same-origin filter, the key stays.
        var first = keys[0].GetProperty("id").GetString()!;
        var crossSite = await doctor.PostAsync($"/carteauth/fido2/credentials/{first}/delete", "https://evil.example", "cross-site");
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        Assert.Equal(2, (await KeysAsync(doctor)).Length);

        var deleted = await doctor.PostAsync($"/carteauth/fido2/credentials/{first}/delete");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal([keys[1].GetProperty("id").GetString()], (await KeysAsync(doctor)).Select(k => k.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await doctor.PostAsync($"/carteauth/fido2/credentials/{first}/delete")).StatusCode);
        var audit = Assert.Single(await host.AuditAsync(), e => e.Kind == "fido2-credential");
        Assert.Equal("deleted", audit.Result);
        Assert.Equal(TestHost.Doctor, audit.Subject);
        Assert.Contains(first, audit.Detail, StringComparison.Ordinal);

        // The deleted key cannot sign in any more.
        using var browser = host.NewBrowser();
        var assertion = key1.Assert(await Fido2LoginTests.LoginChallengeAsync(browser), handle1);
        var login = await browser.Client.PostAsync("/carteauth/fido2/login/verify", Fido2LoginTests.Json(WebAuthnJson.Serialize(assertion)));
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
        Assert.Equal(ReasonCodes.WebAuthnUnknownCredential, (await Browser.JsonAsync(login)).GetProperty("reasonCode").GetString());
    }

    [Fact]
    public async Task KeyEndpoints_NeedASession_AndFido2()
    {
        await using (var host = await Fido2LoginTests.StartAsync())
        {
            using var anonymous = host.NewBrowser();
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetApiAsync("/carteauth/fido2/credentials")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/carteauth/fido2/credentials/AAAA/delete")).StatusCode);
        }

        await using (var host = await TestHost.StartAsync())
        {
            using var browser = host.NewBrowser();
            await browser.SignInAsync(TestHost.Evidence());
            var response = await browser.GetApiAsync("/carteauth/fido2/credentials");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(ReasonCodes.WebAuthnInvalidOptions, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
        }
    }

    [Fact]
    public async Task Registration_WhoseAuditFails_Is503_AndTheKeyIsNotKept()
    {
        var audit = new SwitchableAuditTrail();
        await using var host = await Fido2LoginTests.StartAsync(services: s => s.AddSingleton<IAuditTrail>(audit));
        using var key = new SoftAuthenticator();
        using var doctor = host.NewBrowser();
        await doctor.SignInAsync(TestHost.Evidence());
        var optionsResponse = await doctor.Client.PostAsync("/carteauth/fido2/register/options", null);
        var options = JsonDocument.Parse(await optionsResponse.Content.ReadAsStringAsync()).RootElement;
        var registration = key.Register(options.GetProperty("challenge").GetString()!);

        audit.Failing = true;
        var verify = await doctor.Client.PostAsync("/carteauth/fido2/register/verify", Fido2LoginTests.Json(WebAuthnJson.Serialize(registration)));
        audit.Failing = false;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, verify.StatusCode);
        Assert.Equal(ReasonCodes.AuditStoreUnavailable, (await Browser.JsonAsync(verify)).GetProperty("reasonCode").GetString());
        Assert.Empty(await KeysAsync(doctor));
        using var browser = host.NewBrowser();
        var assertion = key.Assert(await Fido2LoginTests.LoginChallengeAsync(browser), null);
        var login = await browser.Client.PostAsync("/carteauth/fido2/login/verify", Fido2LoginTests.Json(WebAuthnJson.Serialize(assertion)));
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
    }

    /// <summary>An in-memory audit trail that refuses appends while <see cref="Failing"/> is set (an audit store outage).</summary>
    private sealed class SwitchableAuditTrail : IAuditTrail
    {
        private readonly InMemoryAuditStore _inner = new();

        public volatile bool Failing;

        public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken ct = default) => Failing
            ? throw new AuditStoreException(ReasonCodes.AuditStoreUnavailable, "The audit store is down (test).")
            : _inner.AppendAsync(entry, ct);
    }
}
