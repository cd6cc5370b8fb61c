using CarteAuth.Audit;
using CarteAuth.Gateway.Radius;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.Gateway.Tests.Radius;

/// <summary>Brute-force protection of the RADIUS server, through the real radclient.</summary>
public sealed class RadiusBruteForceTests
{
    private static string Pap(string user, string password, string callingStation = "192.0.2.10", string? state = null) =>
        $"User-Name = \"{user}\"\nUser-Password = \"{password}\"\nNAS-Identifier = \"vpn-1\"\nCalling-Station-Id = \"{callingStation}\"\n"
        + (state is null ? string.Empty : $"State = {state}\n")
        + "Message-Authenticator = 0x00\n";

    private static Task<RadiusTestServer> StartAsync(string policy, int perIdentity, int perSource) =>
        RadiusTestServer.StartAsync(policy, services: s => s.AddCarteAuthAttemptLimits(o =>
        {
            o.MaxFailuresPerIdentity = perIdentity;
            o.MaxFailuresPerSource = perSource;
        }));

    private static async Task<RadClient.Result> SendAsync(RadiusTestServer server, string attributes) =>
        await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, attributes);

    [Fact]
    public async Task WrongPasswords_LockTheUserOut_TheRightPasswordIsThenRejectedUnchecked_AndAudited()
    {
        await using var server = await StartAsync(RadiusTestServer.PasswordPolicy, perIdentity: 3, perSource: 100);
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await SendAsync(server, Pap(RadiusTestServer.PasswordOnlyUser, "guess-" + i))).Received("Access-Reject"));
        }

        var locked = await SendAsync(server, Pap(RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password));
        Assert.True(locked.Received("Access-Reject"), locked.Output);
        Assert.Equal("Acces refuse.", locked.Attribute("Reply-Message")); // the same reply as a wrong password: no oracle

        var auth = (await server.AuditEventsAsync()).Where(e => e.Kind == AuditEventKinds.Authentication).ToList();
        Assert.Equal(["radius.bad-password", "radius.bad-password", "radius.bad-password", ReasonCodes.AuthLockedOut], auth.Select(e => e.ReasonCode));
        // The audit records the VPN user's address (Calling-Station-Id), not the NAS's.
        Assert.Equal((RadiusAuthenticatorNames.Pap, "192.0.2.10"), (auth[^1].Authenticator, auth[^1].ClientAddress));
        Assert.Contains("radius-password:" + RadiusTestServer.PasswordOnlyUser, auth[^1].Detail, StringComparison.Ordinal);

        // Another user through the same NAS and from another VPN address is not affected.
        Assert.True((await SendAsync(server, Pap(RadiusTestServer.OtpUser, "guess", callingStation: "192.0.2.99"))).Received("Access-Reject"));
    }

    [Fact]
    public async Task ACallingStationGuessingManyUsers_IsRateLimited_OthersBehindTheSameNasAreNot()
    {
        await using var server = await StartAsync(RadiusTestServer.PasswordPolicy, perIdentity: 10, perSource: 2);
        Assert.True((await SendAsync(server, Pap("nobody", "guess"))).Received("Access-Reject"));
        Assert.True((await SendAsync(server, Pap(RadiusTestServer.OtpUser, "guess"))).Received("Access-Reject"));

        Assert.True((await SendAsync(server, Pap(RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password))).Received("Access-Reject"));
        Assert.Equal(ReasonCodes.AuthRateLimited, (await server.AuditEventsAsync()).Last(e => e.Kind == AuditEventKinds.Authentication).ReasonCode);

        var other = await SendAsync(server, Pap(RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password, callingStation: "192.0.2.11"));
        Assert.True(other.Received("Access-Accept"), other.Output);
    }

    [Fact]
    public async Task WrongOtpCodes_LockTheOtp_ARightPasswordDoesNotResetIt()
    {
        await using var server = await StartAsync(RadiusTestServer.MfaPolicy, perIdentity: 2, perSource: 100);
        async Task<string> ChallengeAsync()
        {
            var first = await SendAsync(server, Pap(RadiusTestServer.OtpUser, RadiusTestServer.Password));
            Assert.True(first.Received("Access-Challenge"), first.Output);
            return first.Attribute("State")!;
        }

        for (var i = 0; i < 2; i++)
        {
            var state = await ChallengeAsync();
            Assert.True((await SendAsync(server, Pap(RadiusTestServer.OtpUser, "000000", state: state))).Received("Access-Reject"));
        }

        var last = await ChallengeAsync();
        var code = TotpVerifier.Compute(RadiusTestServer.TotpSecret, DateTimeOffset.UtcNow);
        Assert.True((await SendAsync(server, Pap(RadiusTestServer.OtpUser, code, state: last))).Received("Access-Reject"));
        var otp = (await server.AuditEventsAsync()).Where(e => e.Authenticator == RadiusAuthenticatorNames.Otp).ToList();
        Assert.Equal(3, otp.Count);
        Assert.Equal(ReasonCodes.AuthLockedOut, otp[^1].ReasonCode);
    }
}
