using System.Buffers.Text;
using CarteAuth.Testing.Browser;
using Microsoft.Playwright;

namespace CarteAuth.Fido2.Tests.Browser;

/// <summary>
/// End to end in a real browser: Debian Chromium opens the Kestrel test page, the page runs
/// <c>navigator.credentials.create</c> / <c>.get</c> against Chromium's virtual authenticator (CTAP2, internal transport,
/// resident key, UV) and posts <c>credential.toJSON()</c> to the server, whose backend requires user verification.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserCeremonyTests(ChromiumFixture chromium) : IAsyncLifetime
{
    private CeremonyServer? _server;
    private IPage? _page;

    private CeremonyServer Server => _server!;

    private IPage Page => _page!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            // The one place that names the backend: CarteAuth's relying party.
            _server = await CeremonyServer.StartAsync(origin => new RelyingPartyCeremonyBackend(origin, CeremonyServer.RpId), timeout.Token);
            _page = await chromium.NewPageAsync(_server.Origin);
            await Page.GotoAsync("/");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        var page = Interlocked.Exchange(ref _page, null);
        if (page is not null)
        {
            await page.Context.CloseAsync();
        }

        var server = Interlocked.Exchange(ref _server, null);
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Register_then_sign_in_with_the_resident_credential_is_accepted()
    {
        var authenticator = await VirtualAuthenticator.AddAsync(Page, isUserVerified: true);

        var registration = await RunAsync("#register");
        Assert.True(registration.State == "accepted", registration.ToString());
        Assert.Equal("webauthn.verified", registration.Code);
        Assert.Equal(registration.BrowserCredentialId, registration.ServerCredentialId); // id round-trip page → server
        Assert.Equal("true", registration.UserVerified); // the authenticator set UV

        // The authenticator holds one discoverable credential for "localhost": the one the server registered.
        var held = Assert.Single(await authenticator.GetCredentialsAsync());
        Assert.True(held.IsResidentCredential);
        Assert.Equal(CeremonyServer.RpId, held.RpId);
        Assert.NotNull(held.UserHandle);
        Assert.Equal(registration.ServerCredentialId, Base64Url.EncodeToString(held.CredentialId));

        // Sign in without allowCredentials: only a resident credential can answer.
        var first = await RunAsync("#sign-in");
        Assert.True(first.State == "accepted", first.ToString());
        Assert.Equal(registration.ServerCredentialId, first.ServerCredentialId);
        Assert.Equal(first.BrowserCredentialId, first.ServerCredentialId);
        Assert.Equal("true", first.UserVerified);

        var second = await RunAsync("#sign-in-as"); // the user names themself: allowCredentials lists the credential
        Assert.True(second.State == "accepted", second.ToString());
        Assert.Equal(registration.ServerCredentialId, second.ServerCredentialId);
        Assert.True(second.SignCount > first.SignCount, $"the counter grows: {first.SignCount} then {second.SignCount}");

        // The counter the server verified and stored is the authenticator's own.
        var after = Assert.Single(await authenticator.GetCredentialsAsync());
        Assert.Equal(after.SignCount, second.SignCount);
        Assert.Contains("authentication accepted", await Page.Locator("#status").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registration_without_user_verification_is_refused_by_the_policy_and_the_page_shows_it()
    {
        var authenticator = await VirtualAuthenticator.AddAsync(Page, isUserVerified: false, hasUserVerification: false);

        var registration = await RunAsync("#register");

        // The browser did create the credential (UV "preferred" lets it through); the server's policy refuses it.
        Assert.True(registration.State == "refused", registration.ToString());
        Assert.Equal("webauthn.user-verification-required", registration.Code);
        Assert.Equal("registration refused: webauthn.user-verification-required", await Page.Locator("#status").InnerTextAsync());
        Assert.Contains("user verification", await Page.Locator("#detail").InnerTextAsync(), StringComparison.OrdinalIgnoreCase);
        var held = Assert.Single(await authenticator.GetCredentialsAsync());
        Assert.Equal(registration.BrowserCredentialId, Base64Url.EncodeToString(held.CredentialId));
    }

    [Fact]
    public async Task Sign_in_without_user_verification_is_refused_after_a_verified_registration()
    {
        var verifying = await VirtualAuthenticator.AddAsync(Page, isUserVerified: true);
        var registration = await RunAsync("#register");
        Assert.True(registration.State == "accepted", registration.ToString());

        // The same credential, now in an authenticator that cannot verify the user (moved through CDP): it answers
        // with UV clear, and the server's policy refuses the sign-in. The user names themself (allowCredentials):
        // Chromium's virtual authenticator does not find the moved credential without UV in a usernameless sign-in.
        // (Chromium allows one internal authenticator at a time: remove the first before adding the second.)
        var credential = Assert.Single(await verifying.GetCredentialsAsync());
        await verifying.RemoveAsync();
        var notVerifying = await verifying.AddAnotherAsync(isUserVerified: false, hasUserVerification: false);
        await notVerifying.AddCredentialAsync(credential);
        var signIn = await RunAsync("#sign-in-as");

        Assert.True(signIn.State == "refused", signIn.ToString());
        Assert.Equal("webauthn.user-verification-required", signIn.Code);
        Assert.Equal(registration.ServerCredentialId, signIn.BrowserCredentialId);
        Assert.Equal("authentication refused: webauthn.user-verification-required", await Page.Locator("#status").InnerTextAsync());
    }

    [Fact]
    public async Task A_failing_user_verification_stops_in_the_browser_and_nothing_reaches_the_server()
    {
        // A UV-capable authenticator whose UV fails (wrong PIN, no biometric match): Chromium ends the ceremony with
        // NotAllowedError itself, even for userVerification "preferred"; the server receives no response to verify.
        var authenticator = await VirtualAuthenticator.AddAsync(Page, isUserVerified: false);

        var registration = await RunAsync("#register");

        Assert.Equal("error", registration.State);
        Assert.StartsWith("browser error: NotAllowedError", registration.Text, StringComparison.Ordinal);
        Assert.Equal(0, Server.VerificationRequests);
        Assert.Empty(await authenticator.GetCredentialsAsync());
    }

    /// <summary>Clicks <paramref name="button"/> and waits (bounded) for that ceremony's outcome on the page.</summary>
    private async Task<PageOutcome> RunAsync(string button)
    {
        var status = Page.Locator("#status");
        var run = int.Parse(await status.GetAttributeAsync("data-run") ?? "0", System.Globalization.CultureInfo.InvariantCulture) + 1;
        await Page.Locator(button).ClickAsync();
        await Page.WaitForFunctionAsync(
            "run => Number(document.getElementById('status').dataset.run) >= run",
            run,
            new PageWaitForFunctionOptions { Timeout = CeremonyPage.CeremonyTimeoutMs + 15_000, PollingInterval = 50 });
        var signCount = await status.GetAttributeAsync("data-sign-count");
        return new PageOutcome(
            await status.GetAttributeAsync("data-state") ?? "",
            await status.InnerTextAsync(),
            await status.GetAttributeAsync("data-code") ?? "",
            await status.GetAttributeAsync("data-browser-credential-id") ?? "",
            await status.GetAttributeAsync("data-credential-id") ?? "",
            string.IsNullOrEmpty(signCount) ? null : uint.Parse(signCount, System.Globalization.CultureInfo.InvariantCulture),
            await status.GetAttributeAsync("data-user-verified") ?? "");
    }

    /// <summary>What the page shows after one ceremony.</summary>
    private sealed record PageOutcome(string State, string Text, string Code, string BrowserCredentialId, string ServerCredentialId, uint? SignCount, string UserVerified);
}
