using System.Net;
using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Oidc;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.AspNetCore.Tests;

public sealed class BackchannelLogoutTests
{
    private static Task<TestHost> StartWithPscAsync() => TestHost.StartAsync(carteAuth: b => b.AddProSanteConnect(o =>
    {
        o.UseEnvironment(ProSanteConnectEnvironments.Sandbox);
        o.ClientId = "portail";
        o.ClientSecret = "secret";
    }));

    [Fact]
    public async Task AddProSanteConnect_RegistersTheSessionEndingRevoker()
    {
        await using var host = await StartWithPscAsync();
        Assert.IsType<CarteAuthPscSessionRevoker>(host.Services.GetRequiredService<IPscSessionRevoker>());
    }

    [Fact]
    public async Task LogoutWithSid_EndsOnlyTheSessionsOfThatProviderSession()
    {
        await using var host = await StartWithPscAsync();
        using var psc = host.NewBrowser();
        using var card = host.NewBrowser();
        await psc.SignInAsync(TestHost.Evidence(amr: "\"mfa\"", assurance: "substantial", phr: false, authenticator: "psc"), "?pscSid=psc-session-1");
        await card.SignInAsync(TestHost.Evidence());

        var revoker = host.Services.GetRequiredService<IPscSessionRevoker>();
        var idNat = await revoker.RevokeAsync(new PscLogoutNotification("https://psc.example", "f:psc-sub", "psc-session-1"));
        Assert.Equal(TestHost.Doctor, idNat);

        var response = await psc.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ReasonCodes.SessionEnded, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
        Assert.Equal(HttpStatusCode.OK, (await card.GetApiAsync("/me")).StatusCode);
        Assert.Contains(await host.AuditAsync(), e => e.Kind == CarteAuthDefaults.SessionAuditKind && e.ReasonCode == CarteAuthSessionEndReasons.BackchannelLogout);
    }

    [Fact]
    public async Task LogoutWithSubOnly_EndsEverySessionOfTheProfessional()
    {
        await using var host = await StartWithPscAsync();
        using var a = host.NewBrowser();
        using var b = host.NewBrowser();
        await a.SignInAsync(TestHost.Evidence(amr: "\"mfa\"", assurance: "substantial", phr: false, authenticator: "psc"), "?pscSid=s1");
        await b.SignInAsync(TestHost.Evidence());

        var revoker = host.Services.GetRequiredService<IPscSessionRevoker>();
        Assert.Equal(TestHost.Doctor, await revoker.RevokeAsync(new PscLogoutNotification("https://psc.example", TestHost.Doctor, null)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await a.GetApiAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await b.GetApiAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task LogoutForAnUnknownSubject_EndsNothing()
    {
        await using var host = await StartWithPscAsync();
        using var a = host.NewBrowser();
        await a.SignInAsync(TestHost.Evidence());
        var revoker = host.Services.GetRequiredService<IPscSessionRevoker>();
        Assert.Null(await revoker.RevokeAsync(new PscLogoutNotification("https://psc.example", "not-an-idnat", "unknown-sid")));
        Assert.Equal(HttpStatusCode.OK, (await a.GetApiAsync("/me")).StatusCode);
    }
}
