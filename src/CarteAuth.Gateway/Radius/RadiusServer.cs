using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CarteAuth.Audit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CarteAuth.Gateway.Radius;

/// <summary>
/// The RADIUS server (RFC 2865 access, RFC 2866 accounting) as a hosted service: UDP sockets on the configured
/// endpoints, per-client shared secrets, Message-Authenticator checks (RFC 3579), duplicate detection (RFC 5080)
/// and bounded concurrency. Every malformed or unauthenticated packet is silently discarded, counted and logged
/// with its <c>radius.*</c> reason code; no exception escapes for bad input.
/// </summary>
public sealed class RadiusServer : IHostedService, IAsyncDisposable
{
    private readonly RadiusServerOptions _options;
    private readonly RadiusClientTable _clients;
    private readonly RadiusAccessHandler _access;
    private readonly RadiusAccountingHandler _accounting;
    private readonly RadiusDuplicateCache _duplicates;
    private readonly IAuditTrail _audit;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _loops = [];
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, long> _discarded = new(StringComparer.Ordinal);
    private long _received;
    private long _duplicateCount;

    internal RadiusServer(RadiusServerOptions options, RadiusAccessHandler access, RadiusAccountingHandler accounting, IAuditTrail audit, TimeProvider time, ILogger logger)
    {
        options.Validate();
        _options = options;
        _clients = new RadiusClientTable(options.Clients);
        _access = access;
        _accounting = accounting;
        _audit = audit;
        _logger = logger;
        _duplicates = new RadiusDuplicateCache(time, options.DuplicateWindow, options.DuplicateCacheSize);
        _slots = new SemaphoreSlim(options.MaxConcurrentRequests, options.MaxConcurrentRequests);
    }

    /// <summary>The bound endpoints (the access endpoint first), known once started: port 0 in the options gives the real port here.</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints => [.. _sockets.Select(s => (IPEndPoint)s.LocalEndPoint!)];

    /// <summary>Datagrams received.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Retransmissions recognised (RFC 5080 §2.2.2): answered from the cache or dropped while in progress.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicateCount);

    /// <summary>Discarded packets by reason code (<c>radius.malformed-packet</c>, <c>radius.unknown-client</c>…).</summary>
    public IReadOnlyDictionary<string, long> Discarded => new Dictionary<string, long>(_discarded, StringComparer.Ordinal);

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Bind(RadiusServerOptions.ParseEndpoint(_options.Endpoint, nameof(_options.Endpoint)));
        if (_options.AccountingEndpoint is { } accounting)
        {
            Bind(RadiusServerOptions.ParseEndpoint(accounting, nameof(_options.AccountingEndpoint)));
        }

        foreach (var socket in _sockets)
        {
            GatewayLog.Listening(_logger, socket.LocalEndPoint!.ToString()!);
            _loops.Add(Task.Run(() => ReceiveLoopAsync(socket), CancellationToken.None));
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var socket in _sockets)
        {
            socket.Close();
        }

