using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using CarteAuth.AspNetCore;
using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Stores;
using CarteAuth.Fido2.Tests.TestSupport;
using CarteAuth.Gateway;
using CarteAuth.Pairing;
using CarteAuth.SmartCard.Development;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CarteAuth.LoadTest;

/// <summary>
/// Load and no loss (issue 8): N virtual users for a bounded time (and a bounded request count) against a real
/// single-node CarteAuth host on 127.0.0.1 (HTTPS with optional client certificates, the ASP.NET Core session handler
/// and login endpoints, card login over mTLS with a dev PKI made at run time and its CRL, FIDO2 registration and
/// sign-in with a software authenticator, HOSPI-Connect pairing, the gateway's forward-auth <c>/carteauth/authz</c>,
/// and the durable SQLite stores: audit, sessions, credentials, pairings). Every attempt carries its own
/// <c>X-Request-Id</c> (<see cref="CarteAuthOptions.CorrelationIdHeader"/>). After a clean stop the stores are
/// reopened and checked: every attempt has exactly one audit event with its outcome, no event lacks an attempt, the
/// hash chain verifies, every session and credential the clients got is stored exactly once, every card holder is
/// paired once. Prints requests, errors and latency per kind; exits 1 on any violation or error.
/// Usage: <c>dotnet run -c Release --project benchmarks/CarteAuth.LoadTest -- [--users 32] [--duration 60]
/// [--max-requests 500000] [--seed 1]</c> (no user starts a new iteration once <c>--max-requests</c> requests were sent).
/// </summary>
public static class Program
{
    /// <summary>The header each request's correlation id travels in (<see cref="CarteAuthOptions.CorrelationIdHeader"/>).</summary>
    internal const string RequestIdHeader = "X-Request-Id";

