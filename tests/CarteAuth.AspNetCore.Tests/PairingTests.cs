using System.Net;
using CarteAuth.Authentication;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Tests.TestSupport;
using CarteAuth.Pairing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>HOSPI-Connect pairing through the endpoints: real Kestrel, software FIDO2 authenticators, fake clock.</summary>
public sealed class PairingTests
{
    private static Task<TestHost> StartAsync(Action<CarteAuthPairingOptions>? pairing = null, Action<IServiceCollection>? services = null) => TestHost.StartAsync(
        services: services,
        carteAuth: b => b
            .AddFido2(
                o =>
                {
                    o.RpId = SoftAuthenticator.DefaultRpId;
                    o.RpName = "Portail";
                    o.Origins.Add(SoftAuthenticator.DefaultOrigin);
                },
                f => f.UseInMemoryCredentialStore())
            .AddPairing(pairing));

    private static async Task<Dictionary<string, string>> MeAsync(Browser browser)
    {
        var response = await browser.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Browser.JsonAsync(response)).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }

    private static async Task<HttpResponseMessage> KeySignInAsync(TestHost host, Browser browser, SoftAuthenticator key, byte[] userHandle)
    {
        var assertion = key.Assert(await Fido2LoginTests.LoginChallengeAsync(browser), userHandle);
        return await browser.Client.PostAsync("/carteauth/fido2/login/verify", Fido2LoginTests.Json(WebAuthnJson.Serialize(assertion)));
    }

    [Fact]
    public async Task Automatic_FirstCardSignIn_Pairs_ThenTheKeyYieldsThePairedIdentityAndAccount()
    {
        await using var host = await StartAsync();
        using var card = host.NewBrowser();
        await card.SignInAsync(TestHost.Evidence());
        var account = (await MeAsync(card))[CarteAuthClaimTypes.LocalAccount];
        Assert.StartsWith("la-", account, StringComparison.Ordinal);

        var status = await Browser.JsonAsync(await card.GetApiAsync("/carteauth/pairing"));
        Assert.True(status.GetProperty("paired").GetBoolean());
        Assert.Equal("automatic", status.GetProperty("mode").GetString());
        Assert.Equal(account, status.GetProperty("localAccountId").GetString());
        Assert.Equal("smartcard", status.GetProperty("pairedBy").GetString());
        Assert.Equal("sc hwk pin", status.GetProperty("pairedByMethods").GetString());
        Assert.Equal("high", status.GetProperty("pairedByAssurance").GetString());
        var paired = Assert.Single(await host.AuditAsync(), e => e.Kind == "pairing");
        Assert.Equal("paired", paired.Result);
        Assert.Equal(TestHost.Doctor, paired.Subject);
        Assert.Equal("smartcard", paired.Authenticator);

        using var key = new SoftAuthenticator();
        var handle = await Fido2LoginTests.RegisterAsync(card, key);
        using var browser = host.NewBrowser();
        Assert.Equal(HttpStatusCode.OK, (await KeySignInAsync(host, browser, key, handle)).StatusCode);
        var me = await MeAsync(browser);
        Assert.Equal(TestHost.Doctor, me[CarteAuthClaimTypes.NationalId]);
        Assert.Equal(account, me[CarteAuthClaimTypes.LocalAccount]);
        Assert.Equal("fido2", me[CarteAuthClaimTypes.Authenticator]);

        // A later national sign-in (PSC, substantial) finds the pairing: same account, no second pairing event.
        using var psc = host.NewBrowser();
        await psc.SignInAsync(TestHost.Evidence(amr: "\"mfa\"", assurance: "substantial", phr: false, authenticator: "psc"));
        Assert.Equal(account, (await MeAsync(psc))[CarteAuthClaimTypes.LocalAccount]);
        Assert.Single(await host.AuditAsync(), e => e.Kind == "pairing");
    }

    [Fact]
    public async Task Explicit_KeyRegistrationNeedsPairing_PairingNeedsANationalSignIn()
    {
        await using var host = await StartAsync(o => o.Mode = CarteAuthPairingMode.Explicit);
        using var card = host.NewBrowser();
        await card.SignInAsync(TestHost.Evidence());
        Assert.False((await MeAsync(card)).ContainsKey(CarteAuthClaimTypes.LocalAccount));
        var status = await Browser.JsonAsync(await card.GetApiAsync("/carteauth/pairing"));
        Assert.False(status.GetProperty("paired").GetBoolean());
        Assert.True(status.GetProperty("canPair").GetBoolean());
        Assert.Equal("explicit", status.GetProperty("mode").GetString());

        var refused = await card.PostAsync("/carteauth/fido2/register/options");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(ReasonCodes.PairingNotPaired, (await Browser.JsonAsync(refused)).GetProperty("reasonCode").GetString());

        // A low-level PSC session may not pair.
        using var low = host.NewBrowser();
        await low.SignInAsync(TestHost.Evidence(TestHost.Pharmacist, "21", "\"pwd\"", "low", false, "psc"));
        Assert.False((await Browser.JsonAsync(await low.GetApiAsync("/carteauth/pairing"))).GetProperty("canPair").GetBoolean());
        var notNational = await low.PostAsync("/carteauth/pairing");
        Assert.Equal(HttpStatusCode.Forbidden, notNational.StatusCode);
        Assert.Equal(ReasonCodes.PairingNotNational, (await Browser.JsonAsync(notNational)).GetProperty("reasonCode").GetString());

        // Cross-site pairing is refused; same-origin pairs and renews the session with the local account.
        Assert.Equal(HttpStatusCode.Forbidden, (await card.PostAsync("/carteauth/pairing", "https://evil.example", "cross-site")).StatusCode);
        var before = card.SessionCookie;
        var pair = await card.PostAsync("/carteauth/pairing");
        Assert.Equal(HttpStatusCode.OK, pair.StatusCode);
        Assert.True((await Browser.JsonAsync(pair)).GetProperty("paired").GetBoolean());
        Assert.NotEqual(before, card.SessionCookie);
        Assert.StartsWith("la-", (await MeAsync(card))[CarteAuthClaimTypes.LocalAccount], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await card.PostAsync("/carteauth/pairing")).StatusCode);
        Assert.Single(await host.AuditAsync(), e => e.Kind == "pairing" && e.Result == "paired");

        using var key = new SoftAuthenticator();
        await Fido2LoginTests.RegisterAsync(card, key);
    }

    [Fact]
    public async Task Unpair_DeletesKeys_EndsLocalSessionsOnly_IsAudited_AndTheKeyNoLongerWorks()
    {
        await using var host = await StartAsync();
        using var card = host.NewBrowser();
        await card.SignInAsync(TestHost.Evidence());
        using var key = new SoftAuthenticator();
        var handle = await Fido2LoginTests.RegisterAsync(card, key);
        using var keyBrowser = host.NewBrowser();
        Assert.Equal(HttpStatusCode.OK, (await KeySignInAsync(host, keyBrowser, key, handle)).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await card.PostAsync("/carteauth/pairing/unpair", "https://evil.example", "cross-site")).StatusCode);
        var unpair = await card.PostAsync("/carteauth/pairing/unpair");
        Assert.Equal(HttpStatusCode.OK, unpair.StatusCode);
        var body = await Browser.JsonAsync(unpair);
        Assert.Equal(1, body.GetProperty("keysDeleted").GetInt32());
        Assert.Equal(1, body.GetProperty("sessionsEnded").GetInt32());
        Assert.False(body.GetProperty("signedOut").GetBoolean());

        // The key session ended, the card session stays; the keys are gone.
        Assert.Equal(HttpStatusCode.Unauthorized, (await keyBrowser.GetApiAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await card.GetApiAsync("/me")).StatusCode);
        Assert.Empty((await Browser.JsonAsync(await card.GetApiAsync("/carteauth/fido2/credentials"))).EnumerateArray());
        var status = await Browser.JsonAsync(await card.GetApiAsync("/carteauth/pairing"));
        Assert.False(status.GetProperty("paired").GetBoolean());
        Assert.NotEqual(JsonValueKindNull, status.GetProperty("unpairedAt").ValueKind);
        var audit = await host.AuditAsync();
        var unpaired = Assert.Single(audit, e => e.Kind == "pairing" && e.Result == "unpaired");
        Assert.Equal(TestHost.Doctor, unpaired.Subject);
        Assert.Contains("1 keys deleted; 1 sessions ended", unpaired.Detail, StringComparison.Ordinal);
        Assert.Contains(audit, e => e.Kind == CarteAuthDefaults.SessionAuditKind && e.ReasonCode == "unpaired");

        var again = await card.PostAsync("/carteauth/pairing/unpair");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(ReasonCodes.PairingNotPaired, (await Browser.JsonAsync(again)).GetProperty("reasonCode").GetString());

        // The deleted key cannot sign in.
        using var retry = host.NewBrowser();
        Assert.Equal(HttpStatusCode.Unauthorized, (await KeySignInAsync(host, retry, key, handle)).StatusCode);

        // Signing in with the card again pairs the same account again.
        using var card2 = host.NewBrowser();
        await card2.SignInAsync(TestHost.Evidence());
        Assert.Equal(status.GetProperty("localAccountId").GetString(), (await MeAsync(card2))[CarteAuthClaimTypes.LocalAccount]);
    }

    [Fact]
    public async Task KeySignIn_IsRefusedAndAudited_WhenThePairingWasRemoved()
    {
        await using var host = await StartAsync();
        using var card = host.NewBrowser();
        await card.SignInAsync(TestHost.Evidence());
        using var key = new SoftAuthenticator();
        var handle = await Fido2LoginTests.RegisterAsync(card, key);
        var account = (await MeAsync(card))[CarteAuthClaimTypes.LocalAccount];

        // Removed behind the web flow (an administrator through IPairingStore): the key is still stored.
        await host.Services.GetRequiredService<IPairingStore>().UnpairAsync(account, host.Time.GetUtcNow(), "removed-by-admin");
        using var browser = host.NewBrowser();
        var login = await KeySignInAsync(host, browser, key, handle);
        Assert.Equal(HttpStatusCode.Forbidden, login.StatusCode);
        Assert.Equal(ReasonCodes.PairingNotPaired, (await Browser.JsonAsync(login)).GetProperty("reasonCode").GetString());
        Assert.Null(browser.SessionCookie);
        var refused = Assert.Single(await host.AuditAsync(), e => e.Kind == "pairing" && e.Result == "refused");
        Assert.Equal(ReasonCodes.PairingNotPaired, refused.ReasonCode);
        Assert.Equal("fido2", refused.Authenticator);
        Assert.Equal("unpaired", refused.Detail);
    }

    [Fact]
    public async Task Conflict_NationalSignInStillWorks_WithoutALocalAccount_AndIsAudited()
    {
        await using var host = await StartAsync(services: s => s.AddSingleton<ICarteAuthLocalAccountResolver, SharedAccountResolver>());
        using var doctor = host.NewBrowser();
        await doctor.SignInAsync(TestHost.Evidence());
        Assert.Equal("shared", (await MeAsync(doctor))[CarteAuthClaimTypes.LocalAccount]);

        using var pharmacist = host.NewBrowser();
        await pharmacist.SignInAsync(TestHost.Evidence(TestHost.Pharmacist, "21"));
        Assert.False((await MeAsync(pharmacist)).ContainsKey(CarteAuthClaimTypes.LocalAccount));
        var refused = Assert.Single(await host.AuditAsync(), e => e.Kind == "pairing" && e.Result == "refused");
        Assert.Equal(ReasonCodes.PairingAccountAlreadyPaired, refused.ReasonCode);
        Assert.Equal(TestHost.Pharmacist, refused.Subject);

        var explicitPair = await pharmacist.PostAsync("/carteauth/pairing");
        Assert.Equal(HttpStatusCode.Conflict, explicitPair.StatusCode);
        Assert.Equal(ReasonCodes.PairingAccountAlreadyPaired, (await Browser.JsonAsync(explicitPair)).GetProperty("reasonCode").GetString());
    }

    [Fact]
    public async Task ConcurrentFirstSignIns_OfOneProfessional_ShareOnePairing()
    {
        // Both sign-ins resolve a (different) new account before either pairs: the second finds the first's pairing.
        var resolver = new RendezvousResolver(2);
        await using var host = await StartAsync(services: s => s.AddSingleton<ICarteAuthLocalAccountResolver>(resolver));
        using var a = host.NewBrowser();
        using var b = host.NewBrowser();
        await Task.WhenAll(a.SignInAsync(TestHost.Evidence()), b.SignInAsync(TestHost.Evidence())).WaitAsync(TimeSpan.FromSeconds(30));
        var first = (await MeAsync(a))[CarteAuthClaimTypes.LocalAccount];
        Assert.Equal(first, (await MeAsync(b))[CarteAuthClaimTypes.LocalAccount]);
        Assert.Equal(2, resolver.Calls);
        Assert.Equal("paired", Assert.Single(await host.AuditAsync(), e => e.Kind == "pairing").Result);
    }

    [Fact]
    public async Task PairingEndpoints_WithoutPairing_Are404_AndBadOptionsFailAtStart()
    {
        await using (var host = await TestHost.StartAsync())
        {
            using var browser = host.NewBrowser();
            await browser.SignInAsync(TestHost.Evidence());
            var response = await browser.GetApiAsync("/carteauth/pairing");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(ReasonCodes.PairingInvalidOptions, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
            Assert.False((await MeAsync(browser)).ContainsKey(CarteAuthClaimTypes.LocalAccount));
        }

        var e = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(o => o.NationalAuthenticators.Clear()));
        Assert.Contains("NationalAuthenticators is empty", e.ToString(), StringComparison.Ordinal);
        Assert.Equal(ReasonCodes.PairingInvalidOptions, Assert.Throws<CarteAuthException>(new CarteAuthPairingOptions { StorePath = " " }.Validate).ReasonCode);
    }

    [Fact]
    public async Task PairingStoreDown_NationalSignInWorks_PairingEndpointsAndKeysAnswer503()
    {
        using var dir = new CarteAuth.Testing.TempDirectory();
        var notADatabase = dir.File("pairings.db", new string('x', 4096));
        await using var host = await StartAsync(o => o.StorePath = notADatabase);
        using var card = host.NewBrowser();
        await card.SignInAsync(TestHost.Evidence());
        Assert.False((await MeAsync(card)).ContainsKey(CarteAuthClaimTypes.LocalAccount));
        foreach (var response in new[] { await card.GetApiAsync("/carteauth/pairing"), await card.PostAsync("/carteauth/pairing"), await card.PostAsync("/carteauth/pairing/unpair"), await card.PostAsync("/carteauth/fido2/register/options") })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(ReasonCodes.PairingStoreUnavailable, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
        }
    }

    [Fact]
    public async Task SqliteStorePath_KeepsPairingsAcrossHosts()
    {
        using var dir = new CarteAuth.Testing.TempDirectory();
        var path = Path.Combine(dir.Path, "pairings.db");
        string account;
        await using (var host = await StartAsync(o => o.StorePath = path))
        {
            Assert.IsType<SqlitePairingStore>(host.Services.GetRequiredService<IPairingStore>());
            using var card = host.NewBrowser();
            await card.SignInAsync(TestHost.Evidence());
            account = (await MeAsync(card))[CarteAuthClaimTypes.LocalAccount];
        }

        await using (var host = await StartAsync(o => o.StorePath = path))
        {
            using var card = host.NewBrowser();
            await card.SignInAsync(TestHost.Evidence());
            Assert.Equal(account, (await MeAsync(card))[CarteAuthClaimTypes.LocalAccount]);
            Assert.DoesNotContain(await host.AuditAsync(), e => e.Kind == "pairing");
        }
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    /// <summary>Answers only once <c>count</c> sign-ins are resolving at the same time, each with its own new account.</summary>
    private sealed class RendezvousResolver(int count) : ICarteAuthLocalAccountResolver
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public async ValueTask<string> ResolveAsync(HttpContext context, AuthenticationEvidence evidence, CancellationToken ct)
        {
            var n = Interlocked.Increment(ref _calls);
            if (n == count)
            {
                _all.TrySetResult();
            }

            await _all.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
            return "acct-" + n;
        }
    }

    /// <summary>A directory mapping every professional to one account, to provoke a conflict.</summary>
    private sealed class SharedAccountResolver : ICarteAuthLocalAccountResolver
    {
        public ValueTask<string> ResolveAsync(HttpContext context, AuthenticationEvidence evidence, CancellationToken ct) => new("shared");
    }
}