        await Task.WhenAll([.. _loops, .. _inFlight.Keys]).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _stopping.Dispose();
        _slots.Dispose();
    }

    private void Bind(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(endpoint);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new CarteAuthException(ReasonCodes.RadiusInvalidOptions, $"The RADIUS server cannot listen on {endpoint} ({e.SocketErrorCode}): pick a free port or an address of this machine.", e);
        }

        _sockets.Add(socket);
    }

    private async Task ReceiveLoopAsync(Socket socket)
    {
        var any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        // One receive buffer per socket; each datagram is copied out at its own size (a request's packet and the
        // attributes that slice it may outlive the receive, e.g. in a pending challenge).
        var buffer = new byte[RadiusPacket.MaxLength];
        while (!_stopping.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                // ICMP port unreachable from an earlier reply, or an oversized datagram: keep serving.
                Count(ReasonCodes.RadiusMalformedPacket, "-", $"receive error {e.SocketErrorCode}");
                continue;
            }
            catch (Exception e)
            {
                GatewayLog.ReceiveFailed(_logger, e, socket.LocalEndPoint?.ToString() ?? "?");
                return;
            }

            Interlocked.Increment(ref _received);
            var source = (IPEndPoint)received.RemoteEndPoint;
            if (!_slots.Wait(0))
            {
                Count(ReasonCodes.RadiusOverloaded, source.ToString(), $"{_options.MaxConcurrentRequests} requests are already in progress.");
                continue;
            }

            var task = ProcessAsync(socket, buffer.AsSpan(0, received.ReceivedBytes).ToArray(), source);
            _inFlight[task] = 0;
            _ = task.ContinueWith(t => _inFlight.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ProcessAsync(Socket socket, ReadOnlyMemory<byte> datagram, IPEndPoint source)
    {
        await Task.Yield();
        RadiusDuplicateCache.Key? key = null;
        try
        {
            byte[]? reply;
            try
            {
                reply = await DecideAsync(datagram, source, k => key = k).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
            {
                // Fail closed: no reply (e.g. the audit trail cannot record); never a crash of the server. The
                // request is forgotten so the NAS's retransmission is processed again, not dropped as a duplicate.
                GatewayLog.Failed(_logger, e, source.ToString());
                if (key is { } failed)
                {
                    _duplicates.Forget(failed);
                }

                return;
            }

            // Remembered before sending: a retransmission gets this same reply (RFC 5080 §2.2.2).
            if (key is { } k)
            {
                _duplicates.Complete(k, reply);
            }

            if (reply is not null)
            {
                await socket.SendToAsync(reply, SocketFlags.None, source, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (SocketException e)
        {
            GatewayLog.Failed(_logger, e, source.ToString());
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task<byte[]?> DecideAsync(ReadOnlyMemory<byte> datagram, IPEndPoint source, Action<RadiusDuplicateCache.Key> registered)
    {
        var client = _clients.Find(source.Address);
        if (client is null)
        {
            // RFC 2865 §3: "A request from a client for which the RADIUS server does not have a shared secret MUST be silently discarded."
            return Count(ReasonCodes.RadiusUnknownClient, source.ToString(), "no RADIUS client is configured for this address.");
        }

        if (!RadiusPacket.TryDecode(datagram, out var packet, out var reason, out var message))
        {
            return Count(reason!, source.ToString(), message!);
        }

        if (packet!.Code is not (RadiusCode.AccessRequest or RadiusCode.AccountingRequest))
        {
            return Count(ReasonCodes.RadiusUnsupportedCode, source.ToString(), $"code {(byte)packet.Code} is not Access-Request (1) nor Accounting-Request (4).");
        }

        if (!_duplicates.TryBegin(source, packet, out var key, out var cached))
        {
            Interlocked.Increment(ref _duplicateCount);
            GatewayLog.Duplicate(_logger, packet.Identifier, source.ToString(), cached is null ? "dropped (in progress or discarded)" : "cached reply re-sent");
            return cached;
        }

        registered(key);
        if (packet.Code == RadiusCode.AccessRequest)
        {
            // RFC 3579 §3.2: a packet with an invalid Message-Authenticator MUST be silently discarded; CarteAuth
            // also requires it (per client) against forged requests (Blast-RADIUS).
            if (!packet.HasMessageAuthenticator)
            {
                if (client.RequireMessageAuthenticator)
                {
                    return await DiscardAuditedAsync(ReasonCodes.RadiusMissingMessageAuthenticator, source, client, "the Access-Request has no Message-Authenticator and the client requires one.").ConfigureAwait(false);
                }
            }
            else if (!RadiusCrypto.VerifyMessageAuthenticator(packet, client.Secret))
            {
                return await DiscardAuditedAsync(ReasonCodes.RadiusBadMessageAuthenticator, source, client, "the Message-Authenticator does not verify (wrong shared secret or altered packet).").ConfigureAwait(false);
            }

            return await _access.HandleAsync(packet, client, source, _stopping.Token).ConfigureAwait(false);
        }

        // RFC 2866 §3: the Request Authenticator of an Accounting-Request is MD5 over the packet with zeros + secret.
        if (!RadiusCrypto.VerifyAccountingRequest(packet, client.Secret))
        {
            return Count(ReasonCodes.RadiusBadAuthenticator, source.ToString(), "the Accounting-Request authenticator does not verify (wrong shared secret or altered packet).");
        }

        if (packet.HasMessageAuthenticator && !RadiusCrypto.VerifyMessageAuthenticator(packet, client.Secret, zeroAuthenticator: true))
        {
            return await DiscardAuditedAsync(ReasonCodes.RadiusBadMessageAuthenticator, source, client, "the Accounting-Request's Message-Authenticator does not verify.").ConfigureAwait(false);
        }

        return await _accounting.HandleAsync(packet, client, source).ConfigureAwait(false);
    }

    private async Task<byte[]?> DiscardAuditedAsync(string reasonCode, IPEndPoint source, RadiusClient client, string message)
    {
        Count(reasonCode, source.ToString(), message);
        await _audit.AppendAsync(
            new AuditEntry
            {
                Kind = RadiusAuditKinds.Discard,
                Result = AuditResults.Failure,
                Authenticator = "radius",
                ReasonCode = reasonCode,
                ClientAddress = source.Address.ToString(),
                Detail = $"client {client.Name}: {message}",
            },
            CancellationToken.None).ConfigureAwait(false);
        return null;
    }

    private byte[]? Count(string reasonCode, string source, string message)
    {
        _discarded.AddOrUpdate(reasonCode, 1, static (_, n) => n + 1);
        GatewayLog.Discarded(_logger, source, reasonCode, message);
        return null;
    }
}

/// <summary>Audit event kinds of the RADIUS server.</summary>
public static class RadiusAuditKinds
{
    /// <summary>An Accounting-Request (Start, Stop, Interim-Update, Accounting-On/Off) recorded.</summary>
    public const string Accounting = "radius-accounting";

    /// <summary>A request discarded for a missing or bad Message-Authenticator.</summary>
    public const string Discard = "radius-discard";
}
