using System.Text;
using CarteAuth.Audit;
using CarteAuth.Gateway.Radius;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Gateway.Tests.Radius;

/// <summary>Challenge expiry, fail-closed audit, accounting Message-Authenticator interop.</summary>
public sealed class RadiusServerBehaviourTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes(RadiusTestServer.Secret);

    [Fact]
    public async Task Challenge_AnsweredAfterChallengeTimeout_IsRejected_UnknownState()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.MfaPolicy, o => o.ChallengeTimeout = TimeSpan.FromMinutes(1), s => s.AddSingleton<TimeProvider>(time));
        var first = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, $"User-Name = \"{RadiusTestServer.OtpUser}\"\nUser-Password = \"{RadiusTestServer.Password}\"\nMessage-Authenticator = 0x00\n");
        Assert.True(first.Received("Access-Challenge"), first.Output);

        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var code = TotpVerifier.Compute(RadiusTestServer.TotpSecret, time.GetUtcNow());
        var late = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, $"User-Name = \"{RadiusTestServer.OtpUser}\"\nUser-Password = \"{code}\"\nState = {first.Attribute("State")}\nMessage-Authenticator = 0x00\n");

        Assert.True(late.Received("Access-Reject"), late.Output);
        Assert.Contains(await server.AuditEventsAsync(), e => e.ReasonCode == ReasonCodes.RadiusUnknownState);
    }

    [Fact]
    public async Task Challenge_StateFromAnotherUser_IsRejected()
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.MfaPolicy);
        var first = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, $"User-Name = \"{RadiusTestServer.OtpUser}\"\nUser-Password = \"{RadiusTestServer.Password}\"\nMessage-Authenticator = 0x00\n");

        var code = TotpVerifier.Compute(RadiusTestServer.TotpSecret, DateTimeOffset.UtcNow);
        var other = await RadClient.RunAsync(server.EndPoint, "auth", RadiusTestServer.Secret, $"User-Name = \"{RadiusTestServer.PasswordOnlyUser}\"\nUser-Password = \"{code}\"\nState = {first.Attribute("State")}\nMessage-Authenticator = 0x00\n");

        Assert.True(other.Received("Access-Reject"), other.Output);
        Assert.Contains(await server.AuditEventsAsync(), e => e.ReasonCode == ReasonCodes.RadiusUnknownState);
    }

    [Fact]
    public async Task AuditUnavailable_AccessIsRejected_FailClosed()
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.PasswordPolicy, services: s => s.AddSingleton<IAuditStore>(new FlakyAuditStore(failures: 1)));
        using var socket = new RawRadiusSocket();

        await socket.SendAsync(AccessRequest(11), server.EndPoint);
        var reply = await socket.ReceiveAsync(TimeSpan.FromSeconds(5));

        Assert.Equal((byte)RadiusCode.AccessReject, reply![0]); // the password was right, but the attempt could not be recorded
    }

    [Fact]
    public async Task AuditUnavailable_AccountingGetsNoReply_AndTheRetransmissionIsProcessedAgain()
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.PasswordPolicy, services: s => s.AddSingleton<IAuditStore>(new FlakyAuditStore(failures: 1)));
        using var socket = new RawRadiusSocket();
        var request = new RadiusPacketBuilder(RadiusCode.AccountingRequest, 12).AddInteger(RadiusAttributeType.AcctStatusType, 1).AddText(RadiusAttributeType.AcctSessionId, "s-1").BuildAccountingRequest(Secret);

        await socket.SendAsync(request, server.EndPoint);
        Assert.Null(await socket.ReceiveAsync(TimeSpan.FromMilliseconds(500))); // RFC 2866 §2: no response unless recorded

        await socket.SendAsync(request, server.EndPoint); // the NAS retransmits
        var reply = await socket.ReceiveAsync(TimeSpan.FromSeconds(5));

        Assert.Equal((byte)RadiusCode.AccountingResponse, reply![0]);
        Assert.Equal(0, server.Server.Duplicates);
        Assert.Single(await server.AuditEventsAsync(), e => e.Kind == RadiusAuditKinds.Accounting);
    }

    [Fact]
    public async Task Overloaded_RequestsBeyondMaxConcurrent_AreDropped_AndCounted()
    {
        var gate = new GatedVerifier();
        await using var server = await RadiusTestServer.StartAsync(
            RadiusTestServer.PasswordPolicy, o => o.MaxConcurrentRequests = 1, s => s.AddSingleton<IRadiusPasswordVerifier>(gate));
        using var socket = new RawRadiusSocket();

        await socket.SendAsync(AccessRequest(1), server.EndPoint);
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(5)); // the first request holds the only slot
        await socket.SendAsync(AccessRequest(2), server.EndPoint);
        for (var i = 0; i < 50 && server.Server.Discarded.GetValueOrDefault(ReasonCodes.RadiusOverloaded) == 0; i++)
        {
            await Task.Delay(20);
        }

        gate.Release.SetResult();
        var reply = await socket.ReceiveAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(1, server.Server.Discarded.GetValueOrDefault(ReasonCodes.RadiusOverloaded));
        Assert.Equal(1, reply![1]); // the answer is to the first request
        Assert.Null(await socket.ReceiveAsync(TimeSpan.FromMilliseconds(300)));
    }

    /// <summary>A verifier that accepts once released (holds the request meanwhile).</summary>
    private sealed class GatedVerifier : IRadiusPasswordVerifier
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<(RadiusUser? User, string? ReasonCode)> VerifyAsync(string userName, ReadOnlyMemory<byte> password, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return (new RadiusUser(userName, new CarteAuth.Identity.ProfessionalIdentity(CarteAuth.Identity.NationalId.Parse(RadiusTestServer.PasswordOnlyIdNat), "DONNAT-GADY")), null);
        }
    }

    private static byte[] AccessRequest(byte id) =>
        new RadiusPacketBuilder(RadiusCode.AccessRequest, id).AddText(RadiusAttributeType.UserName, RadiusTestServer.PasswordOnlyUser).BuildAccessRequest(Secret, RadiusTestServer.Password);

    [Fact]
    public async Task Accounting_WithMessageAuthenticator_FromRadclient_Verifies()
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.PasswordPolicy);

        var result = await RadClient.RunAsync(server.Server.LocalEndPoints[1], "acct", RadiusTestServer.Secret,
            "Acct-Status-Type = Interim-Update\nAcct-Session-Id = \"sess-7\"\nMessage-Authenticator = 0x00\n");

        Assert.True(result.Received("Accounting-Response"), result.Output);
        Assert.Contains(await server.AuditEventsAsync(), e => e.Kind == RadiusAuditKinds.Accounting && e.Result == "interim-update");
    }

    /// <summary>An in-memory store whose first appends fail as an unavailable store would.</summary>
    private sealed class FlakyAuditStore(int failures) : IAuditStore
    {
        private readonly InMemoryAuditStore _inner = new();
        private int _failures = failures;

        public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken ct = default) =>
            Interlocked.Decrement(ref _failures) >= 0
                ? throw new AuditStoreException(ReasonCodes.AuditStoreUnavailable, "test: the audit store is down.")
                : _inner.AppendAsync(entry, ct);

        public IAsyncEnumerable<AuditEvent> ReadAsync(long fromSequence = 1, CancellationToken ct = default) => _inner.ReadAsync(fromSequence, ct);

        public ValueTask<AuditEvent?> GetLastAsync(CancellationToken ct = default) => _inner.GetLastAsync(ct);
    }
}
