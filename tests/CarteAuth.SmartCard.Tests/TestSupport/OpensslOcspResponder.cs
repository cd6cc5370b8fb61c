using System.Net;

namespace CarteAuth.SmartCard.Tests.TestSupport;

/// <summary>
/// openssl's OCSP responder on 127.0.0.1 only. <c>openssl ocsp -port</c> listens on every interface, so the HTTP
/// side is a loopback HttpListener and each request is answered by <c>openssl ocsp -index … -reqin … -respout …</c>:
/// openssl reads the index, builds and signs every response. Bounded in requests; stopped on dispose.
/// </summary>
internal sealed class OpensslOcspResponder : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _dir;
    private readonly string[] _responderArgs;
    private readonly Task _loop;
    private readonly int _maxRequests;
    private int _requests;

    /// <param name="pkiDir">A folder written by DevPki.WriteTo (index.txt, ocsp-responder.pem/.key.pem, intermediate.pem).</param>
    /// <param name="maxRequests">Requests served before the responder stops answering (bounded tests).</param>
    /// <param name="signerCert">Responder certificate to sign with (default the PKI's responder).</param>
    /// <param name="signerKey">Its key.</param>
    /// <param name="port">The loopback port to listen on (a free one when null), e.g. the port of a responder that went down.</param>
    public OpensslOcspResponder(string pkiDir, int maxRequests = 50, string? signerCert = null, string? signerKey = null, int? port = null)
    {
        _dir = pkiDir;
        _maxRequests = maxRequests;
        _responderArgs =
        [
            "-index", Path.Combine(pkiDir, "index.txt"), "-CA", Path.Combine(pkiDir, "intermediate.pem"),
            "-rsigner", signerCert ?? Path.Combine(pkiDir, "ocsp-responder.pem"), "-rkey", signerKey ?? Path.Combine(pkiDir, "ocsp-responder.key.pem"),
        ];
        Port = port ?? FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public int Requests => Volatile.Read(ref _requests);

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

            using (context.Response)
            {
                if (Interlocked.Increment(ref _requests) > _maxRequests)
                {
                    context.Response.StatusCode = 503;
                    continue;
                }

                var id = Guid.NewGuid().ToString("N");
                var request = Path.Combine(_dir, $"req-{id}.der");
                var response = Path.Combine(_dir, $"resp-{id}.der");
                await using (var file = File.Create(request))
                {
                    await context.Request.InputStream.CopyToAsync(file);
                }

                var (code, output) = Openssl.Run(["ocsp", .. _responderArgs, "-reqin", request, "-respout", response, "-nmin", "10"]);
                if (code != 0 || !File.Exists(response))
                {
                    context.Response.StatusCode = 500;
                    await context.Response.OutputStream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(output));
                    continue;
                }

                context.Response.ContentType = "application/ocsp-response";
                var bytes = await File.ReadAllBytesAsync(response);
                await context.Response.OutputStream.WriteAsync(bytes);
                File.Delete(request);
                File.Delete(response);
            }
        }
    }

    private static int FreePort() => CarteAuth.Testing.LoopbackPorts.Free();

    public async ValueTask DisposeAsync()
    {
        // Close only: Stop then Close makes HttpListener re-bind its port for a moment ("address already in use" in the next test).
        _listener.Close();
        await _loop.ConfigureAwait(false);
    }
}