    public static async Task<int> Main(string[] args)
    {
        var users = int.Parse(Arg(args, "--users", "32"), CultureInfo.InvariantCulture);
        var duration = TimeSpan.FromSeconds(double.Parse(Arg(args, "--duration", "60"), CultureInfo.InvariantCulture));
        var maxRequests = long.Parse(Arg(args, "--max-requests", "500000"), CultureInfo.InvariantCulture);
        var seed = int.Parse(Arg(args, "--seed", "1"), CultureInfo.InvariantCulture);
        var root = Path.Combine(Environment.GetEnvironmentVariable("CARTEAUTH_ARTIFACTS") ?? Path.GetTempPath(), "load-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            return await RunAsync(users, duration, maxRequests, seed, root);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<int> RunAsync(int users, TimeSpan duration, long maxRequests, int seed, string root)
    {
        using var pki = DevPki.CreateWithStandardCards(new DevPkiOptions { Now = DateTimeOffset.UtcNow.AddDays(-1) });
        using var foreignPki = DevPki.CreateWithStandardCards(new DevPkiOptions { Now = DateTimeOffset.UtcNow.AddDays(-1) });
        var nurse = Card(pki, "nurse");
        pki.Revoke(nurse);
        using var serverCertificate = ServerCertificate();
        var paths = new StorePaths(root);

        await using var crl = await CrlServer.StartAsync(pki.BuildCrl());
        var host = await LoadHost.StartAsync(pki, serverCertificate, crl.Url, paths);
        var load = new LoadRun(host.Address, serverCertificate, pki, foreignPki, seed);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Load and no loss: {users} virtual users, {duration.TotalSeconds:F0} s, at most {maxRequests} requests, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}, load average before {LoadAverage()}"));
        string loadDuring;
        TimeSpan elapsed;
        try
        {
            (loadDuring, elapsed) = await load.RunAsync(users, duration, maxRequests);
        }
        finally
        {
            // A clean stop: Kestrel drains, the stores flush and close; the checks read the files afterwards.
            await host.DisposeAsync();
            load.Dispose();
        }

        var report = new List<string>();
        await Verifier.VerifyAsync(load, paths, report);
        load.Print(elapsed, loadDuring);
        Console.WriteLine();
        if (report.Count == 0 && load.Errors == 0)
        {
            Console.WriteLine("No loss: every attempt has exactly one audit event with its outcome, no event without an attempt, the hash chain verifies, every session, credential and pairing is stored exactly once.");
            return 0;
        }

        Console.WriteLine($"FAILED: {load.Errors} request errors, {report.Count} violations:");
        foreach (var line in report.Take(50))
        {
            Console.WriteLine("  " + line);
        }

        return 1;
    }

    internal static DevCard Card(DevPki pki, string name) => pki.Cards.Single(c => c.Spec.Name == name);

    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    /// <summary>A self-signed server certificate for 127.0.0.1, made at run time; the clients pin it.</summary>
    private static X509Certificate2 ServerCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=carteauth-load", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}

/// <summary>The durable files of the single node.</summary>
internal sealed record StorePaths(string Root)
{
    public string Audit => Path.Combine(Root, "audit.db");

    public string Sessions => Path.Combine(Root, "sessions.db");

    public string Credentials => Path.Combine(Root, "credentials.db");

    public string Pairings => Path.Combine(Root, "pairings.db");
}

/// <summary>The CRL distribution point of the dev PKI: plain HTTP on 127.0.0.1, as IGC-Santé's are.</summary>
internal sealed class CrlServer(WebApplication app, Uri url) : IAsyncDisposable
{
    public Uri Url { get; } = url;

    public static async Task<CrlServer> StartAsync(byte[] crl)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/dev.crl", () => Results.Bytes(crl, "application/pkix-crl"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new CrlServer(app, new Uri(new Uri(address), "/dev.crl"));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>The CarteAuth node under load, configured as a single-node deployment (SQLite files).</summary>
internal sealed class LoadHost(WebApplication app, Uri address) : IAsyncDisposable
{
    public Uri Address { get; } = address;

    public static async Task<LoadHost> StartAsync(DevPki pki, X509Certificate2 serverCertificate, Uri crlUrl, StorePaths paths)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();

        // Errors only (a refused login is a warning): none is expected; each is printed with its exception.
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Error);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(serverCertificate, o =>
        {
            // mTLS for the card login: TLS proves possession of the card's key; trust is the smart card authenticator's job.
            o.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            o.AllowAnyClientCertificate();
        })));
        builder.Services.AddCarteAuthSqliteAudit(o => o.Path = paths.Audit);
        builder.Services.AddCarteAuthPolicy("acces-distant", b => b.RequireAssurance(AssuranceLevel.Substantial));
        builder.Services.AddCarteAuthPolicy("dossier-patient", b => b.RequireAssurance(AssuranceLevel.High).RequireMethods(AuthenticationMethods.Pin).RequirePhishingResistant());
        builder.Services.AddCarteAuthPolicy("pharmacie", b => b.RequireProfession("21"));
        // Every virtual user comes from 127.0.0.1: the default per-source limit (30 failures in 15 minutes) would refuse
        // the whole load after its first deliberate failures. Per-identity limits stay at their defaults (the failing
        // key logins use a new credential id each time, the failing card logins have no identity).
        builder.Services.AddCarteAuthAttemptLimits(o => o.MaxFailuresPerSource = 100_000);
        builder.Services.AddCarteAuth(o =>
            {
                o.SigningKeys = SigningKeyRing.Create(SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, "load-1"));
                o.CorrelationIdHeader = Program.RequestIdHeader;
            })
            .UseSqliteSessionStore(o => o.Path = paths.Sessions)
            .AddPairing(o => o.StorePath = paths.Pairings)
            .AddSmartCard(
                o =>
                {
                    o.TrustAnchors.Add(pki.Root);
                    o.Intermediates.Add(pki.Intermediate);
                },
                b => b.AddCrlRevocation(o => o.CrlUrl = crlUrl))
            .AddFido2(
                o =>
                {
                    o.RpId = SoftAuthenticator.DefaultRpId;
                    o.RpName = "CHU CarteAuth";
                    o.Origins.Add(SoftAuthenticator.DefaultOrigin);
                },
                f => f.UseSqliteCredentialStore(paths.Credentials))
            .AddForwardAuth(o =>
            {
                o.Routes.Add(new ForwardAuthRoute { PathPrefix = "/dossier", Policy = "dossier-patient" });
                o.Routes.Add(new ForwardAuthRoute { PathPrefix = "/pharmacie", Policy = "pharmacie" });
                o.DefaultPolicy = "acces-distant";
                o.UpstreamAudience = "dpi.chu.fr";
            });
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapCarteAuth();
        app.MapCarteAuthForwardAuth();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LoadHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>What the client did and saw for one request, and the audit event it must have.</summary>
internal sealed record Attempt(string Id, string Kind, int Status, string? Reason, string? Subject)
{
    /// <summary>The audit kind of its event (authentication, policy decision), null for requests that record none (ceremony options).</summary>
    public string? AuditKind { get; init; }

    /// <summary>The audit result its event must have.</summary>
    public string? AuditResult { get; init; }

