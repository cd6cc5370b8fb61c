using System.Net;
using System.Text;
using CarteAuth.Audit;
using CarteAuth.Gateway.Radius;

namespace CarteAuth.Gateway.Tests.Radius;

/// <summary>Raw datagrams: malformed packets, retransmissions (RFC 5080 §2.2.2), unknown clients.</summary>
public sealed class RawUdpTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes(RadiusTestServer.Secret);

    private static byte[] AccessRequest(byte id, string user, string password, bool messageAuthenticator = true) =>
        new RadiusPacketBuilder(RadiusCode.AccessRequest, id).AddText(RadiusAttributeType.UserName, user).BuildAccessRequest(Secret, password, messageAuthenticator);

    public static TheoryData<string, byte[]> Malformed()
    {
        var valid = AccessRequest(7, RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password);
        byte[] With(Action<byte[]> change)
        {
            var copy = (byte[])valid.Clone();
            change(copy);
            return copy;
        }

        return new TheoryData<string, byte[]>
        {
            { "too short", valid[..19] },
            { "length below 20", With(p => { p[2] = 0; p[3] = 19; }) },
            { "length above 4096", With(p => { p[2] = 0x10; p[3] = 0x01; }) },
            { "datagram shorter than length", valid[..^1] },
            { "attribute length 0", With(p => p[21] = 0) },
            { "attribute length 1", With(p => p[21] = 1) },
            { "attribute past the end", With(p => p[21] = 250) },
            { "two Message-Authenticators", TwoMessageAuthenticators() },
            { "unsupported code (Access-Accept)", With(p => p[0] = 2) },
            { "random bytes", [.. Enumerable.Range(0, 64).Select(i => (byte)(i * 37))] },
        };
    }

    private static byte[] TwoMessageAuthenticators() =>
        new RadiusPacketBuilder(RadiusCode.AccessRequest, 5)
            .AddText(RadiusAttributeType.UserName, RadiusTestServer.PasswordOnlyUser)
            .Add(RadiusAttributeType.MessageAuthenticator, new byte[16])
            .BuildAccessRequest(Secret, RadiusTestServer.Password);

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task MalformedPackets_AreSilentlyDiscarded_Counted_AndTheServerKeepsServing(string what, byte[] datagram)
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.PasswordPolicy);
        using var socket = new RawRadiusSocket();

        await socket.SendAsync(datagram, server.EndPoint);
        Assert.Null(await socket.ReceiveAsync(TimeSpan.FromMilliseconds(300)));

        // Counted once the receive loop has handled it (bounded wait: a loaded machine can take longer than the 300 ms above).
        await Yarp.YarpGatewayHost.EventuallyAsync(() => Task.FromResult(server.Server.Discarded.Values.Sum() > 0), what + " counted as discarded");
        Assert.True(server.Server.Discarded.Values.Sum() == 1, what + ": " + string.Join(", ", server.Server.Discarded));
        Assert.Null(await socket.ReceiveAsync(TimeSpan.FromMilliseconds(100)));

        await socket.SendAsync(AccessRequest(8, RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password), server.EndPoint);
        var reply = await socket.ReceiveAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(reply);
        Assert.Equal((byte)RadiusCode.AccessAccept, reply[0]);
    }

    [Fact]
    public async Task Retransmission_SameIdentifierAndAuthenticator_IsAnsweredFromTheCache_NotProcessedTwice()
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.PasswordPolicy);
        using var socket = new RawRadiusSocket();
        var request = AccessRequest(42, RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password);

        await socket.SendAsync(request, server.EndPoint);
        var first = await socket.ReceiveAsync(TimeSpan.FromSeconds(5));
        await socket.SendAsync(request, server.EndPoint);
        var second = await socket.ReceiveAsync(TimeSpan.FromSeconds(5));

        Assert.NotNull(first);
        Assert.Equal(first, second);
        Assert.Equal(1, server.Server.Duplicates);
        Assert.Single(await server.AuditEventsAsync(), e => e.Kind == AuditEventKinds.Authentication);

        // Same identifier, new authenticator: a new request, processed.
        await socket.SendAsync(AccessRequest(42, RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password), server.EndPoint);
        Assert.NotNull(await socket.ReceiveAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(2, (await server.AuditEventsAsync()).Count(e => e.Kind == AuditEventKinds.Authentication));
    }

    [Fact]
    public async Task Reply_VerifiesWithTheRequestAuthenticator()
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.PasswordPolicy);
        using var socket = new RawRadiusSocket();
        var request = AccessRequest(3, RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password);

        await socket.SendAsync(request, server.EndPoint);
        var reply = await socket.ReceiveAsync(TimeSpan.FromSeconds(5));

        Assert.True(RadiusPacket.TryDecode(reply, out var packet, out _, out _));
        Assert.Equal(RadiusCode.AccessAccept, packet!.Code);
        Assert.Equal(3, packet.Identifier);
        var requestAuthenticator = request.AsSpan(4, 16).ToArray();
        Assert.Equal(RadiusCrypto.ComputeAuthenticator(reply, requestAuthenticator, Secret), packet.Authenticator.ToArray()); // RFC 2865 §3
        Assert.Equal(
            RadiusCrypto.ComputeMessageAuthenticator(reply, packet.MessageAuthenticatorOffset, requestAuthenticator, Secret),
            reply!.AsSpan(packet.MessageAuthenticatorOffset, 16).ToArray()); // RFC 3579 §3.2
    }

    [Fact]
    public async Task UnknownClientAddress_IsDiscarded()
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.PasswordPolicy);
        using var udp = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));

        await udp.SendAsync(AccessRequest(1, RadiusTestServer.PasswordOnlyUser, RadiusTestServer.Password), server.EndPoint);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await udp.ReceiveAsync(cts.Token));

        await Yarp.YarpGatewayHost.EventuallyAsync(() => Task.FromResult(server.Server.Discarded.Values.Sum() > 0), "the unknown client's packet counted as discarded");
        Assert.Equal(1, server.Server.Discarded.GetValueOrDefault(ReasonCodes.RadiusUnknownClient));
    }

    [Fact]
    public async Task BadPasswordAttribute_IsRejected_WithItsCode()
    {
        await using var server = await RadiusTestServer.StartAsync(RadiusTestServer.PasswordPolicy);
        using var socket = new RawRadiusSocket();
        var request = new RadiusPacketBuilder(RadiusCode.AccessRequest, 9)
            .AddText(RadiusAttributeType.UserName, RadiusTestServer.PasswordOnlyUser)
            .Add(RadiusAttributeType.UserPassword, new byte[17])
            .BuildAccessRequest(Secret, password: null);

        await socket.SendAsync(request, server.EndPoint);
        var reply = await socket.ReceiveAsync(TimeSpan.FromSeconds(5));

        Assert.Equal((byte)RadiusCode.AccessReject, reply![0]);
        Assert.Contains(await server.AuditEventsAsync(), e => e.ReasonCode == ReasonCodes.RadiusBadPasswordAttribute);
    }
}
