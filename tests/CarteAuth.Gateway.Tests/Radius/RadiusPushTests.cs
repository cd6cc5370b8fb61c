using CarteAuth.Audit;
using CarteAuth.Gateway.Radius;
using CarteAuth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.Gateway.Tests.Radius;

/// <summary>The e-CPS push second factor (PSC CIBA poll mode) against the node PSC simulator, driven by radclient.</summary>
public sealed class RadiusPushTests : IAsyncLifetime
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);
    private PscSimulator? _simulator;

    private PscSimulator Sim => _simulator!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(Budget);
        _simulator = await PscSimulator.StartAsync(new PscSimulatorOptions { CibaInterval = TimeSpan.FromSeconds(1) }, timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }
    }

    private Task<RadiusTestServer> StartServerAsync() =>
        RadiusTestServer.StartAsync(RadiusTestServer.MfaPolicy, o => o.EnablePush = true, services => services.AddCarteAuthProSanteConnect(o =>
        {
            o.Issuer = Sim.Issuer.ToString();
            o.ClientId = PscSimulator.ClientId;
            o.ClientSecret = PscSimulator.ClientSecret;
            o.RedirectUri = PscSimulator.RedirectUri(54321);
        }));

    private static string Pap(string user, string password, string? state = null) =>
        $"User-Name = \"{user}\"\nUser-Password = \"{password}\"\nMessage-Authenticator = 0x00\n" + (state is null ? string.Empty : $"State = {state}\n");

    [Fact]
    public async Task Push_HeldUntilApproved_Accepts_RetransmissionsOfTheHeldRequestAreNotReprocessed()
    {
        using var timeout = new CancellationTokenSource(Budget);
        await using var server = await StartServerAsync();

        // The user has no OTP: the password round goes straight to the push. radclient retransmits every second
        // (the same packet: same identifier and authenticator) while the request is held.
        var radclient = RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, Pap(RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password), timeoutSeconds: 1, tries: 8);
        var authReqId = await Sim.WaitForPendingCibaAsync(RadiusTestServer.PasswordOnlyIdNat, timeout.Token);
        await Task.Delay(TimeSpan.FromSeconds(2.2), timeout.Token); // let the NAS retransmit while held
        await Sim.ApproveCibaAsync(authReqId, "ecps", timeout.Token);
        var result = await radclient;

        Assert.True(result.Received("Access-Accept"), result.Output);
        Assert.True(server.Server.Duplicates >= 1, $"duplicates: {server.Server.Duplicates}\n{result.Output}");
        Assert.Single(await Sim.ListCibaAsync(timeout.Token), r => r.IdNat == RadiusTestServer.PasswordOnlyIdNat);
        var events = await server.AuditEventsAsync();
        var push = Assert.Single(events, e => e.Kind == AuditEventKinds.Authentication && e.Authenticator!.EndsWith("-ciba", StringComparison.Ordinal));
        Assert.Equal((AuditResults.Success, RadiusTestServer.PasswordOnlyIdNat), (push.Result, push.Subject));
        var decisions = events.Where(e => e.Kind == AuditEventKinds.PolicyDecision).ToList();
        Assert.Equal([AuditResults.StepUp, AuditResults.Allow], decisions.Select(d => d.Result));
        Assert.Equal(RadiusAuthenticatorNames.Push, decisions[1].Authenticator);
        Assert.All(events.Where(e => e.Kind != RadiusAuditKinds.Discard), e => Assert.Equal(decisions[0].CorrelationId, e.CorrelationId));
    }

    [Fact]
    public async Task Push_Denied_Rejects()
    {
        using var timeout = new CancellationTokenSource(Budget);
        await using var server = await StartServerAsync();

        var radclient = RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, Pap(RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password), timeoutSeconds: 10, tries: 1);
        var authReqId = await Sim.WaitForPendingCibaAsync(RadiusTestServer.PasswordOnlyIdNat, timeout.Token);
        await Sim.DenyCibaAsync(authReqId, timeout.Token);
        var result = await radclient;

        Assert.True(result.Received("Access-Reject"), result.Output);
        Assert.Contains(await server.AuditEventsAsync(), e => e.ReasonCode == "psc.ciba-denied");
    }

    [Fact]
    public async Task OtpUser_AnswersPush_ToTheChallenge_ThenApproves()
    {
        using var timeout = new CancellationTokenSource(Budget);
        await using var server = await StartServerAsync();

        var first = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, Pap(RadiusTestServer.OtpUser, RadiusTestServer.Password));
        Assert.True(first.Received("Access-Challenge"), first.Output);
        Assert.Contains("push", first.Attribute("Reply-Message"), StringComparison.Ordinal);

        var second = RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, Pap(RadiusTestServer.OtpUser, "push", first.Attribute("State")), timeoutSeconds: 10, tries: 1);
        var authReqId = await Sim.WaitForPendingCibaAsync(RadiusTestServer.OtpUserIdNat, timeout.Token);
        await Sim.ApproveCibaAsync(authReqId, "ecps", timeout.Token);
        var result = await second;

        Assert.True(result.Received("Access-Accept"), result.Output);
    }
}
