using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace CarteAuth.Gateway.Radius;

/// <summary>A verified reply to an Access-Request, or why there is none.</summary>
/// <param name="Code">The reply's code, or null when there was no verified reply (see <paramref name="ReasonCode"/>).</param>
/// <param name="ReasonCode">Null for Access-Accept; <c>radius.access-rejected</c>, <c>policy.step-up-required</c> (challenge), <c>radius.no-reply</c> or <c>radius.bad-reply</c> otherwise.</param>
/// <param name="ReplyMessage">The Reply-Message, if any.</param>
/// <param name="State">The State of an Access-Challenge.</param>
/// <param name="Class">The Class of an Access-Accept, as text.</param>
/// <param name="SessionTimeout">The Session-Timeout of an Access-Accept, in seconds.</param>
public sealed record RadiusReply(RadiusCode? Code, string? ReasonCode, string? ReplyMessage = null, byte[]? State = null, string? Class = null, uint? SessionTimeout = null)
{
    /// <summary>Why there is no verified reply (for <c>radius.no-reply</c> and <c>radius.bad-reply</c>).</summary>
    public string? Error { get; init; }

    /// <summary>True for Access-Accept.</summary>
    public bool Accepted => Code == RadiusCode.AccessAccept;
}

/// <summary>
/// A small RADIUS client on the same codec (<c>carteauth radius test</c>, the load harness): PAP Access-Requests with
/// Message-Authenticator, retransmitted unchanged (same identifier and authenticator) until a reply verifies.
/// </summary>
public sealed class RadiusUdpClient : IDisposable
{
    private readonly Socket _socket;
    private readonly IPEndPoint _server;
    private readonly byte[] _secret;
    private readonly TimeSpan _timeout;
    private readonly int _tries;
    private readonly bool _requireReplyMessageAuthenticator;
    private readonly byte[] _buffer = new byte[RadiusPacket.MaxLength];
    private int _identifier = RandomNumberGenerator.GetInt32(256);

