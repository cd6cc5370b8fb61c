using Microsoft.Playwright;

namespace CarteAuth.Samples.HospitalPortal.Tests;

/// <summary>The scenarios in Debian Chromium against the running portal.</summary>
[Collection(PortalCollection.Name)]
public sealed class PortalScenarioTests(PortalFixture fixture) : BrowserTest(fixture)
{
    private const string Doctor = "810002813839";

    [Fact]
    public Task CardLogin_WithTheDoctorsDevCard_HomeShowsIdNatAndSc() => RunAsync(async contexts =>
    {
        var page = await NewPageAsync(contexts, withCard: true);
        await GoToLoginAsync(page);
        await CardLoginAsync(page);
        Assert.Equal(Doctor, await page.TextContentAsync("#idnat"));
        Assert.Contains("sc", (await page.TextContentAsync("#amr"))!.Split(' '));
        Assert.Equal("smartcard", await page.TextContentAsync("#authenticator"));
        Assert.Equal("high", await page.TextContentAsync("#level"));
    });

    [Fact]
    public Task CardLogin_WithoutACard_LoginPageShowsTheReasonCode() => RunAsync(async contexts =>
    {
        var page = await NewPageAsync(contexts);
        await GoToLoginAsync(page);
        await ClickAndWaitForUrlAsync(page, "#login-card", u => new Uri(u).Port == Portal.Address.Port && u.Contains("error=", StringComparison.Ordinal));
        Assert.Equal("cert.missing", await page.GetAttributeAsync("#error", "data-reason-code"));
    });

    [Fact]
    public Task PscLogin_ThroughTheSimulatorsPages_HomeShowsThePscIdentity() => RunAsync(async contexts =>
    {
        var page = await NewPageAsync(contexts);
        await GoToLoginAsync(page);
        await PscLoginAsync(page, Doctor);
        Assert.Equal(Doctor, await page.TextContentAsync("#idnat"));
        Assert.Equal("psc", await page.TextContentAsync("#authenticator"));
        Assert.Equal("eidas1", await page.TextContentAsync("#acr"));
        Assert.Equal("DONNAT-GADY", (await page.TextContentAsync("#name"))!.Split(' ')[^1]);
    });

