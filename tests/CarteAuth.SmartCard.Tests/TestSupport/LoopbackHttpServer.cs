using System.Net;

namespace CarteAuth.SmartCard.Tests.TestSupport;

/// <summary>
/// A tiny HTTP server on 127.0.0.1 only (serves a CRL, garbage, an error status or a recorded OCSP answer). Bounded in
/// requests (beyond the limit it answers 503), counts them to prove caching, stopped on dispose.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly int _maxRequests;
    private int _requests;

    /// <param name="maxRequests">Requests answered before it answers 503.</param>
    /// <param name="port">The loopback port to listen on (a free one when null), e.g. the port of a server that went down.</param>
    public LoopbackHttpServer(int maxRequests = 20, int? port = null)
    {
        _maxRequests = maxRequests;
        Port = port ?? FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public Uri UrlFor(string path) => new(Url, path);

    /// <summary>The body served (status 200).</summary>
    public byte[] Body { get; set; } = [];

    /// <summary>The status served (200 by default).</summary>
    public int StatusCode { get; set; } = 200;

    /// <summary>A delay before answering (to provoke client timeouts).</summary>
    public TimeSpan Delay { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>A loopback port nothing listens on (taken then released).</summary>
    public static int FreePort() => CarteAuth.Testing.LoopbackPorts.Free();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            using (context.Response)
            {
                if (Interlocked.Increment(ref _requests) > _maxRequests)
                {
                    context.Response.StatusCode = 503;
                    return;
                }

                if (Delay > TimeSpan.Zero)
                {
                    await Task.Delay(Delay);
                }

                context.Response.KeepAlive = false; // no pooled connection outlives this server (ports are reused between tests)
                context.Response.StatusCode = StatusCode;
                var body = Body;
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
            }
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            // client went away (timeout tests)
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Close only: Stop() then Close() makes the managed HttpListener remove its prefixes twice, and the second
        // removal binds the port again, failing with "Address already in use" when another server took it meanwhile.
        _listener.Close();
        await _loop.ConfigureAwait(false);
    }
}
