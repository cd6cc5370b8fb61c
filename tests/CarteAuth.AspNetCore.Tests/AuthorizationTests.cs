using System.Net;
using Microsoft.AspNetCore.WebUtilities;

namespace CarteAuth.AspNetCore.Tests;

public sealed class AuthorizationTests
{
    [Fact]
    public async Task Policy_Allows_CardWithPin()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence());
        var response = await browser.GetHtmlAsync("/dossier");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("dossier", await response.Content.ReadAsStringAsync());
        Assert.Contains(await host.AuditAsync(), e => e.Kind == Audit.AuditEventKinds.PolicyDecision && e.Policy == "dossier-patient" && e.Result == Audit.AuditResults.Allow);
    }

    [Fact]
    public async Task Policy_Deny_Is403WithReasonCode_AndNoPersonalData()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence(TestHost.Pharmacist, "21"));
        foreach (var api in new[] { true, false })
        {
            var response = api ? await browser.GetApiAsync("/dossier") : await browser.GetHtmlAsync("/dossier");
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal(ReasonCodes.ProfessionNotAllowed, Assert.Single(response.Headers.GetValues(CarteAuthDefaults.ReasonHeader)));
            var body = await response.Content.ReadAsStringAsync();
            Assert.Contains(ReasonCodes.ProfessionNotAllowed, body, StringComparison.Ordinal);
            Assert.DoesNotContain(TestHost.Pharmacist, body, StringComparison.Ordinal);
            Assert.DoesNotContain("DUPONT", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Policy_StepUp_RedirectsHtmlToLogin_WithReturnUrlAndRequirement()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence(amr: "\"hwk\",\"user\"", assurance: "substantial", phr: true, authenticator: "fido2"));
        var response = await browser.GetHtmlAsync("/dossier?patient=42");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/carteauth/login?", location, StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(location[location.IndexOf('?', StringComparison.Ordinal)..]);
        Assert.Equal("/dossier?patient=42", query["returnUrl"].ToString());
        Assert.Equal("level:high;required:pin;phr", query["stepUp"].ToString());
        Assert.Equal("dossier-patient", query["policy"].ToString());
        Assert.Contains(await host.AuditAsync(), e => e.Policy == "dossier-patient" && e.Result == Audit.AuditResults.StepUp);
    }

    [Fact]
    public async Task Policy_StepUp_ForApi_Is401WithChallengeAndJson()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence(amr: "\"hwk\",\"user\"", assurance: "substantial", phr: true, authenticator: "fido2"));
        var response = await browser.GetApiAsync("/dossier");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        Assert.Contains("CarteAuth error=\"policy.step-up-required\"", challenge, StringComparison.Ordinal);
        Assert.Contains("step_up=\"level:high;required:pin;phr\"", challenge, StringComparison.Ordinal);
        var body = await Browser.JsonAsync(response);
        Assert.Equal(ReasonCodes.StepUpRequired, body.GetProperty("reasonCode").GetString());
        Assert.Equal("level:high;required:pin;phr", body.GetProperty("stepUp").GetString());
        Assert.Equal("dossier-patient", body.GetProperty("policy").GetString());
        Assert.StartsWith("/carteauth/login?returnUrl=%2Fdossier", body.GetProperty("loginUrl").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_Anonymous_RedirectsToLoginWithTheRequirement()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        var response = await browser.GetHtmlAsync("/dossier");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var query = Query(response);
        Assert.Equal("/dossier", query["returnUrl"].ToString());
        Assert.Equal("level:high;required:pin;phr", query["stepUp"].ToString());

        var api = await browser.GetApiAsync("/dossier");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(ReasonCodes.AuthenticationRequired, (await Browser.JsonAsync(api)).GetProperty("reasonCode").GetString());
    }

    [Fact]
    public async Task Policy_StepUpThenSignInWithCard_Allows()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence(amr: "\"hwk\",\"user\"", assurance: "substantial", authenticator: "fido2"));
        var stepUp = await browser.GetHtmlAsync("/dossier");
        var returnUrl = Query(stepUp)["returnUrl"].ToString();
        var fidoCookie = browser.SessionCookie;
        var signIn = await browser.SignInAsync(TestHost.Evidence(), "?returnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.Equal("/dossier", signIn.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetHtmlAsync("/dossier")).StatusCode);

        // The browser's previous (FIDO2) session was replaced: its cookie no longer works.
        Assert.NotEqual(fidoCookie, browser.SessionCookie);
        using var copy = host.NewBrowser();
        copy.Cookies.Add(host.Address, new Cookie(CarteAuthDefaults.CookieName, fidoCookie));
        var replaced = await copy.GetApiAsync("/me");
        Assert.Equal(ReasonCodes.SessionEnded, (await Browser.JsonAsync(replaced)).GetProperty("reasonCode").GetString());
        Assert.Contains(await host.AuditAsync(), e => e.Kind == CarteAuthDefaults.SessionAuditKind && e.ReasonCode == Sessions.CarteAuthSessionEndReasons.Replaced);
    }

    [Fact]
    public async Task BreakGlass_WithAReason_LiftsABreakGlassableDenial_AndIsAudited()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence());

        var denied = await browser.GetApiAsync("/service");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var body = await Browser.JsonAsync(denied);
        Assert.Equal(ReasonCodes.StructureNotAllowed, body.GetProperty("reasonCode").GetString());
        Assert.True(body.GetProperty("breakGlassAvailable").GetBoolean());

        var shortReason = new HttpRequestMessage(HttpMethod.Get, "/service");
        shortReason.Headers.Add(CarteAuthDefaults.BreakGlassHeader, "urgence");
        shortReason.Headers.Accept.ParseAdd("application/json");
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.Client.SendAsync(shortReason)).StatusCode);

        var request = new HttpRequestMessage(HttpMethod.Get, "/service");
        request.Headers.Add(CarteAuthDefaults.BreakGlassHeader, Uri.EscapeDataString("Urgence vitale : patient inconscient aux urgences"));
        var allowed = await browser.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Contains(await host.AuditAsync(), e => e.Policy == "dossier-service" && e.Result == Audit.AuditResults.BreakGlass && e.Detail!.Contains("patient inconscient", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BreakGlass_IsIgnoredWithoutASession()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        var request = new HttpRequestMessage(HttpMethod.Get, "/service");
        request.Headers.Add(CarteAuthDefaults.BreakGlassHeader, Uri.EscapeDataString("Urgence vitale : patient inconscient aux urgences"));
        request.Headers.Accept.ParseAdd("application/json");
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task NetworkZone_LoopbackIsInternalByDefault()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence());
        Assert.Equal(HttpStatusCode.OK, (await browser.GetApiAsync("/internal")).StatusCode);
    }

    [Fact]
    public async Task NetworkZone_OutsideTheConfiguredRangesIsRemote()
    {
        await using var host = await TestHost.StartAsync(options: o => o.InternalNetworks = ["10.0.0.0/8"]);
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence());
        var response = await browser.GetApiAsync("/internal");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(ReasonCodes.ZoneNotAllowed, Assert.Single(response.Headers.GetValues(CarteAuthDefaults.ReasonHeader)));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::ffff:192.168.1.20", true)]
    [InlineData("172.31.255.255", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("fd12::1", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("2001:db8::1", false)]
    public void DefaultInternalNetworks(string address, bool isInternal) =>
        Assert.Equal(isInternal, CarteAuthNetworkZoneResolver.IsInternal(CarteAuthOptions.DefaultInternalNetworks, IPAddress.Parse(address)));

    private static Dictionary<string, Microsoft.Extensions.Primitives.StringValues> Query(HttpResponseMessage response)
    {
        var location = response.Headers.Location!.OriginalString;
        return QueryHelpers.ParseQuery(location[location.IndexOf('?', StringComparison.Ordinal)..]);
    }
}
