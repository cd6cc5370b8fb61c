using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using CarteAuth.AspNetCore;
using CarteAuth.Audit;
using CarteAuth.BenchmarkScenarios;
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
/// [--alg ES256|PS256|RS256] [--warmup 8] [--rounds 4] [--duration 5] [--connections 16] [--threads 1] [--close]</c>
/// (<c>--close</c>: every request on a new connection, <c>Connection: close</c>).
/// <c>--audit-append 16,64,256</c> measures instead what the audit stores alone cost per event in this process (no HTTP):
/// that many concurrent appenders, the in-memory store and the SQLite store (power-loss-safe) one after the other.
/// </summary>
public static partial class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (Array.IndexOf(args, "--audit-append") >= 0)
        {
            return await AuditAppendAsync(
                [.. Arg(args, "--audit-append", "16,64,256").Split(',').Select(static c => int.Parse(c, CultureInfo.InvariantCulture))],
                int.Parse(Arg(args, "--rounds", "3"), CultureInfo.InvariantCulture),
                int.Parse(Arg(args, "--duration", "5"), CultureInfo.InvariantCulture));
        }

        var audit = Arg(args, "--audit", "both");
        var algorithm = Enum.Parse<SessionTokenAlgorithm>(Arg(args, "--alg", "ES256"), ignoreCase: true);
        var rounds = int.Parse(Arg(args, "--rounds", "4"), CultureInfo.InvariantCulture);
        var duration = int.Parse(Arg(args, "--duration", "5"), CultureInfo.InvariantCulture);
        var connections = int.Parse(Arg(args, "--connections", "16"), CultureInfo.InvariantCulture);
        var threads = int.Parse(Arg(args, "--threads", "1"), CultureInfo.InvariantCulture);
        var warmup = int.Parse(Arg(args, "--warmup", "8"), CultureInfo.InvariantCulture);
        // A new TCP connection for every request, as nginx's proxy_pass does without an upstream keepalive.
        var close = Array.IndexOf(args, "--close") >= 0;
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
                var commits = CommitCounter.Attach(gateway.Services);
                string[] headers = ["Cookie: " + CarteAuthDefaults.CookieName + "=" + token, "X-Original-URI: " + ForwardAuthScenario.OriginalUri, "X-Original-Method: GET", "X-Real-IP: 192.0.2.10", .. (close ? new[] { "Connection: close" } : [])];
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
                    var bareRun = await MeasureAsync(bareUrl, headers, threads, connections, duration);
                    var before = commits?.Read();
                    var authzRun = await MeasureAsync(authzUrl, headers, threads, connections, duration);
                    var batches = commits is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $", {commits.EventsPerCommitSince(before!.Value):F1} audit events per commit");
                    bareRates.Add(bareRun.Rate);
                    authzRates.Add(authzRun.Rate);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  [{store}] round {i + 1}: bare {bareRun}, authz {authzRun}{batches}, ratio {authzRun.Rate / bareRun.Rate:F2}"));
                }

                var bareMedian = Median(bareRates);
                var authzMedian = Median(authzRates);
                var ratios = bareRates.Zip(authzRates, (b, a) => a / b).ToList();
                rows.Add(string.Create(CultureInfo.InvariantCulture, $"| `/carteauth/authz`, {algorithm} session tokens, {connections} connections, {Describe(store)} | {bareMedian:F0} | {authzMedian:F0} | **{authzMedian / bareMedian:F2}** | {ratios.Min():F2}–{ratios.Max():F2} |"));
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

        ForwardAuthScenario.AddServices(builder.Services, algorithm);
        var app = builder.Build();
        ForwardAuthScenario.MapEndpoints(app);
        return await Host.StartAsync(app);
    }

    private static async Task<string> SignInAsync(Uri address)
    {
        var cookies = new CookieContainer();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = address };
        using var response = await client.PostAsync(new Uri(ForwardAuthScenario.SignInPath, UriKind.Relative), new StringContent(ForwardAuthScenario.Evidence()));
        response.EnsureSuccessStatusCode();
        var token = cookies.GetCookies(address)[CarteAuthDefaults.CookieName]?.Value ?? throw new InvalidOperationException("No session cookie after sign-in.");

        // The request the load repeats must be allowed, or the figure would measure refusals.
        using var check = new HttpRequestMessage(HttpMethod.Get, ForwardAuthDefaults.Path);
        check.Headers.Add("Cookie", CarteAuthDefaults.CookieName + "=" + token);
        check.Headers.Add("X-Original-URI", ForwardAuthScenario.OriginalUri);
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
    private static async Task<Measurement> MeasureAsync(string url, string[] headers, int threads, int connections, int seconds)
    {
        var start = ProcessCounters.Read();
        var rate = await WrkAsync(url, headers, threads, connections, seconds);
        return ProcessCounters.Read().PerUnitSince(start, rate, Math.Max(1, rate * seconds));
    }

    /// <summary>
    /// The audit stores alone, per event, in this process: <paramref name="concurrency"/> tasks each appending one
    /// forward-auth decision event after the other (as many requests waiting for their decision's event), for
    /// <paramref name="seconds"/>; the in-memory store (hash chain only) then the SQLite store (group commit, one fsync
    /// per batch), interleaved for <paramref name="rounds"/> rounds. What a durable audit adds to each decision's CPU.
    /// </summary>
    private static async Task<int> AuditAppendAsync(int[] concurrency, int rounds, int seconds)
    {
        var root = Path.Combine(Environment.GetEnvironmentVariable("CARTEAUTH_ARTIFACTS") ?? Path.GetTempPath(), "audit-append-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Audit append: {rounds} rounds of {seconds} s per store and concurrency, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}"));
        var entry = new AuditEntry
        {
            Kind = AuditEventKinds.PolicyDecision,
            Result = AuditResults.Allow,
            Subject = "810002813839",
            Methods = "hwk pin sc",
            Authenticator = "smartcard",
            Policy = "dossier-patient",
            ClientAddress = "192.0.2.10",
            CorrelationId = "0HNH8B2F4T6KQ:00000001",
            Detail = "zone=remote",
        };
        var rows = new List<string>();
        try
        {
            foreach (var tasks in concurrency)
            {
                await using var sqlite = new SqliteAuditStore(new SqliteAuditStoreOptions { Path = Path.Combine(root, $"audit-{tasks}.db") });
                var commits = new CommitCounter(sqlite);
                var memory = new InMemoryAuditStore();
                var memoryRuns = new List<Measurement>();
                var sqliteRuns = new List<Measurement>();
                var perCommit = new List<double>();
                await AppendForAsync(memory, entry, tasks, 1);
                await AppendForAsync(sqlite, entry, tasks, 1);
                for (var i = 0; i < rounds; i++)
                {
                    memoryRuns.Add(await AppendForAsync(memory, entry, tasks, seconds));
                    var before = commits.Read();
                    sqliteRuns.Add(await AppendForAsync(sqlite, entry, tasks, seconds));
                    perCommit.Add(commits.EventsPerCommitSince(before));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  [{tasks} appenders] round {i + 1}: in-memory {memoryRuns[^1]}; SQLite {sqliteRuns[^1]}, {perCommit[^1]:F1} events per commit"));
                }

                rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {tasks} | {Median(memoryRuns.ConvertAll(m => m.CpuMicroseconds)):F2} | {Median(sqliteRuns.ConvertAll(m => m.CpuMicroseconds)):F2} | {Median(perCommit):F1} | {Median(sqliteRuns.ConvertAll(m => m.Rate)):F0} |"));
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        Console.WriteLine();
        Console.WriteLine("| concurrent appenders | in-memory: CPU µs per event (median) | SQLite PowerLoss: CPU µs per event (median) | SQLite events per commit | SQLite events/s |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        rows.ForEach(Console.WriteLine);
        return 0;
    }

    private static async Task<Measurement> AppendForAsync(IAuditStore store, AuditEntry entry, int tasks, int seconds)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        long appended = 0;
        var start = ProcessCounters.Read();
        await Task.WhenAll(Enumerable.Range(0, tasks).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await store.AppendAsync(entry, CancellationToken.None);
                Interlocked.Increment(ref appended);
            }
        })));
        return ProcessCounters.Read().PerUnitSince(start, appended / (double)seconds, Math.Max(1, appended));
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

    /// <summary>One measurement: rate (requests or events per second) and, per request or event, this process's CPU time, managed allocation and GC pause.</summary>
    private readonly record struct Measurement(double Rate, double CpuMicroseconds, double Bytes, double GcPauseMicroseconds)
    {
        // The allocation counter moves in allocation-context steps (kilobytes): enough to tell 0.5 KB from 10 KB per request.
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Rate:F0}/s ({CpuMicroseconds:F1} us CPU, {Bytes / 1024:F1} KB allocated, {GcPauseMicroseconds:F2} us GC pause each)");
    }

    /// <summary>This process's CPU time, allocated bytes and GC pause time at one moment.</summary>
    private readonly record struct ProcessCounters(TimeSpan Cpu, long Allocated, TimeSpan GcPause)
    {
        public static ProcessCounters Read()
        {
            using var self = Process.GetCurrentProcess();
            return new(self.TotalProcessorTime, GC.GetTotalAllocatedBytes(), GC.GetTotalPauseDuration());
        }

        public Measurement PerUnitSince(ProcessCounters start, double rate, double units) => new(
            rate,
            (Cpu - start.Cpu).TotalMicroseconds / units,
            (Allocated - start.Allocated) / units,
            (GcPause - start.GcPause).TotalMicroseconds / units);
    }

    /// <summary>Counts the SQLite audit store's committed batches (its test hook), to print the events per commit.</summary>
    private sealed class CommitCounter
    {
        private long _commits;
        private long _events;

        public CommitCounter(SqliteAuditStore store) =>
            store.BatchWritten = (count, error) =>
            {
                if (error is null)
                {
                    Interlocked.Increment(ref _commits);
                    Interlocked.Add(ref _events, count);
                }
            };

        public static CommitCounter? Attach(IServiceProvider services) =>
            services.GetService<IAuditStore>() is SqliteAuditStore store ? new CommitCounter(store) : null;

        public (long Commits, long Events) Read() => (Interlocked.Read(ref _commits), Interlocked.Read(ref _events));

        public double EventsPerCommitSince((long Commits, long Events) start)
        {
            var (commits, events) = Read();
            return (events - start.Events) / (double)Math.Max(1, commits - start.Commits);
        }
    }

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

        public IServiceProvider Services => app.Services;

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
