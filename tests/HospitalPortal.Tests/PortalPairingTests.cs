using System.Net;
using CarteAuth.Pairing;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.Samples.HospitalPortal.Tests;

/// <summary>
/// HOSPI-Connect pairing, key management, PSC back-channel logout and health in Debian Chromium against the running
/// portal. Each pairing scenario uses its own dev card (nurse, staff, pharmacist), so the doctor's scenarios are not disturbed.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class PortalPairingTests(PortalFixture fixture) : BrowserTest(fixture)
{
    private const string Doctor = "810002813839";

    private static int Count(string text, string value) => (text.Length - text.Replace(value, string.Empty, StringComparison.Ordinal).Length) / value.Length;

    private static bool IsLogin(string url) => new Uri(url).AbsolutePath == HospitalPortalApp.LoginPath;

    [Fact]
    public Task FirstCardLogin_Pairs_JournalShowsPaired_SecondLoginKeepsTheLocalAccount() => RunAsync(async contexts =>
    {
        var page = await NewPageAsync(contexts, withCard: true, card: "nurse");
        await GoToLoginAsync(page);
        await CardLoginAsync(page);
        Assert.Equal("paired", await page.GetAttributeAsync("#pairing", "data-state"));
        var account = await page.TextContentAsync("#local-account");
        Assert.StartsWith("la-", account, StringComparison.Ordinal);
        Assert.Equal(account, await page.TextContentAsync("#session-local-account"));
        Assert.StartsWith("smartcard (", await page.TextContentAsync("#paired-by"), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(await page.TextContentAsync("#paired-at")));

        await page.GotoAsync("/journal");
        Assert.Equal(1, await page.Locator("#journal tbody tr[data-kind=pairing][data-result=paired]").CountAsync());

        await ClickAndWaitForUrlAsync(page, "#logout", IsLogin);
        await CardLoginAsync(page);
        Assert.Equal(account, await page.TextContentAsync("#local-account"));
        Assert.Equal(account, await page.TextContentAsync("#session-local-account"));
        await page.GotoAsync("/journal");
        Assert.Equal(1, await page.Locator("#journal tbody tr[data-kind=pairing][data-result=paired]").CountAsync()); // not paired again
    });

    [Fact]
    public Task KeyAfterPairing_Listed_AdministratorUnpairRefusesIt_DeletedKeyIsUnknown() => RunAsync(async contexts =>
    {
        var page = await NewPageAsync(contexts, withCard: true, card: "staff"); // an establishment (CPA) card: also national
        await VirtualAuthenticator.AddAsync(page, isUserVerified: true);
        await GoToLoginAsync(page, "/cles");
        await CardLoginAsync(page, "/cles");
        await page.WaitForSelectorAsync("body[data-loaded=true]");
        Assert.Equal("true", await page.GetAttributeAsync("#pairing-status", "data-paired"));
        var before = int.Parse((await page.GetAttributeAsync("#keys-status", "data-count"))!, System.Globalization.CultureInfo.InvariantCulture);
        await page.ClickAsync("#register-key");
        await page.WaitForSelectorAsync("#register-status[data-result]");
        Assert.Equal("registered", await page.GetAttributeAsync("#register-status", "data-result"));
        await page.WaitForSelectorAsync($"#keys-status[data-count='{before + 1}']");
        var row = page.Locator("#keys tbody tr").Last;
        Assert.True(Guid.TryParse(await row.Locator("td").First.TextContentAsync(), out _), "the key's AAGUID is shown"); // Chromium's virtual authenticator has its own model id
        var keyId = await row.GetAttributeAsync("data-key-id");

        // An administrator ends the pairing in the store (no admin API yet): the key stays but stands for nobody now.
        var pairings = Portal.App.Services.GetRequiredService<IPairingStore>();
        var pairing = await pairings.GetByNationalIdAsync(await page.EvaluateAsync<string>("() => CarteAuth.pairing().then(p => p.nationalId)"));
        Assert.NotNull(await pairings.UnpairAsync(pairing!.LocalAccountId, DateTimeOffset.UtcNow, "administrator"));
        await ClickAndWaitForUrlAsync(page, "#logout", IsLogin);
        await page.ClickAsync("#login-key");
        await page.WaitForSelectorAsync("#error[data-reason-code]");
        Assert.Equal("pairing.not-paired", await page.GetAttributeAsync("#error", "data-reason-code"));

        // The card pairs again (automatic mode, the same local account); the key is listed, deleted, then unknown.
        await GoToLoginAsync(page, "/cles");
        await CardLoginAsync(page, "/cles");
        await page.WaitForSelectorAsync("body[data-loaded=true]");
        Assert.Equal("true", await page.GetAttributeAsync("#pairing-status", "data-paired"));
        await page.Locator($"#keys tbody tr[data-key-id='{keyId}'] .delete-key").ClickAsync();
        await page.WaitForSelectorAsync($"#keys-status[data-count='{before}']");
        Assert.Equal(0, await page.Locator($"#keys tbody tr[data-key-id='{keyId}']").CountAsync());
        await ClickAndWaitForUrlAsync(page, "#logout", IsLogin);
        await page.ClickAsync("#login-key");
        await page.WaitForSelectorAsync("#error[data-reason-code]");
        Assert.Equal("webauthn.unknown-credential", await page.GetAttributeAsync("#error", "data-reason-code"));
    });

    [Fact]
    public Task Unpair_EndsTheKeySession_DeletesTheKey_RegistrationSaysNotPaired_JournalShowsUnpaired() => RunAsync(async contexts =>
    {
        // Browser A: card session, registers a key.
        var card = await NewPageAsync(contexts, withCard: true, card: "pharmacist");
        var authenticator = await VirtualAuthenticator.AddAsync(card, isUserVerified: true);
        await GoToLoginAsync(card, "/cles");
        await CardLoginAsync(card, "/cles");
        await card.WaitForSelectorAsync("body[data-loaded=true]");
        await card.ClickAsync("#register-key");
        await card.WaitForSelectorAsync("#register-status[data-result=registered]");

        // Browser B: the same key (copied into its virtual authenticator) opens a key session.
        var key = await NewPageAsync(contexts);
        var other = await VirtualAuthenticator.AddAsync(key, isUserVerified: true);
        foreach (var credential in await authenticator.GetCredentialsAsync())
        {
            await other.AddCredentialAsync(credential);
        }

        await GoToLoginAsync(key, "/planning");
        await ClickAndWaitForUrlAsync(key, "#login-key", u => new Uri(u).AbsolutePath == "/planning");
        await key.GotoAsync("/");
        Assert.Equal("fido2", await key.TextContentAsync("#authenticator"));

        // A unpairs, with the confirmation.
        await card.ClickAsync("#unpair");
        Assert.True(await card.IsVisibleAsync("#unpair-confirm"));
        await card.ClickAsync("#unpair-yes");
        await card.WaitForSelectorAsync("#unpair-status[data-result]");
        Assert.Equal("unpaired", await card.GetAttributeAsync("#unpair-status", "data-result"));
        Assert.Equal("1", await card.GetAttributeAsync("#unpair-status", "data-keys-deleted"));
        await card.WaitForSelectorAsync("#pairing-status[data-paired=false]");

        // B's key session ended; its key went with the pairing.
        await key.GotoAsync("/planning");
        await key.WaitForURLAsync(IsLogin);
        await key.ClickAsync("#login-key");
        await key.WaitForSelectorAsync("#error[data-reason-code]");
        Assert.Equal("webauthn.unknown-credential", await key.GetAttributeAsync("#error", "data-reason-code"));

        // A's card session stays (national) but is not paired any more: no key can be registered until a new card sign-in.
        await card.ClickAsync("#register-key");
        await card.WaitForSelectorAsync("#register-status[data-result=failed]");
        Assert.Equal("pairing.not-paired", await card.GetAttributeAsync("#register-status", "data-reason-code"));

        await card.GotoAsync("/journal");
        Assert.Equal(1, await card.Locator("#journal tbody tr[data-kind=pairing][data-result=unpaired]").CountAsync());
        await card.GotoAsync("/");
        Assert.Equal("unpaired", await card.GetAttributeAsync("#pairing", "data-state"));
    });

    [Fact]
    public Task PscBackchannelLogout_LogoutAtTheSimulator_PortalSessionEnds() => RunAsync(async contexts =>
    {
        var page = await NewPageAsync(contexts);
        await GoToLoginAsync(page);
        await PscLoginAsync(page, Doctor);
        Assert.Equal("psc", await page.TextContentAsync("#authenticator"));

        // The professional logs out at PSC (its end_session page, which submits itself): PSC POSTs a logout token to
        // the portal's back-channel logout endpoint over https, then sends the browser back to the portal, whose next
        // request is anonymous.
        var issuer = Portal.PscSimulator!.Issuer;
        var logged = "back-channel logout sent to " + HospitalPortalApp.PscClientId;
        var before = Count(Portal.PscSimulator.Output, logged);
        var endSession = $"{issuer}/protocol/openid-connect/logout?client_id={HospitalPortalApp.PscClientId}&post_logout_redirect_uri={Uri.EscapeDataString(Portal.Address.AbsoluteUri)}";
        var back = page.WaitForURLAsync(u => u.StartsWith(Portal.Address.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal) && IsLogin(u));
        await page.GotoAsync(endSession);
        await back;
        // The simulator logs each delivery (other tests' too); its output is read asynchronously: give the line a moment.
        for (var i = 0; i < 50 && Count(Portal.PscSimulator.Output, logged) == before; i++)
        {
            await Task.Delay(100);
        }

        Assert.Equal(before + 1, Count(Portal.PscSimulator.Output, logged));
        await page.GotoAsync("/planning");
        await page.WaitForURLAsync(IsLogin);
    });

    [Fact]
    public Task PscSignOut_AlsoLogsOutAtPsc_NextPscLoginAsksAgain() => RunAsync(async contexts =>
    {
        var page = await NewPageAsync(contexts);
        await GoToLoginAsync(page);
        await PscLoginAsync(page, Doctor);
        Assert.Equal(PortalPages.PscLogoutPath, await page.GetAttributeAsync("#logout", "data-next"));
        var visited = new List<string>();
        page.FrameNavigated += (_, frame) => visited.Add(frame.Url);
        await ClickAndWaitForUrlAsync(page, "#logout", u => u.StartsWith(Portal.Address.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal) && IsLogin(u));
        var issuer = Portal.PscSimulator!.Issuer.AbsoluteUri;
        Assert.Contains(visited, u => u.StartsWith(issuer + "/protocol/openid-connect/logout", StringComparison.Ordinal));

        // The PSC session ended too: PSC asks the professional to log in again, because it has no session for this
        // browser (the simulator logs the prompt's reason), instead of a single sign-on straight back to the portal.
        const string noSession = "prompt login (no_session)";
        var prompts = Count(Portal.PscSimulator.Output, noSession);
        await ClickAndWaitForUrlAsync(page, "#login-psc", u => u.StartsWith(Portal.PscSimulator.Issuer.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal));
        await page.WaitForSelectorAsync("input[name=idNat]");
        for (var i = 0; i < 50 && Count(Portal.PscSimulator.Output, noSession) == prompts; i++)
        {
            await Task.Delay(100);
        }

        Assert.Equal(prompts + 1, Count(Portal.PscSimulator.Output, noSession));
    });

    [Fact]
    public async Task Health_WithTheSimulatorUp_IsHealthy()
    {
        var server = Portal.Environment.TlsCertificate.RawData;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.RawData.AsSpan().SequenceEqual(server),
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var response = await http.GetAsync(new Uri(Portal.Address, "/health"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}
