using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace CarteAuth.Fido2.Tests.Metadata;

/// <summary>A test MDS PKI generated per test run: a root, a BLOB signing certificate, an expired one, and a foreign root.</summary>
internal sealed class MdsTestPki
{
    public static MdsTestPki Instance { get; } = new();

    private MdsTestPki()
    {
        var now = DateTimeOffset.UtcNow;
        RootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Root = CreateCa("CN=CarteAuth Test MDS Root, O=CarteAuth Tests", RootKey, now);
        OtherRoot = CreateCa("CN=CarteAuth Test Other Root, O=CarteAuth Tests", ECDsa.Create(ECCurve.NamedCurves.nistP256), now);
        SigningKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Signing = Issue("CN=CarteAuth Test MDS BLOB Signer", SigningKey, now.AddDays(-1), now.AddYears(1), 2);
        ExpiredKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Expired = Issue("CN=CarteAuth Test MDS Expired Signer", ExpiredKey, now.AddDays(-60), now.AddDays(-30), 3);
        RsaKey = RSA.Create(2048);
        var rsaRequest = new CertificateRequest("CN=CarteAuth Test MDS RSA Signer", RsaKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        RsaSigning = rsaRequest.Create(Root.SubjectName, X509SignatureGenerator.CreateForECDsa(RootKey), now.AddDays(-1), now.AddYears(1), [4]);
        AttestationRootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        AttestationRoot = CreateCa("CN=CarteAuth Test Authenticator Attestation Root", AttestationRootKey, now);
    }

    public ECDsa RootKey { get; }

    public X509Certificate2 Root { get; }

    public X509Certificate2 OtherRoot { get; }

    public ECDsa SigningKey { get; }

    public X509Certificate2 Signing { get; }

    public ECDsa ExpiredKey { get; }

    public X509Certificate2 Expired { get; }

    public RSA RsaKey { get; }

    public X509Certificate2 RsaSigning { get; }

    public ECDsa AttestationRootKey { get; }

    public X509Certificate2 AttestationRoot { get; }

    private static X509Certificate2 CreateCa(string subject, ECDsa key, DateTimeOffset now)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddDays(-365), now.AddYears(10));
    }

    private X509Certificate2 Issue(string subject, ECDsa key, DateTimeOffset from, DateTimeOffset to, byte serial)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        return request.Create(Root, from, to, [serial]);
    }
}

/// <summary>Builds metadata BLOB payloads and signs them as JWS compact serializations.</summary>
internal static class TestBlob
{
    public static readonly Guid Aaguid = Guid.Parse("0132d110-bf4e-4208-a403-ab4f5f12efe5");

    public static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    public static JsonObject Payload(long no, DateOnly nextUpdate, params JsonNode[] entries) => new()
    {
        ["legalHeader"] = "Test BLOB: not for production.",
        ["no"] = no,
        ["nextUpdate"] = nextUpdate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        ["entries"] = new JsonArray(entries),
    };

    public static JsonObject Entry(Guid aaguid, string description, params (string Status, string? Date, byte[]? Certificate)[] reports)
    {
        var statusReports = new JsonArray();
        foreach (var (status, date, certificate) in reports)
        {
            var report = new JsonObject { ["status"] = status };
            if (date is not null)
            {
                report["effectiveDate"] = date;
            }

            if (certificate is not null)
            {
                report["certificate"] = Convert.ToBase64String(certificate);
            }

            statusReports.Add(report);
        }

        return new JsonObject
        {
            ["aaguid"] = aaguid.ToString("D"),
            ["metadataStatement"] = new JsonObject
            {
                ["description"] = description,
                ["aaguid"] = aaguid.ToString("D"),
                ["schema"] = 3,
                ["attestationRootCertificates"] = new JsonArray(Convert.ToBase64String(MdsTestPki.Instance.AttestationRoot.RawData)),
            },
            ["statusReports"] = statusReports,
            ["timeOfLastStatusChange"] = "2024-01-15",
        };
    }

    public static JsonObject Certified(Guid aaguid, string description = "Test Key") => Entry(aaguid, description, ("FIDO_CERTIFIED_L1", "2024-01-15", null));

    /// <summary>A standard BLOB: one certified entry, <paramref name="no"/>, next update in 30 days.</summary>
    public static byte[] Standard(long no = 1, int nextUpdateDays = 30) =>
        SignEs256(Payload(no, Today.AddDays(nextUpdateDays), Certified(Aaguid)));

    public static byte[] SignEs256(JsonNode payload, X509Certificate2? signer = null, ECDsa? key = null, JsonObject? header = null) =>
        Sign(payload, "ES256", signer ?? MdsTestPki.Instance.Signing, data => (key ?? MdsTestPki.Instance.SigningKey).SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation), header);

    public static byte[] SignRsa(JsonNode payload, string alg)
    {
        var padding = alg.StartsWith('P') ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
        return Sign(payload, alg, MdsTestPki.Instance.RsaSigning, data => MdsTestPki.Instance.RsaKey.SignData(data, HashAlgorithmName.SHA256, padding));
    }

    public static byte[] Sign(JsonNode payload, string alg, X509Certificate2 signer, Func<byte[], byte[]> sign, JsonObject? header = null)
    {
        header ??= new JsonObject { ["alg"] = alg, ["typ"] = "JWT", ["x5c"] = new JsonArray(Convert.ToBase64String(signer.RawData)) };
        return SignText(header.ToJsonString(), payload.ToJsonString(), sign);
    }

    /// <summary>A BLOB with a header given as raw JSON text (e.g. with duplicate members), signed by the test signer.</summary>
    public static byte[] SignRawHeader(string header, JsonNode payload) =>
        SignText(header, payload.ToJsonString(), data => MdsTestPki.Instance.SigningKey.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

    private static byte[] SignText(string header, string payload, Func<byte[], byte[]> sign)
    {
        var signingInput = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
        var signature = sign(Encoding.ASCII.GetBytes(signingInput));
        return Encoding.ASCII.GetBytes(signingInput + "." + Base64Url.EncodeToString(signature));
    }
}

/// <summary>A loopback HTTP server on 127.0.0.1 serving one configurable BLOB answer, counting requests (bounded).</summary>
internal sealed class BlobServer : IDisposable
{
    private const int MaxRequests = 200;
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private int _requests;

    public BlobServer(byte[]? body = null)
    {
        Body = body;
        for (var attempt = 0; ; attempt++)
        {
            var port = CarteAuth.Testing.LoopbackPorts.Free();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                _listener.Start();
                Url = new Uri($"http://127.0.0.1:{port}/mds3/blob.jwt");
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }

        _loop = Task.Run(LoopAsync);
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>What is served; null answers 503.</summary>
    public byte[]? Body { get; set; }

    public int StatusCode { get; set; } = 200;

    /// <summary>Other documents served by path (e.g. CRLs), always with 200.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> Documents { get; } = new(StringComparer.Ordinal);

    public TimeSpan Delay { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening && Requests < MaxRequests)
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

            Interlocked.Increment(ref _requests);
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay);
            }

            if (Documents.TryGetValue(context.Request.Url!.AbsolutePath, out var document))
            {
                context.Response.StatusCode = 200;
                context.Response.ContentLength64 = document.Length;
                await context.Response.OutputStream.WriteAsync(document);
                context.Response.Close();
                return;
            }

            var body = Body;
            context.Response.StatusCode = body is null ? 503 : StatusCode;
            context.Response.ContentType = "application/jwt";
            if (body is not null)
            {
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
            }

            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException or InvalidOperationException)
        {
        }
    }
}