    public string? SessionId { get; init; }

    public string? CredentialId { get; init; }
}

/// <summary>The virtual users and what they saw.</summary>
internal sealed class LoadRun : IDisposable
{
    private readonly Uri _address;
    private readonly int _seed;
    private readonly Dictionary<string, HttpClient> _cards = new(StringComparer.Ordinal);
    private readonly HttpClient _noCard;
    private readonly HttpClient _revoked;
    private readonly HttpClient _foreign;
    private readonly ConcurrentDictionary<string, ConcurrentBag<double>> _latencies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _errorsByKind = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<string> _errorSamples = [];
    private long _requests;
    private long _errors;

    public LoadRun(Uri address, X509Certificate2 serverCertificate, DevPki pki, DevPki foreignPki, int seed)
    {
        _address = address;
        _seed = seed;
        foreach (var name in CardHolders)
        {
            _cards[name] = Client(serverCertificate, Program.Card(pki, name).Certificate);
        }

        _noCard = Client(serverCertificate, null);
        _revoked = Client(serverCertificate, Program.Card(pki, "nurse").Certificate);
        _foreign = Client(serverCertificate, Program.Card(foreignPki, "doctor").Certificate);
    }

    /// <summary>The cards that sign in (the nurse's is revoked).</summary>
    public static readonly string[] CardHolders = ["doctor", "pharmacist", "staff"];

    public ConcurrentQueue<Attempt> Attempts { get; } = new();

    public long Errors => Interlocked.Read(ref _errors);

    public async Task<(string LoadAverages, TimeSpan Elapsed)> RunAsync(int users, TimeSpan duration, long maxRequests)
    {
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(duration);
        var samples = new List<string>();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                samples.Add(Program.LoadAverage().Split(' ')[0]);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
        var workers = Enumerable.Range(0, users).Select(i => Task.Run(() => UserAsync(i, stop.Token, maxRequests))).ToArray();
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        await sampler;
        samples.Add(Program.LoadAverage().Split(' ')[0]);
        return (string.Join(", ", samples), elapsed);
    }