    [Fact]
    public Task Fido2_RegisterAfterCardLogin_SignOut_SignInWithTheKey() => RunAsync(async contexts =>
    {
        var page = await NewPageAsync(contexts, withCard: true);
        var authenticator = await VirtualAuthenticator.AddAsync(page, isUserVerified: true);
        await GoToLoginAsync(page, "/cles");
        await CardLoginAsync(page, "/cles");
        await page.ClickAsync("#register-key");
        await page.WaitForSelectorAsync("#register-status[data-result]");
        Assert.Equal("registered", await page.GetAttributeAsync("#register-status", "data-result"));
        Assert.Single(await authenticator.GetCredentialsAsync());

        await ClickAndWaitForUrlAsync(page, "#logout", u => new Uri(u).AbsolutePath == HospitalPortalApp.LoginPath);
        await GoToLoginAsync(page, "/planning");
        Assert.True(await page.IsVisibleAsync("#method-key"));
        await ClickAndWaitForUrlAsync(page, "#login-key", u => new Uri(u).AbsolutePath == "/planning");
        await page.GotoAsync("/");
        Assert.Equal("fido2", await page.TextContentAsync("#authenticator"));
        Assert.Equal(Doctor, await page.TextContentAsync("#idnat"));
        Assert.Contains("hwk", (await page.TextContentAsync("#amr"))!.Split(' '));

        // A key session may not register more keys (enregistrement-cle asks for a card): the login page offers the card only.
        await page.GotoAsync("/cles");
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == HospitalPortalApp.LoginPath);
        Assert.Equal(HospitalPortalApp.KeyRegistrationPolicy, System.Web.HttpUtility.ParseQueryString(new Uri(page.Url).Query)["policy"]);
        Assert.True(await page.IsVisibleAsync("#method-card"));
        Assert.False(await page.IsVisibleAsync("#method-key"));
    });

    [Fact]
    public Task StepUp_PscSessionOpensDossierPatient_LoginAsksForTheCard_ThenBackOnTheDossier() => RunAsync(async contexts =>
    {
        var page = await NewPageAsync(contexts, withCard: true);
        await GoToLoginAsync(page, "/planning");
        await PscLoginAsync(page, Doctor, "/planning");
        Assert.Equal("Planning du service", await page.TextContentAsync("#page-title"));

        await page.GotoAsync("/dossier-patient");
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == HospitalPortalApp.LoginPath);
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(page.Url).Query);
        Assert.Equal("/dossier-patient", query["returnUrl"]);
        Assert.Equal("dossier-patient", query["policy"]);
        Assert.StartsWith("level:high;methods:sc,hwk;required:pin;phr", query["stepUp"], StringComparison.Ordinal); // the policy's requirement (StepUpEncoding)
        Assert.Equal("high", await page.GetAttributeAsync("#step-up", "data-level"));

        // Only what satisfies the requirement: the card (high, PIN, phishing-resistant); not PSC (substantial), not the key.
        Assert.True(await page.IsVisibleAsync("#method-card"));
        Assert.False(await page.IsVisibleAsync("#method-psc"));
        Assert.False(await page.IsVisibleAsync("#method-key"));

        await CardLoginAsync(page, "/dossier-patient");
        Assert.Equal("Dossier patient", await page.TextContentAsync("#page-title"));
    });

    [Fact]
    public Task SignOutEverywhere_TheOtherBrowserIsSentToTheLoginPage() => RunAsync(async contexts =>
    {
        var first = await NewPageAsync(contexts, withCard: true);
        var second = await NewPageAsync(contexts, withCard: true);
        foreach (var page in (IPage[])[first, second])
        {
            await GoToLoginAsync(page);
            await CardLoginAsync(page);
            Assert.Equal(Doctor, await page.TextContentAsync("#idnat"));
        }

        await first.GotoAsync("/sessions");
        await first.WaitForSelectorAsync("#sessions tbody tr[data-current=true]");
        Assert.True(await first.Locator("#sessions tbody tr").CountAsync() >= 2);
        await ClickAndWaitForUrlAsync(first, "#logout-everywhere", u => new Uri(u).AbsolutePath == HospitalPortalApp.LoginPath);

        await second.GotoAsync("/planning");
        await second.WaitForURLAsync(u => new Uri(u).AbsolutePath == HospitalPortalApp.LoginPath);
        Assert.Equal("/planning", System.Web.HttpUtility.ParseQueryString(new Uri(second.Url).Query)["returnUrl"]);
    });

    [Fact]
    public Task Journal_ShowsThisSessionsEvents_NewestFirst() => RunAsync(async contexts =>
    {
        var page = await NewPageAsync(contexts, withCard: true);
        await GoToLoginAsync(page);
        await CardLoginAsync(page);
        var sid = await page.TextContentAsync("#sid");
        await page.GotoAsync("/dossier-patient");
        await page.GotoAsync("/journal");
        var rows = page.Locator("#journal tbody tr[data-session=current]");
        Assert.True(await rows.CountAsync() >= 2, "this session's start and its policy decision");
        Assert.Equal(1, await page.Locator("#journal tbody tr[data-session=current][data-kind=session][data-result=started]").CountAsync());
        Assert.True(await page.Locator("#journal tbody tr[data-session=current][data-kind=policy-decision][data-result=allow]").CountAsync() >= 1);

        // Newest first: sequence numbers decrease down the table.
        var sequences = (await page.Locator("#journal tbody tr td:first-child").AllTextContentsAsync()).Select(long.Parse).ToList();
        Assert.Equal(sequences.OrderByDescending(s => s), sequences);
        Assert.False(string.IsNullOrEmpty(sid));
        Assert.Equal("true", await page.GetAttributeAsync("#chain", "data-valid"));
    });
}
