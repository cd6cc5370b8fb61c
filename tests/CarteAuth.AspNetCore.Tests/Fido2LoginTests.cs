using System.Net;
using System.Text;
using System.Text.Json;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Tests.TestSupport;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>FIDO2 registration and sign-in through the endpoints, with a software authenticator.</summary>
public sealed class Fido2LoginTests
{
    internal static Task<TestHost> StartAsync(string? registrationPolicy = null, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null) => TestHost.StartAsync(services: services, options: o => o.Fido2RegistrationPolicy = registrationPolicy, carteAuth: b => b.AddFido2(
        o =>
        {
            o.RpId = SoftAuthenticator.DefaultRpId;
            o.RpName = "Portail";
            o.Origins.Add(SoftAuthenticator.DefaultOrigin);
        },
        f => f.UseInMemoryCredentialStore()));

    internal static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Registers the authenticator for the browser's signed-in user; returns the user handle.</summary>
    internal static async Task<byte[]> RegisterAsync(Browser browser, SoftAuthenticator key)
    {
        var optionsResponse = await browser.Client.PostAsync("/carteauth/fido2/register/options", null);
        Assert.Equal(HttpStatusCode.OK, optionsResponse.StatusCode);
        var options = JsonDocument.Parse(await optionsResponse.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(SoftAuthenticator.DefaultRpId, options.GetProperty("rp").GetProperty("id").GetString());
        var userHandle = System.Buffers.Text.Base64Url.DecodeFromChars(options.GetProperty("user").GetProperty("id").GetString());
        var registration = key.Register(options.GetProperty("challenge").GetString()!);
        var verify = await browser.Client.PostAsync("/carteauth/fido2/register/verify", Json(WebAuthnJson.Serialize(registration)));
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        return userHandle;
    }

    internal static async Task<string> LoginChallengeAsync(Browser browser)
    {
        var response = await browser.Client.PostAsync("/carteauth/fido2/login/options", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("challenge").GetString()!;
    }

    [Fact]
    public async Task RegisterThenSignInWithTheKey()
    {
        await using var host = await StartAsync();
        using var key = new SoftAuthenticator();
        using var enrolled = host.NewBrowser();
        await enrolled.SignInAsync(TestHost.Evidence());
        var userHandle = await RegisterAsync(enrolled, key);

        using var browser = host.NewBrowser();
        var assertion = key.Assert(await LoginChallengeAsync(browser), userHandle);
        var login = await browser.Client.PostAsync("/carteauth/fido2/login/verify?returnUrl=%2Fdossier", Json(WebAuthnJson.Serialize(assertion)));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal("/dossier", (await Browser.JsonAsync(login)).GetProperty("returnUrl").GetString());

        var me = await Browser.JsonAsync(await browser.GetApiAsync("/me"));
        Assert.Equal(TestHost.Doctor, me.GetProperty(CarteAuthClaimTypes.NationalId).GetString());
        Assert.Equal("fido2", me.GetProperty(CarteAuthClaimTypes.Authenticator).GetString());

        // The key alone is not the card the dossier policy asks for: step-up.
        var dossier = await browser.GetApiAsync("/dossier");
        Assert.Equal(HttpStatusCode.Unauthorized, dossier.StatusCode);
        Assert.Equal(ReasonCodes.StepUpRequired, (await Browser.JsonAsync(dossier)).GetProperty("reasonCode").GetString());
        Assert.Contains(await host.AuditAsync(), e => e.Kind == Audit.AuditEventKinds.Authentication && e.Authenticator == "fido2" && e.Result == Audit.AuditResults.Success);

        // The same assertion again: its challenge was used.
        using var replay = host.NewBrowser();
        var again = await replay.Client.PostAsync("/carteauth/fido2/login/verify", Json(WebAuthnJson.Serialize(assertion)));
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        Assert.StartsWith("webauthn.", (await Browser.JsonAsync(again)).GetProperty("reasonCode").GetString(), StringComparison.Ordinal);
        Assert.Null(replay.SessionCookie);
    }

    /// <summary>
    /// Fault matrix (docs/faults.md): the SQLite session store locked by another connection past its busy timeout while a
    /// key signs in: refused with the code (503, no cookie), not a 500; once the lock is released the same host signs in.
    /// </summary>
    [Fact]
    public async Task SessionStoreLocked_KeySignInIsRefusedWithTheReasonCode_ThenWorksOnceReleased()
    {
        using var dir = new CarteAuth.Testing.TempDirectory();
        var path = Path.Combine(dir.Path, "sessions.db");
        await using var host = await TestHost.StartAsync(carteAuth: b => b
            .UseSqliteSessionStore(o => { o.Path = path; o.BusyTimeout = TimeSpan.FromSeconds(1); })
            .AddFido2(
                o =>
                {
                    o.RpId = SoftAuthenticator.DefaultRpId;
                    o.RpName = "Portail";
                    o.Origins.Add(SoftAuthenticator.DefaultOrigin);
                },
                f => f.UseInMemoryCredentialStore()));
        using var key = new SoftAuthenticator();
        using var enrolled = host.NewBrowser();
        await enrolled.SignInAsync(TestHost.Evidence());
        var userHandle = await RegisterAsync(enrolled, key);

        using var browser = host.NewBrowser();
        using (var blocker = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            blocker.Open();
            using var begin = blocker.CreateCommand();
            begin.CommandText = "BEGIN EXCLUSIVE";
            begin.ExecuteNonQuery();

            var assertion = key.Assert(await LoginChallengeAsync(browser), userHandle);
            var refused = await browser.Client.PostAsync("/carteauth/fido2/login/verify", Json(WebAuthnJson.Serialize(assertion)));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(ReasonCodes.SessionStoreUnavailable, (await Browser.JsonAsync(refused)).GetProperty("reasonCode").GetString());
            Assert.Null(browser.SessionCookie);

            // The start was audited before the store refused: the trail closes that session at once, same id.
            var sessionEvents = (await host.AuditAsync()).Where(e => e.Kind == CarteAuthDefaults.SessionAuditKind).ToList();
            var (started, ended) = (sessionEvents[^2], sessionEvents[^1]);
            Assert.Equal(("started", "ended", ReasonCodes.SessionStoreUnavailable), (started.Result, ended.Result, ended.ReasonCode));
            Assert.Equal(started.CorrelationId, ended.CorrelationId);
        }

        var again = key.Assert(await LoginChallengeAsync(browser), userHandle);
        var login = await browser.Client.PostAsync("/carteauth/fido2/login/verify", Json(WebAuthnJson.Serialize(again)));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.NotNull(browser.SessionCookie);
    }

    [Fact]
    public async Task Registration_IsAudited_AndGatedByTheRegistrationPolicy()
    {
        await using var host = await StartAsync("dossier-patient");
        using var key = new SoftAuthenticator();

        // A FIDO2-only session may not enrol another key: the policy asks for the card.
        using var weak = host.NewBrowser();
        await weak.SignInAsync(TestHost.Evidence(amr: "\"hwk\",\"user\"", assurance: "substantial", authenticator: "fido2"));
        var refused = await weak.Client.PostAsync("/carteauth/fido2/register/options", null);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var body = await Browser.JsonAsync(refused);
        Assert.Equal(ReasonCodes.StepUpRequired, body.GetProperty("reasonCode").GetString());
        Assert.Equal("level:high;required:pin;phr", body.GetProperty("stepUp").GetString());

        // After a card login it may.
        using var strong = host.NewBrowser();
        await strong.SignInAsync(TestHost.Evidence());
        await RegisterAsync(strong, key);
        Assert.Contains(await host.AuditAsync(), e => e.Kind == "fido2-registration" && e.Result == Audit.AuditResults.Success && e.Subject == TestHost.Doctor);
    }

    [Fact]
    public async Task Registration_NeedsASession()
    {
        await using var host = await StartAsync();
        using var browser = host.NewBrowser();
        var request = new HttpRequestMessage(HttpMethod.Post, "/carteauth/fido2/register/options");
        request.Headers.Accept.ParseAdd("application/json");
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Registration_BoundToAnotherSession_IsRefused()
    {
        await using var host = await StartAsync();
        using var key = new SoftAuthenticator();
        using var a = host.NewBrowser();
        using var b = host.NewBrowser();
        await a.SignInAsync(TestHost.Evidence());
        await b.SignInAsync(TestHost.Evidence(TestHost.Pharmacist, "21"));
        var options = JsonDocument.Parse(await (await a.Client.PostAsync("/carteauth/fido2/register/options", null)).Content.ReadAsStringAsync()).RootElement;
        var registration = key.Register(options.GetProperty("challenge").GetString()!);
        var stolen = await b.Client.PostAsync("/carteauth/fido2/register/verify", Json(WebAuthnJson.Serialize(registration)));
        Assert.Equal(HttpStatusCode.BadRequest, stolen.StatusCode);
        Assert.StartsWith("webauthn.", Assert.Single(stolen.Headers.GetValues(CarteAuthDefaults.ReasonHeader)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"id\":1}")]
    public async Task MalformedAssertion_IsATypedError(string body)
    {
        await using var host = await StartAsync();
        using var browser = host.NewBrowser();
        var response = await browser.Client.PostAsync("/carteauth/fido2/login/verify", Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("webauthn.", (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedAssertion_IsRefusedUnread()
    {
        await using var host = await StartAsync();
        using var browser = host.NewBrowser();
        var response = await browser.Client.PostAsync("/carteauth/fido2/login/verify", Json(new string('x', 70 * 1024)));
        Assert.Equal(ReasonCodes.WebAuthnTooLarge, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
    }

    [Fact]
    public async Task Fido2Endpoints_WithoutFido2Configured_Are404()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        var response = await browser.Client.PostAsync("/carteauth/fido2/login/options", null);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
