using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using CarteAuth.AspNetCore;
using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Gateway;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CarteAuth.GatewayLoad;

/// <summary>
/// Forward-auth requests/s (<c>/carteauth/authz</c> with a valid session cookie, a route whose policy allows it,
/// in-memory session stores, the policy decision audited) against a bare Kestrel endpoint that returns 200, on
/// 127.0.0.1, measured by the same client (<c>wrk</c>, Debian package) with the same threads, connections, duration
/// and request headers, interleaved (bare, authz, bare, authz…) so machine noise hits both. Each round also prints this
/// process's CPU time and managed allocation per request (both servers run here; wrk is another process), so a gap in
/// rate can be told apart as CPU spent or time waited.
/// Usage: <c>dotnet run -c Release --project benchmarks/CarteAuth.GatewayLoad -- [--audit sqlite|sqlite-normal|memory|both|all]
/// [--alg ES256|PS256|RS256] [--warmup 8] [--rounds 4] [--duration 5] [--connections 16] [--threads 1]</c>.
/// </summary>
public static partial class Program
{
    public static async Task<int> Main(string[] args)
    {
        var audit = Arg(args, "--audit", "both");
        var algorithm = Enum.Parse<SessionTokenAlgorithm>(Arg(args, "--alg", "ES256"), ignoreCase: true);
        var rounds = int.Parse(Arg(args, "--rounds", "4"), CultureInfo.InvariantCulture);
        var duration = int.Parse(Arg(args, "--duration", "5"), CultureInfo.InvariantCulture);
        var connections = int.Parse(Arg(args, "--connections", "16"), CultureInfo.InvariantCulture);
        var threads = int.Parse(Arg(args, "--threads", "1"), CultureInfo.InvariantCulture);
        var warmup = int.Parse(Arg(args, "--warmup", "8"), CultureInfo.InvariantCulture);
        var root = Path.Combine(Environment.GetEnvironmentVariable("CARTEAUTH_ARTIFACTS") ?? Path.GetTempPath(), "gateway-load-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Forward-auth load: wrk -t{threads} -c{connections} -d{duration}s, {warmup} s warm-up each, {rounds} interleaved rounds, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}"));
        var rows = new List<string>();
        try
        {
            await using var bare = await StartBareAsync();
            var audits = audit switch
            {
                "both" => ["sqlite", "memory"],
                "all" => ["sqlite", "sqlite-normal", "memory"],
                "sqlite" or "sqlite-normal" or "memory" => new[] { audit },
                _ => throw new ArgumentException($"--audit {audit}: use sqlite, sqlite-normal, memory, both or all."),
            };
            foreach (var store in audits)
            {
                await using var gateway = await StartGatewayAsync(store, algorithm, root);
                var token = await SignInAsync(gateway.Address);
                string[] headers = ["Cookie: " + CarteAuthDefaults.CookieName + "=" + token, "X-Original-URI: /dossier/42", "X-Original-Method: GET", "X-Real-IP: 192.0.2.10"];
                var bareUrl = new Uri(bare.Address, "/ok").ToString();
                var authzUrl = new Uri(gateway.Address, ForwardAuthDefaults.Path).ToString();

                // Warm-up (JIT, tiered compilation with dynamic PGO, pools), not counted: with 2 s the forward-auth rate
                // still rose from round to round.
                await WrkAsync(bareUrl, headers, threads, connections, warmup);
                await WrkAsync(authzUrl, headers, threads, connections, warmup);
                var bareRates = new List<double>();
                var authzRates = new List<double>();
                for (var i = 0; i < rounds; i++)
                {
                    var (bareRate, bareCpu, bareBytes) = await MeasureAsync(bareUrl, headers, threads, connections, duration);
                    var (authzRate, authzCpu, authzBytes) = await MeasureAsync(authzUrl, headers, threads, connections, duration);
                    bareRates.Add(bareRate);
                    authzRates.Add(authzRate);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  [{store}] round {i + 1}: bare {bareRate:F0} req/s ({bareCpu:F1} us server CPU, {bareBytes / 1024:F1} KB allocated per request), authz {authzRate:F0} req/s ({authzCpu:F1} us, {authzBytes / 1024:F1} KB), ratio {authzRate / bareRate:F2}"));
                }

                var bareMedian = Median(bareRates);
                var authzMedian = Median(authzRates);
                var ratios = bareRates.Zip(authzRates, (b, a) => a / b).ToList();
                rows.Add(string.Create(CultureInfo.InvariantCulture, $"| `/carteauth/authz`, {algorithm} session tokens, {Describe(store)} | {bareMedian:F0} | {authzMedian:F0} | **{authzMedian / bareMedian:F2}** | {ratios.Min():F2}–{ratios.Max():F2} |"));
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        Console.WriteLine();
        Console.WriteLine("| Endpoint | bare Kestrel 200 (median req/s) | forward-auth (median req/s) | ratio of medians | ratio range per round |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        rows.ForEach(Console.WriteLine);
        return 0;
    }

    private static string Describe(string store) => store switch
    {
        "sqlite" => "SQLite audit (Durability PowerLoss: synchronous=FULL, one durable hash-chained event per decision)",
        "sqlite-normal" => "SQLite audit (Durability ProcessCrash: synchronous=NORMAL, survives a process crash, not a power loss)",
        _ => "in-memory audit (hash-chained, not durable)",
    };

    private static async Task<Host> StartBareAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/ok", static () => Results.Ok());
        return await Host.StartAsync(app);
    }

    private static async Task<Host> StartGatewayAsync(string audit, SessionTokenAlgorithm algorithm, string root)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        if (audit is "sqlite" or "sqlite-normal")
        {
            builder.Services.AddCarteAuthSqliteAudit(o =>
            {
                o.Path = Path.Combine(root, "audit-" + Guid.NewGuid().ToString("N")[..8] + ".db");
                o.Durability = audit == "sqlite" ? SqliteAuditDurability.PowerLoss : SqliteAuditDurability.ProcessCrash;
            });
        }
        else
        {
            builder.Services.AddCarteAuthInMemoryAudit();
        }

        builder.Services.AddCarteAuthPolicy("acces-distant", b => b.RequireAssurance(AssuranceLevel.Substantial));
        builder.Services.AddCarteAuthPolicy("dossier-patient", b => b.RequireAssurance(AssuranceLevel.High).RequireMethods(AuthenticationMethods.Pin).RequirePhishingResistant());
        builder.Services.AddCarteAuth(o => o.SigningKeys = SigningKeyRing.Create(SessionSigningKey.Generate(algorithm, "load-1")))
            .AddForwardAuth(o =>
            {
                o.Routes.Add(new ForwardAuthRoute { Host = "admin.chu.fr", PathPrefix = "/admin", Policy = "dossier-patient" });
                o.Routes.Add(new ForwardAuthRoute { PathPrefix = "/dossier", Policy = "dossier-patient" });
                o.DefaultPolicy = "acces-distant";
                o.UpstreamAudience = "dpi.chu.fr";
            });
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapCarteAuth();
        app.MapCarteAuthForwardAuth();

        // What a real login endpoint does after its authenticator: evidence in, session cookie out.
        app.MapPost("/load/sign-in", static async (HttpContext http, ICarteAuthSignInManager signIn) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var evidence = EvidenceJson.Parse(await reader.ReadToEndAsync());
            var session = await signIn.SignInAsync(http, evidence);
            return Results.Ok(session.Id);
        });
        return await Host.StartAsync(app);
    }

    private static async Task<string> SignInAsync(Uri address)
    {
        var cookies = new CookieContainer();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = address };
        var evidence = $$"""
            { "subject": "810002813839", "familyName": "DUPONT", "givenName": "JEANNE", "profession": "10",
              "amr": [ "sc", "pin", "hwk" ], "assurance": "high", "authTime": "{{DateTimeOffset.UtcNow.AddMinutes(-1):yyyy-MM-ddTHH:mm:ssZ}}",
              "authenticator": "smartcard", "phishingResistant": true }
            """;
        using var response = await client.PostAsync(new Uri("/load/sign-in", UriKind.Relative), new StringContent(evidence));
        response.EnsureSuccessStatusCode();
        var token = cookies.GetCookies(address)[CarteAuthDefaults.CookieName]?.Value ?? throw new InvalidOperationException("No session cookie after sign-in.");

        // The request the load repeats must be allowed, or the figure would measure refusals.
        using var check = new HttpRequestMessage(HttpMethod.Get, ForwardAuthDefaults.Path);
        check.Headers.Add("Cookie", CarteAuthDefaults.CookieName + "=" + token);
        check.Headers.Add("X-Original-URI", "/dossier/42");
        using var plain = new HttpClient { BaseAddress = address };
        using var allowed = await plain.SendAsync(check);
        if (allowed.StatusCode != HttpStatusCode.OK || !allowed.Headers.Contains(ForwardAuthDefaults.AssertionHeader))
        {
            throw new InvalidOperationException($"The forward-auth request is not allowed: {(int)allowed.StatusCode}.");
        }

        return token;
    }

    /// <summary>
    /// One wrk run: requests/s, and this process's CPU time (both servers live here; wrk is another process) per
    /// request over the run, so a gap in rate can be told apart as CPU spent or time waited.
    /// </summary>
    private static async Task<(double Rate, double CpuMicrosecondsPerRequest, double BytesPerRequest)> MeasureAsync(string url, string[] headers, int threads, int connections, int seconds)
    {
        using var self = Process.GetCurrentProcess();
        var before = self.TotalProcessorTime;
        // The runtime's counter moves in allocation-context steps (kilobytes): enough to tell 0.5 KB from 10 KB per request.
        var allocated = GC.GetTotalAllocatedBytes();
        var rate = await WrkAsync(url, headers, threads, connections, seconds);
        var requests = Math.Max(1, rate * seconds);
        var bytes = (GC.GetTotalAllocatedBytes() - allocated) / requests;
        self.Refresh();
        return (rate, (self.TotalProcessorTime - before).TotalMicroseconds / requests, bytes);
    }

    private static async Task<double> WrkAsync(string url, string[] headers, int threads, int connections, int seconds)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-t" + threads, "-c" + connections, "-d" + seconds + "s" })
        {
            start.ArgumentList.Add(a);
        }

        foreach (var h in headers)
        {
            start.ArgumentList.Add("-H");
            start.ArgumentList.Add(h);
        }

        start.ArgumentList.Add(url);
        using var wrk = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start (Debian: apt-get install wrk).");
        var output = await wrk.StandardOutput.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        if (wrk.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk failed ({wrk.ExitCode}): {await wrk.StandardError.ReadToEndAsync()}");
        }

        // Every measured response must be a 200: a refusal would be a cheaper request.
        if (output.Contains("Non-2xx or 3xx responses", StringComparison.Ordinal) || output.Contains("Socket errors", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("wrk saw errors or non-2xx responses:\n" + output);
        }

        var match = RequestsPerSecond().Match(output);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException("Unexpected wrk output:\n" + output);
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private sealed class Host(WebApplication app, Uri address) : IAsyncDisposable
    {
        public Uri Address { get; } = address;

        public static async Task<Host> StartAsync(WebApplication app)
        {
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Host(app, new Uri(address));
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