    /// <summary>Creates a client of <paramref name="server"/>.</summary>
    /// <param name="server">The server's endpoint.</param>
    /// <param name="secret">The shared secret.</param>
    /// <param name="timeout">How long to wait for each try.</param>
    /// <param name="tries">How many times to send the request (1 to 10).</param>
    /// <param name="requireReplyMessageAuthenticator">Refuse replies without Message-Authenticator (default; CarteAuth always sends one). Off only to measure servers that omit it.</param>
    public RadiusUdpClient(IPEndPoint server, string secret, TimeSpan timeout, int tries = 1, bool requireReplyMessageAuthenticator = true)
    {
        _requireReplyMessageAuthenticator = requireReplyMessageAuthenticator;
        ArgumentNullException.ThrowIfNull(server);
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentOutOfRangeException.ThrowIfLessThan(tries, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tries, 10);
        _server = server;
        _secret = Encoding.UTF8.GetBytes(secret);
        _timeout = timeout;
        _tries = tries;
        _socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(server.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0));
    }

    /// <summary>Sends a PAP Access-Request (with <paramref name="state"/> when answering a challenge) and returns the verified reply.</summary>
    public async Task<RadiusReply> AccessRequestAsync(string userName, string password, ReadOnlyMemory<byte>? state = null, string nasIdentifier = "carteauth-cli", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userName);
        ArgumentNullException.ThrowIfNull(password);
        var identifier = (byte)Interlocked.Increment(ref _identifier);
        var builder = new RadiusPacketBuilder(RadiusCode.AccessRequest, identifier)
            .AddText(RadiusAttributeType.UserName, userName)
            .AddText(RadiusAttributeType.NasIdentifier, nasIdentifier);
        if (state is { } s)
        {
            builder.Add(RadiusAttributeType.State, s.Span);
        }

        var request = builder.BuildAccessRequest(_secret, password);
        var requestAuthenticator = request.AsMemory(RadiusPacket.AuthenticatorOffset, 16);
        for (var attempt = 0; attempt < _tries; attempt++)
        {
            await _socket.SendToAsync(request, SocketFlags.None, _server, cancellationToken).ConfigureAwait(false);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(_timeout);
            try
            {
                while (true)
                {
                    var received = await _socket.ReceiveFromAsync(_buffer, SocketFlags.None, _server, wait.Token).ConfigureAwait(false);
                    if (!((IPEndPoint)received.RemoteEndPoint).Equals(_server))
                    {
                        continue;
                    }

                    var reply = Verify(_buffer.AsMemory(0, received.ReceivedBytes), identifier, requestAuthenticator.Span);
                    if (reply is not null)
                    {
                        return reply;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // This try timed out: retransmit the same packet.
            }
            catch (SocketException)
            {
                // ICMP port unreachable: treat as no reply for this try.
                await Task.Delay(_timeout, cancellationToken).ConfigureAwait(false);
            }
        }

        return new RadiusReply(null, ReasonCodes.RadiusNoReply) { Error = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"No reply from {_server} after {_tries} tries of {_timeout.TotalSeconds:0.#} s (RADIUS servers discard packets they cannot authenticate: check the secret and that this address is a client).") };
    }

    /// <inheritdoc/>
    public void Dispose() => _socket.Dispose();

    private RadiusReply? Verify(ReadOnlyMemory<byte> datagram, byte identifier, ReadOnlySpan<byte> requestAuthenticator)
    {
        if (!RadiusPacket.TryDecode(datagram, out var packet, out _, out var message))
        {
            return new RadiusReply(null, ReasonCodes.RadiusBadReply) { Error = "The reply is malformed: " + message };
        }

        if (packet!.Identifier != identifier)
        {
            return null; // a late reply to an earlier request
        }

        // RFC 2865 §3: Response Authenticator = MD5(Code+ID+Length+RequestAuth+Attributes+Secret).
        var expected = RadiusCrypto.ComputeAuthenticator(packet.Raw.Span, requestAuthenticator, _secret);
        if (!CryptographicOperations.FixedTimeEquals(expected, packet.Authenticator.Span))
        {
            return new RadiusReply(null, ReasonCodes.RadiusBadReply) { Error = "The reply's Response Authenticator does not verify: the shared secret differs (RFC 2865 §3)." };
        }

        // RFC 3579 §3.2: verified with the Request Authenticator; required in replies (Blast-RADIUS).
        if (packet.HasMessageAuthenticator ? !CryptographicOperations.FixedTimeEquals(
                RadiusCrypto.ComputeMessageAuthenticator(packet.Raw.Span, packet.MessageAuthenticatorOffset, requestAuthenticator, _secret),
                packet.Raw.Span.Slice(packet.MessageAuthenticatorOffset, 16)) : _requireReplyMessageAuthenticator)
        {
            return new RadiusReply(null, ReasonCodes.RadiusBadReply) { Error = "The reply has no valid Message-Authenticator (RFC 3579 §3.2)." };
        }

        var replyMessage = packet.FindText(RadiusAttributeType.ReplyMessage);
        return packet.Code switch
        {
            RadiusCode.AccessAccept => new RadiusReply(
                packet.Code,
                null,
                replyMessage,
                Class: packet.FindText(RadiusAttributeType.Class),
                SessionTimeout: packet.Find(RadiusAttributeType.SessionTimeout) is { Value.Length: 4 } t ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(t.Value.Span) : null),
            RadiusCode.AccessChallenge => new RadiusReply(packet.Code, ReasonCodes.StepUpRequired, replyMessage, packet.Find(RadiusAttributeType.State)?.Value.ToArray()),
            RadiusCode.AccessReject => new RadiusReply(packet.Code, ReasonCodes.RadiusAccessRejected, replyMessage),
            _ => new RadiusReply(null, ReasonCodes.RadiusBadReply) { Error = $"The reply's code {(byte)packet.Code} does not answer an Access-Request." },
        };
    }
}