    /// <summary>One virtual user: a card login, a key registered with it, then a loop of authorizations and logins.</summary>
    private async Task UserAsync(int index, CancellationToken stop, long maxRequests)
    {
        var random = new Random(_seed * 1000 + index);
        var holder = CardHolders[index % CardHolders.Length];
        var subject = holder switch { "doctor" => "810002813839", "pharmacist" => "899700075122", _ => "500000000029751/CPAT0001" };
        var sequence = 0;
        string NextId() => $"ld-{index:D3}-{++sequence:D6}";
        using var key = new SoftAuthenticator();
        using var unknownKey = new SoftAuthenticator();
        byte[]? userHandle = null;
        string? cardSession = null;
        string? keySession = null;
        var registered = 0;
        try
        {
            cardSession = await CardLoginAsync(NextId(), "card-login", _cards[holder], subject, 200);
            if (cardSession is not null)
            {
                userHandle = await RegisterAsync(NextId(), cardSession, key, subject);
                registered += userHandle is null ? 0 : 1;
            }

            while (!stop.IsCancellationRequested && Interlocked.Read(ref _requests) < maxRequests)
            {
                var roll = random.Next(100);
                if (roll < 50 && cardSession is not null)
                {
                    // The card session on the record route (high, PIN, phishing-resistant): allowed.
                    await AuthzAsync(NextId(), "authz-allow", cardSession, "/dossier/" + random.Next(1000), subject, 200, AuditResults.Allow);
                }
                else if (roll < 60 && cardSession is not null)
                {
                    // The pharmacy route asks for profession 21: the pharmacist passes, the others are denied.
                    var pharmacist = holder == "pharmacist";
                    await AuthzAsync(NextId(), pharmacist ? "authz-allow" : "authz-deny", cardSession, "/pharmacie/stock", subject, pharmacist ? 200 : 403, pharmacist ? AuditResults.Allow : AuditResults.Deny);
                }
                else if (roll < 68 && keySession is not null)
                {
                    // The key alone is substantial: the record route asks to step up, the default route allows.
                    await AuthzAsync(NextId(), "authz-step-up", keySession, "/dossier/1", subject, 401, AuditResults.StepUp);
                    await AuthzAsync(NextId(), "authz-allow", keySession, "/intranet", subject, 200, AuditResults.Allow);
                }
                else if (roll < 72)
                {
                    await AuthzAsync(NextId(), "authz-anonymous", null, "/dossier/2", null, 401, AuditResults.StepUp);
                }
                else if (roll < 80)
                {
                    cardSession = await CardLoginAsync(NextId(), "card-login", _cards[holder], subject, 200) ?? cardSession;
                }
                else if (roll < 83)
                {
                    await CardLoginAsync(NextId(), "card-login-revoked", _revoked, "810100507788", 401, ReasonCodes.CertRevoked);
                }
                else if (roll < 85)
                {
                    await CardLoginAsync(NextId(), "card-login-foreign", _foreign, "810002813839", 401, ReasonCodes.CertUntrustedChain);
                }
                else if (roll < 86)
                {
                    await CardLoginAsync(NextId(), "card-login-no-card", _noCard, null, 401, ReasonCodes.CertMissing);
                }
                else if (roll < 94 && userHandle is not null)
                {
                    keySession = await KeyLoginAsync(NextId(), "fido2-login", key, userHandle, subject, 200) ?? keySession;
                }
                else if (roll < 97)
                {
                    // A new unknown credential id each time: the same one would be locked out by the attempt limiter after
                    // 5 failures (per identity, the credential id), which tests/CarteAuth.AspNetCore.Tests/BruteForceTests covers.
                    unknownKey.CredentialId = RandomNumberGenerator.GetBytes(32);
                    await KeyLoginAsync(NextId(), "fido2-login-unknown-key", unknownKey, RandomNumberGenerator.GetBytes(16), null, 401);
                }
                else if (roll < 98 && cardSession is not null && registered < 3)
                {
                    using var another = new SoftAuthenticator();
                    registered += await RegisterAsync(NextId(), cardSession, another, subject) is null ? 0 : 1;
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Error("user", $"virtual user {index} stopped: {e.GetType().Name}: {e.Message}");
        }
    }

    private async Task<string?> CardLoginAsync(string id, string kind, HttpClient client, string? subject, int expected, string? expectedReason = null)
    {
        using var request = Request(HttpMethod.Get, "/carteauth/login/card?returnUrl=%2F", id);
        var (response, body) = await SendAsync(kind, client, request);
        if (response is null)
        {
            return null;
        }

        using (response)
        {
            var reason = Reason(response);
            var ok = response.StatusCode == HttpStatusCode.OK;
            string? sessionId = null;
            string? token = null;
            if (ok)
            {
                sessionId = JsonDocument.Parse(body).RootElement.GetProperty("sessionId").GetString();
                token = SessionCookie(response);
            }

            Record(new Attempt(id, kind, (int)response.StatusCode, reason, subject)
            {
                AuditKind = AuditEventKinds.Authentication,
                AuditResult = ok ? AuditResults.Success : AuditResults.Failure,
                SessionId = sessionId,
            }, expected, expectedReason, ok && (sessionId is null || token is null) ? "no session id or cookie" : null);
            return token is null ? null : token + "|" + sessionId;
        }
    }

    /// <summary>FIDO2 registration of <paramref name="key"/> with a card session: options, then verify (audited, kind <c>fido2-registration</c>).</summary>
    private async Task<byte[]?> RegisterAsync(string id, string session, SoftAuthenticator key, string subject)
    {
        using var optionsRequest = Request(HttpMethod.Post, "/carteauth/fido2/register/options", id + "-o", session);
        var (optionsResponse, optionsBody) = await SendAsync("fido2-register-options", _noCard, optionsRequest);
        if (optionsResponse is null)
        {
            return null;
        }

        using (optionsResponse)
        {
            Record(new Attempt(id + "-o", "fido2-register-options", (int)optionsResponse.StatusCode, Reason(optionsResponse), subject), 200, null, null);
            if (optionsResponse.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }
        }

        var options = JsonDocument.Parse(optionsBody).RootElement;
        var userHandle = System.Buffers.Text.Base64Url.DecodeFromChars(options.GetProperty("user").GetProperty("id").GetString());
        var registration = key.Register(options.GetProperty("challenge").GetString()!);
        using var verify = Request(HttpMethod.Post, "/carteauth/fido2/register/verify", id, session);
        verify.Content = new StringContent(WebAuthnJson.Serialize(registration), Encoding.UTF8, "application/json");
        var (response, body) = await SendAsync("fido2-register", _noCard, verify);
        if (response is null)
        {
            return null;
        }

        using (response)
        {
            var ok = response.StatusCode == HttpStatusCode.OK;
            var credentialId = ok ? JsonDocument.Parse(body).RootElement.GetProperty("credentialId").GetString() : null;
            Record(new Attempt(id, "fido2-register", (int)response.StatusCode, Reason(response), subject)
            {
                AuditKind = Kinds.Fido2Registration,
                AuditResult = ok ? AuditResults.Success : AuditResults.Failure,
                SessionId = SessionId(session),
                CredentialId = credentialId,
            }, 200, null, ok && credentialId != SoftAuthenticator.Base64Url(key.CredentialId) ? "credential id differs from the key's" : null);
            return ok ? userHandle : null;
        }
    }

    /// <summary>FIDO2 sign-in: options (no audit event), then verify (audited, kind <c>authentication</c>).</summary>
    private async Task<string?> KeyLoginAsync(string id, string kind, SoftAuthenticator key, byte[] userHandle, string? subject, int expected)
    {
        using var optionsRequest = Request(HttpMethod.Post, "/carteauth/fido2/login/options", id + "-o");
        var (optionsResponse, optionsBody) = await SendAsync("fido2-login-options", _noCard, optionsRequest);
        if (optionsResponse is null)
        {
            return null;
        }

        using (optionsResponse)
        {
            Record(new Attempt(id + "-o", "fido2-login-options", (int)optionsResponse.StatusCode, Reason(optionsResponse), null), 200, null, null);
            if (optionsResponse.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }
        }

        var assertion = key.Assert(JsonDocument.Parse(optionsBody).RootElement.GetProperty("challenge").GetString()!, userHandle);
        using var verify = Request(HttpMethod.Post, "/carteauth/fido2/login/verify?returnUrl=%2F", id);
        verify.Content = new StringContent(WebAuthnJson.Serialize(assertion), Encoding.UTF8, "application/json");
        var (response, body) = await SendAsync(kind, _noCard, verify);
        if (response is null)
        {
            return null;
        }

        using (response)
        {
            var ok = response.StatusCode == HttpStatusCode.OK;
            var sessionId = ok ? JsonDocument.Parse(body).RootElement.GetProperty("sessionId").GetString() : null;
            var token = ok ? SessionCookie(response) : null;
            Record(new Attempt(id, kind, (int)response.StatusCode, Reason(response), subject)
            {
                AuditKind = AuditEventKinds.Authentication,
                AuditResult = ok ? AuditResults.Success : AuditResults.Failure,
                SessionId = sessionId,
            }, expected, expected == 200 ? null : ReasonCodes.WebAuthnUnknownCredential, ok && (sessionId is null || token is null) ? "no session id or cookie" : null);
            return token is null ? null : token + "|" + sessionId;
        }
    }

    /// <summary>Forward auth as nginx's <c>auth_request</c> asks it: the original URI and the browser's cookie.</summary>
    private async Task AuthzAsync(string id, string kind, string? session, string uri, string? subject, int expected, string auditResult)
    {
        using var request = Request(HttpMethod.Get, ForwardAuthDefaults.Path, id, session);
        request.Headers.Add("X-Original-URI", uri);
        request.Headers.Add("X-Original-Method", "GET");
        var (response, _) = await SendAsync(kind, _noCard, request);
        if (response is null)
        {
            return;
        }

        using (response)
        {
            var ok = response.StatusCode == HttpStatusCode.OK;
            Record(new Attempt(id, kind, (int)response.StatusCode, Reason(response), subject)
            {
                AuditKind = AuditEventKinds.PolicyDecision,
                AuditResult = auditResult,
            }, expected, null, ok && !response.Headers.Contains(ForwardAuthDefaults.AssertionHeader) ? "allowed without an assertion" : null);
        }
    }

    private HttpRequestMessage Request(HttpMethod method, string path, string id, string? session = null)
    {
        var request = new HttpRequestMessage(method, new Uri(_address, path));
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Add(Program.RequestIdHeader, id);
        if (session is not null)
        {
            request.Headers.Add("Cookie", session[..session.IndexOf('|', StringComparison.Ordinal)]);
        }

        return request;
    }

    private static string SessionId(string session) => session[(session.IndexOf('|', StringComparison.Ordinal) + 1)..];

    /// <summary>The session cookie (<c>name=value</c>) the response sets.</summary>
    private static string? SessionCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.Select(v => v.Split(';')[0]).FirstOrDefault(v => v.StartsWith(CarteAuthDefaults.HostCookiePrefix + CarteAuthDefaults.CookieName + "=", StringComparison.Ordinal))
            : null;

    private static string? Reason(HttpResponseMessage response) =>
        response.Headers.TryGetValues(CarteAuthDefaults.ReasonHeader, out var values) ? values.FirstOrDefault() : null;

    private async Task<(HttpResponseMessage? Response, string Body)> SendAsync(string kind, HttpClient client, HttpRequestMessage request)
    {
        Interlocked.Increment(ref _requests);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            _latencies.GetOrAdd(kind, _ => []).Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return (response, body);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            _latencies.GetOrAdd(kind, _ => []).Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Error(kind, $"{kind} {request.Headers.GetValues(Program.RequestIdHeader).First()}: transport error {e.GetType().Name}: {e.Message}");
            return (null, string.Empty);
        }
    }

    private void Record(Attempt attempt, int expectedStatus, string? expectedReason, string? problem)
    {
        Attempts.Enqueue(attempt);
        if (attempt.Status != expectedStatus || (expectedReason is not null && attempt.Reason != expectedReason) || problem is not null)
        {
            Error(attempt.Kind, $"{attempt.Kind} {attempt.Id}: status {attempt.Status} reason {attempt.Reason ?? "-"} (expected {expectedStatus} {expectedReason ?? ""}) {problem}");
        }
    }

    private void Error(string kind, string message)
    {
        Interlocked.Increment(ref _errors);
        _errorsByKind.AddOrUpdate(kind, 1, (_, n) => n + 1);
        if (_errorSamples.Count < 20)
        {
            _errorSamples.Add(message);
        }
    }

    public void Print(TimeSpan elapsed, string loadDuring)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Interlocked.Read(ref _requests)} requests in {elapsed.TotalSeconds:F1} s (first request to last response), load average (1 min) sampled during the run: {loadDuring}"));
        Console.WriteLine();
        Console.WriteLine("| Request kind | requests | errors | p50 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        long total = 0;
        var all = new List<double>();
        foreach (var (kind, bag) in _latencies.OrderByDescending(k => k.Value.Count))
        {
            var sorted = bag.Order().ToArray();
            total += sorted.Length;
            all.AddRange(sorted);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {kind} | {sorted.Length} | {_errorsByKind.GetValueOrDefault(kind)} | {Percentile(sorted, 0.50):F1} | {Percentile(sorted, 0.99):F1} | {sorted[^1]:F1} |"));
        }

        var allSorted = all.Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| **all** | {total} | {Errors} | {Percentile(allSorted, 0.50):F1} | {Percentile(allSorted, 0.99):F1} | {(allSorted.Length == 0 ? 0 : allSorted[^1]):F1} |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Requests/s: {total / elapsed.TotalSeconds:F0}; request errors (transport or unexpected status): {Errors}"));
        foreach (var sample in _errorSamples.Take(20))
        {
            Console.WriteLine("  error: " + sample);
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static HttpClient Client(X509Certificate2 serverCertificate, X509Certificate2? card)
    {
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetRawCertData().AsSpan().SequenceEqual(serverCertificate.RawData),
                ClientCertificates = card is null ? null : [card],
                LocalCertificateSelectionCallback = card is null ? null : (_, _, _, _, _) => card,
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public void Dispose()
    {
        foreach (var client in _cards.Values)
        {
            client.Dispose();
        }

        _noCard.Dispose();
        _revoked.Dispose();
        _foreign.Dispose();
    }
}

/// <summary>The checks on the stores after the clean stop.</summary>
internal static class Verifier
{
    public static async Task VerifyAsync(LoadRun load, StorePaths paths, List<string> report)
    {
        var attempts = load.Attempts.ToList();
        var events = new List<AuditEvent>();
        await using (var audit = await SqliteAuditStore.OpenAsync(new SqliteAuditStoreOptions { Path = paths.Audit, ReadOnly = true }))
        {
            var chain = await AuditChainVerifier.VerifyAsync(audit);
            Console.WriteLine($"Audit chain: {(chain.IsValid ? "valid" : "BROKEN")}, {chain.EventsChecked} events checked");
            if (!chain.IsValid)
            {
                report.Add($"audit chain broken at {chain.BrokenAtSequence}: {chain.ReasonCode} {chain.Message}");
            }

            await foreach (var e in audit.ReadAsync())
            {
                events.Add(e);
            }
        }

        CheckAttempts(attempts, events, report);

        // Negative control, so a vacuous check cannot pass: the same events against the attempts with one audited
        // attempt left out (its event then has no attempt) and one invented (it then has no event) must give 2 violations.
        var audited = attempts.Where(a => a.AuditKind is AuditEventKinds.Authentication or AuditEventKinds.PolicyDecision).ToList();
        if (audited.Count >= 2)
        {
            var baseline = new List<string>();
            CheckAttempts(attempts, events, baseline);
            var control = new List<string>();
            CheckAttempts([.. attempts.Where(a => a != audited[0]), audited[1] with { Id = audited[1].Id + "-copy" }], events, control);
            Console.WriteLine($"Negative control (one attempt dropped, one invented): {control.Count - baseline.Count} more violations found (expected 2)");
            if (control.Count - baseline.Count != 2)
            {
                report.Add($"the checker found {control.Count - baseline.Count} more violations in its negative control instead of 2: {string.Join("; ", control.Except(baseline))}");
            }
        }

        var uncorrelated = events.Count(e => e.Kind is AuditEventKinds.Authentication or AuditEventKinds.PolicyDecision && e.CorrelationId is null);
        if (uncorrelated > 0)
        {
            report.Add($"{uncorrelated} authentication/decision events without a correlation id");
        }

        // Sessions: one `session started` event and one stored session for each session a client got, no other.
        var sessions = attempts.Where(a => a.SessionId is not null && a.AuditKind == AuditEventKinds.Authentication).ToList();
        var started = events.Where(e => e.Kind == CarteAuthDefaults.SessionAuditKind && e.Result == "started").GroupBy(e => e.CorrelationId ?? "", StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var s in sessions)
        {
            if (started.GetValueOrDefault(s.SessionId!) != 1)
            {
                report.Add($"session {s.SessionId} ({s.Id}): {started.GetValueOrDefault(s.SessionId!)} `started` audit events (expected 1)");
            }
        }

        if (started.Keys.Except(sessions.Select(s => s.SessionId!), StringComparer.Ordinal).ToList() is { Count: > 0 } extraStarted)
        {
            report.Add($"{extraStarted.Count} `session started` events for sessions no client got (e.g. {extraStarted[0]})");
        }

        var sessionStore = new SqliteCarteAuthSessionStore(new SqliteSessionStoreOptions { Path = paths.Sessions });
        foreach (var s in sessions)
        {
            var stored = await sessionStore.GetAsync(s.SessionId!);
            if (stored is null || stored.NationalId != s.Subject)
            {
                report.Add($"session {s.SessionId} ({s.Id}) of {s.Subject}: {(stored is null ? "not in the session store" : "stored for " + stored.NationalId)}");
            }
        }

        foreach (var group in sessions.GroupBy(s => s.Subject!, StringComparer.Ordinal))
        {
            var stored = await sessionStore.ListAsync(group.Key);
            var ids = stored.Select(s => s.Id).ToList();
            if (ids.Count != ids.Distinct(StringComparer.Ordinal).Count() || ids.Count != group.Count())
            {
                report.Add($"{group.Key}: {ids.Count} sessions stored ({ids.Distinct(StringComparer.Ordinal).Count()} distinct), the clients got {group.Count()}");
            }
        }

        // Credentials: one registration event and one stored credential for each key a client registered.
        var registrations = attempts.Where(a => a.CredentialId is not null).ToList();
        var registrationEvents = events.Where(e => e.Kind == Kinds.Fido2Registration).ToList();
        foreach (var r in registrations)
        {
            var n = registrationEvents.Count(e => e.Detail == "credential " + r.CredentialId && e.CorrelationId == r.SessionId && e.Result == AuditResults.Success);
            if (n != 1)
            {
                report.Add($"registration {r.Id} of {r.CredentialId}: {n} audit events (expected 1)");
            }
        }

        if (registrationEvents.Count != attempts.Count(a => a.AuditKind == Kinds.Fido2Registration))
        {
            report.Add($"{registrationEvents.Count} registration audit events for {attempts.Count(a => a.AuditKind == Kinds.Fido2Registration)} registration attempts");
        }

        var credentials = new SqliteFido2CredentialStore(paths.Credentials);
        foreach (var r in registrations)
        {
            var stored = await credentials.FindAsync(System.Buffers.Text.Base64Url.DecodeFromChars(r.CredentialId));
            if (stored is null || stored.Owner.NationalId.Value != r.Subject)
            {
                report.Add($"credential {r.CredentialId} ({r.Id}): {(stored is null ? "not in the credential store" : "stored for " + stored.Owner.NationalId.Value)}");
            }
        }

        foreach (var group in registrations.GroupBy(r => r.Subject!, StringComparer.Ordinal))
        {
            var stored = await credentials.ListByOwnerAsync(group.Key, 10_000);
            if (stored.Count != group.Count() || stored.Select(c => Convert.ToHexString(c.Id)).Distinct(StringComparer.Ordinal).Count() != stored.Count)
            {
                report.Add($"{group.Key}: {stored.Count} credentials stored, the clients registered {group.Count()}");
            }
        }

        // Pairings: each card holder paired exactly once (automatic pairing at the first card login, concurrent ones included).
        var pairings = new SqlitePairingStore(paths.Pairings);
        var cardSubjects = attempts.Where(a => a.Kind == "card-login" && a.Status == 200).Select(a => a.Subject!).Distinct(StringComparer.Ordinal).ToList();
        var paired = events.Where(e => e.Kind == "pairing").ToList();
        foreach (var subject in cardSubjects)
        {
            var record = await pairings.GetByNationalIdAsync(subject);
            if (record is not { IsActive: true })
            {
                report.Add($"{subject}: no active pairing after card logins");
            }

            var n = paired.Count(e => e.Subject == subject && e.Result == "paired");
            if (n != 1)
            {
                report.Add($"{subject}: {n} `paired` audit events (expected 1)");
            }
        }

        if (paired.Count != cardSubjects.Count)
        {
            report.Add($"{paired.Count} pairing audit events for {cardSubjects.Count} card holders: {string.Join(", ", paired.Select(e => e.Result + " " + e.ReasonCode).Distinct())}");
        }

        // Nothing else was recorded.
        var known = new HashSet<string>([AuditEventKinds.Authentication, AuditEventKinds.PolicyDecision, CarteAuthDefaults.SessionAuditKind, Kinds.Fido2Registration, "pairing"], StringComparer.Ordinal);
        foreach (var other in events.Where(e => !known.Contains(e.Kind) || (e.Kind == CarteAuthDefaults.SessionAuditKind && e.Result != "started")).GroupBy(e => e.Kind + "/" + e.Result))
        {
            report.Add($"{other.Count()} unexpected audit events {other.Key} (e.g. correlation {other.First().CorrelationId}, reason {other.First().ReasonCode})");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Checked {attempts.Count} attempts against {events.Count} audit events, {sessions.Count} sessions, {registrations.Count} credentials, {cardSubjects.Count} pairings."));
    }

    /// <summary>Every attempt of an audited kind has exactly one event with its correlation id and outcome; no such event lacks an attempt.</summary>
    private static void CheckAttempts(List<Attempt> attempts, List<AuditEvent> events, List<string> report)
    {
        // Every attempt of an audited kind: exactly one event of its kind with its correlation id and outcome.
        var byCorrelation = events
            .Where(e => e.Kind is AuditEventKinds.Authentication or AuditEventKinds.PolicyDecision && e.CorrelationId is not null)
            .GroupBy(e => e.CorrelationId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var attemptIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in attempts)
        {
            if (!attemptIds.Add(a.Id))
            {
                report.Add($"attempt id {a.Id} used twice by the client");
            }

            if (a.AuditKind is not (AuditEventKinds.Authentication or AuditEventKinds.PolicyDecision))
            {
                continue;
            }

            var found = byCorrelation.GetValueOrDefault(a.Id) ?? [];
            if (found.Count != 1)
            {
                report.Add($"{a.Kind} {a.Id}: {found.Count} audit events (expected 1)");
                continue;
            }

            var e = found[0];
            if (e.Kind != a.AuditKind || e.Result != a.AuditResult)
            {
                report.Add($"{a.Kind} {a.Id}: audit {e.Kind}/{e.Result}, expected {a.AuditKind}/{a.AuditResult}");
            }

            if (a.Status != 200 && a.Reason is not null && e.ReasonCode != a.Reason)
            {
                report.Add($"{a.Kind} {a.Id}: audit reason {e.ReasonCode}, the client saw {a.Reason}");
            }

            if (a.Subject is not null && e.Subject != a.Subject)
            {
                report.Add($"{a.Kind} {a.Id}: audit subject {e.Subject}, expected {a.Subject}");
            }
        }

        // No event without an attempt.
        foreach (var (id, list) in byCorrelation)
        {
            if (!attemptIds.Contains(id))
            {
                report.Add($"{list.Count} audit event(s) {list[0].Kind}/{list[0].Result} with correlation id {id} of no attempt");
            }
        }
    }
}

/// <summary>Audit kinds written by the ASP.NET Core layer (their constants are internal there).</summary>
internal static class Kinds
{
    public const string Fido2Registration = "fido2-registration";
}
