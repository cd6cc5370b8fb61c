using CarteAuth.Audit;
using CarteAuth.Gateway.Radius;

namespace CarteAuth.Gateway.Tests.Radius;

/// <summary>The CarteAuth RADIUS server against the real FreeRADIUS radclient (Debian freeradius-utils).</summary>
public sealed class RadClientTests
{
    private static string Pap(string user, string password, bool messageAuthenticator = true, string? state = null) =>
        $"User-Name = \"{user}\"\nUser-Password = \"{password}\"\nNAS-Identifier = \"vpn-1\"\nCalling-Station-Id = \"192.0.2.10\"\n"
        + (state is null ? string.Empty : $"State = {state}\n")
        + (messageAuthenticator ? "Message-Authenticator = 0x00\n" : string.Empty);

    [Fact]
    public async Task Accept_PasswordEnoughForThePolicy_CarriesClassAndSessionTimeout_AndIsAudited()
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.PasswordPolicy);

        var result = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, Pap(RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password));

        Assert.True(result.Received("Access-Accept"), result.Output);
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("0x", result.Attribute("Class"), StringComparison.Ordinal); // radclient prints Class as octets
        Assert.Equal("28800", result.Attribute("Session-Timeout"));
        Assert.NotNull(result.Attribute("Message-Authenticator"));
        var events = await server.AuditEventsAsync();
        var auth = Assert.Single(events, e => e.Kind == AuditEventKinds.Authentication);
        Assert.Equal((AuditResults.Success, RadiusAuthenticatorNames.Pap, RadiusTestServer.PasswordOnlyIdNat, "pwd"), (auth.Result, auth.Authenticator, auth.Subject, auth.Methods));
        var decision = Assert.Single(events, e => e.Kind == AuditEventKinds.PolicyDecision);
        Assert.Equal((AuditResults.Allow, RadiusTestServer.PasswordPolicy, auth.CorrelationId), (decision.Result, decision.Policy, decision.CorrelationId));
        Assert.Contains("zone=remote", decision.Detail, StringComparison.Ordinal);

        // Both events record the VPN user's address (Calling-Station-Id), not the NAS's (127.0.0.1)...
        Assert.Equal(("192.0.2.10", "192.0.2.10"), (auth.ClientAddress, decision.ClientAddress));

        // ...and the NAS's when the request carries none (or one that is not an IP address).
        var noCallingStation = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret,
            Pap(RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password).Replace("192.0.2.10", "00-11-22-33-44-55", StringComparison.Ordinal));
        Assert.True(noCallingStation.Received("Access-Accept"), noCallingStation.Output);
        Assert.Equal("127.0.0.1", (await server.AuditEventsAsync()).Last(e => e.Kind == AuditEventKinds.Authentication).ClientAddress);
    }

    [Theory]
    [InlineData(RadiusTestServer.PasswordOnlyUser, "wrong-password", "radius.bad-password")]
    [InlineData("nobody", RadiusTestServer.Password, "radius.unknown-user")]
    public async Task Reject_BadCredentials_GenericReplyMessage_CodeInTheAudit(string user, string password, string code)
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.PasswordPolicy);

        var result = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, Pap(user, password));

        Assert.True(result.Received("Access-Reject"), result.Output);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("Acces refuse.", result.Attribute("Reply-Message"));
        var auth = Assert.Single(await server.AuditEventsAsync(), e => e.Kind == AuditEventKinds.Authentication);
        Assert.Equal((AuditResults.Failure, code), (auth.Result, auth.ReasonCode));
    }

    [Fact]
    public async Task Challenge_RoundTrip_WithTheStateAndATotpCode_Accepts_AndTheStateIsSingleUse()
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.MfaPolicy);

        var first = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, Pap(RadiusTestServer.OtpUser, RadiusTestServer.Password));
        Assert.True(first.Received("Access-Challenge"), first.Output);
        var state = first.Attribute("State");
        Assert.NotNull(state);
        Assert.StartsWith("Code", first.Attribute("Reply-Message"), StringComparison.Ordinal);

        var code = TotpVerifier.Compute(RadiusTestServer.TotpSecret, DateTimeOffset.UtcNow);
        var second = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, Pap(RadiusTestServer.OtpUser, code, state: state));
        Assert.True(second.Received("Access-Accept"), second.Output);

        var replay = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, Pap(RadiusTestServer.OtpUser, code, state: state));
        Assert.True(replay.Received("Access-Reject"), replay.Output);

        var events = await server.AuditEventsAsync();
        var decisions = events.Where(e => e.Kind == AuditEventKinds.PolicyDecision).ToList();
        Assert.Equal([AuditResults.StepUp, AuditResults.Allow], decisions.Select(d => d.Result));
        var otp = Assert.Single(events, e => e.Kind == AuditEventKinds.Authentication && e.Authenticator == RadiusAuthenticatorNames.Otp);
        Assert.Equal((AuditResults.Success, "otp mfa pwd"), (otp.Result, otp.Methods));
        Assert.Equal(decisions[0].CorrelationId, otp.CorrelationId); // both rounds are one attempt
        Assert.Contains(events, e => e.ReasonCode == ReasonCodes.RadiusUnknownState);
    }

    [Fact]
    public async Task Challenge_WrongCode_Rejects()
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.MfaPolicy);
        var first = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, Pap(RadiusTestServer.OtpUser, RadiusTestServer.Password));
        Assert.True(first.Received("Access-Challenge"), first.Output);
        var state = first.Attribute("State");

        var code = TotpVerifier.Compute(RadiusTestServer.TotpSecret, DateTimeOffset.UtcNow.AddMinutes(10)); // a real code, but not now
        var second = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, Pap(RadiusTestServer.OtpUser, code, state: state));

        Assert.True(second.Received("Access-Reject"), second.Output);
        Assert.Contains(await server.AuditEventsAsync(), e => e.ReasonCode == ReasonCodes.RadiusBadOtp);
    }

    [Fact]
    public async Task StepUp_WithoutAnySecondFactor_Rejects()
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.MfaPolicy);

        var result = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, Pap(RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password));

        Assert.True(result.Received("Access-Reject"), result.Output);
        Assert.Contains(await server.AuditEventsAsync(), e => e.ReasonCode == ReasonCodes.RadiusNoSecondFactor && e.Subject == RadiusTestServer.PasswordOnlyIdNat);
    }

    [Fact]
    public async Task PolicyDeny_Rejects_WithThePolicyCodeAudited()
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.DenyPolicy);

        var result = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, Pap(RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password));

        Assert.True(result.Received("Access-Reject"), result.Output);
        var decision = Assert.Single(await server.AuditEventsAsync(), e => e.Kind == AuditEventKinds.PolicyDecision);
        Assert.Equal(AuditResults.Deny, decision.Result);
        Assert.StartsWith("policy.", decision.ReasonCode, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongSecret_IsDiscarded_NoReply_AndAudited()
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.PasswordPolicy);

        var result = await RadClient.RunAsync(server.EndPoint, "auth", "not-the-shared-secret", Pap(RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password), timeoutSeconds: 1);

        Assert.Contains("No reply", result.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(server.Server.Discarded.GetValueOrDefault(ReasonCodes.RadiusBadMessageAuthenticator) >= 1);
        var discard = Assert.Single(await server.AuditEventsAsync(), e => e.Kind == RadiusAuditKinds.Discard);
        Assert.Equal(ReasonCodes.RadiusBadMessageAuthenticator, discard.ReasonCode);
        Assert.DoesNotContain(await server.AuditEventsAsync(), e => e.Kind == AuditEventKinds.Authentication);
    }

    [Fact]
    public async Task MissingMessageAuthenticator_IsDiscarded_UnlessTheClientAllowsIt()
    {
        await using (var server = await RadiusTestServer.StartAsync(RadiusTestServer.PasswordPolicy))
        {
            var result = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, Pap(RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password, messageAuthenticator: false), timeoutSeconds: 1);

            Assert.Contains("No reply", result.Output, StringComparison.Ordinal);
            Assert.True(server.Server.Discarded.GetValueOrDefault(ReasonCodes.RadiusMissingMessageAuthenticator) >= 1);
            Assert.Contains(await server.AuditEventsAsync(), e => e.ReasonCode == ReasonCodes.RadiusMissingMessageAuthenticator);
        }

        await using (var server = await RadiusTestServer.StartAsync(RadiusTestServer.PasswordPolicy, o => o.Clients[0].RequireMessageAuthenticator = false))
        {
            var result = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, Pap(RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password, messageAuthenticator: false));

            Assert.True(result.Received("Access-Accept"), result.Output);
            Assert.NotNull(result.Attribute("Message-Authenticator")); // replies always carry one
        }
    }

    [Fact]
    public async Task Accounting_StartAndStop_AreRecordedAndAnswered()
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.PasswordPolicy);
        var accounting = server.Server.LocalEndPoints[1];

        foreach (var status in new[] { "Start", "Stop" })
        {
            var result = await RadClient.RunAsync(accounting, "acct", RadiusTestServer.Secret,
                $"Acct-Status-Type = {status}\nAcct-Session-Id = \"sess-42\"\nUser-Name = \"{RadiusTestServer.PasswordOnlyUser}\"\nClass = \"carteauth:radius-0011223344556677\"\nNAS-Identifier = \"vpn-1\"\n");
            Assert.True(result.Received("Accounting-Response"), result.Output);
            Assert.Equal(0, result.ExitCode);
        }

        var wrong = await RadClient.RunAsync(accounting, "acct", "not-the-shared-secret", "Acct-Status-Type = Start\nAcct-Session-Id = \"sess-43\"\n", timeoutSeconds: 1);
        Assert.Contains("No reply", wrong.Output, StringComparison.Ordinal);
        Assert.True(server.Server.Discarded.GetValueOrDefault(ReasonCodes.RadiusBadAuthenticator) >= 1);

        var records = (await server.AuditEventsAsync()).Where(e => e.Kind == RadiusAuditKinds.Accounting).ToList();
        Assert.Equal(["start", "stop"], records.Select(r => r.Result));
        Assert.All(records, r => Assert.Equal("radius-0011223344556677", r.CorrelationId));
        Assert.All(records, r => Assert.Contains("session=sess-42", r.Detail, StringComparison.Ordinal));
    }
}
