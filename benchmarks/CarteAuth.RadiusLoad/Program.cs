using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CarteAuth.Gateway.Radius;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.RadiusLoad;

/// <summary>
/// RADIUS PAP requests/s of CarteAuth (<c>carteauth radius serve</c>: PAP against the user file + policy + SQLite
/// audit) and of FreeRADIUS (Debian <c>freeradius</c>, users file), both measured by the same client
/// (<see cref="RadiusUdpClient"/>), same secret, same users, same concurrency. Both servers run as their own process
/// on 127.0.0.1 with free ports; everything is created in a temporary directory and removed afterwards.
/// FreeRADIUS runs twice: with the same PBKDF2-SHA256 hashes as CarteAuth's user file (like with like) and with
/// cleartext passwords (its fastest setup). The servers are measured in interleaved rounds.
/// Usage: <c>dotnet run -c Release --project benchmarks/CarteAuth.RadiusLoad -- [--requests 20000] [--concurrency 32] [--pbkdf2-iterations 1000] [--rounds 3] [--warmup 5000]</c>.
/// Each measurement follows a warm-up of <c>--warmup</c> requests to the same server (JIT tiering of the .NET server;
/// FreeRADIUS gets the same).
/// </summary>
public static class Program
{
    private const string Secret = "perf-secret-0123456789";
    private const string Password = "Mot-de-passe-1";
    private const int Users = 100;

    private static int warmupRequests = 5000;

    public static async Task<int> Main(string[] args)
    {
        var requests = Arg(args, "--requests", 20000);
        var concurrency = Arg(args, "--concurrency", 32);
        var iterations = Arg(args, "--pbkdf2-iterations", 1000);
        warmupRequests = Arg(args, "--warmup", 5000);
        var rounds = Arg(args, "--rounds", 3);
        var root = Path.Combine(Environment.GetEnvironmentVariable("CARTEAUTH_ARTIFACTS") ?? Path.GetTempPath(), "radius-load-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var names = new[]
        {
            $"FreeRADIUS, users file, PBKDF2-Password (HMAC-SHA-256, {iterations} it.), no audit",
            "FreeRADIUS, users file, Cleartext-Password, no audit",
            $"carteauth radius serve, PBKDF2-SHA256 ({iterations} it.), policy, SQLite audit (Durability PowerLoss: synchronous=FULL)",
            $"carteauth radius serve, PBKDF2-SHA256 ({iterations} it.), policy, SQLite audit (Durability ProcessCrash: synchronous=NORMAL)",
        };
        var rates = names.Select(_ => new List<double>()).ToArray();
        var cpu = names.Select(_ => new List<double>()).ToArray();
        var failures = 0;
        double inMemory;
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RADIUS PAP load: {requests} requests x {rounds} interleaved rounds, concurrency {concurrency}, {Users} users, {Environment.ProcessorCount} CPUs, {RuntimeInfo()}"));

            // The same PBKDF2-SHA256 hash (same salt, same iterations) for each user on both sides: like with like.
            var hashes = Enumerable.Range(0, Users).Select(_ => Pbkdf2(Password, iterations)).ToArray();
            var endpoints = new IPEndPoint[4];
            var servers = new Process[4];
            try
            {
                for (var s = 0; s < 2; s++)
                {
                    var port = FreeUdpPort();
                    servers[s] = StartFreeRadius(Path.Combine(root, "freeradius" + s), port, s == 0 ? hashes : null);
                    endpoints[s] = new IPEndPoint(IPAddress.Loopback, port);
                }

                for (var s = 2; s < 4; s++)
                {
                    var carteAuthPort = FreeUdpPort();
                    servers[s] = s == 2
                        ? StartCarteAuth(Path.Combine(root, "carteauth"), carteAuthPort, hashes, "PowerLoss")
                        : StartCarteAuth(Path.Combine(root, "carteauth-normal"), carteAuthPort, hashes, "ProcessCrash");
                    endpoints[s] = new IPEndPoint(IPAddress.Loopback, carteAuthPort);
                }

                // Interleaved: each round measures every server in turn, so a burst of load from other jobs on the
                // shared machine hits all of them; the ratio is taken per round.
                for (var round = 1; round <= rounds; round++)
                {
                    for (var s = 0; s < servers.Length; s++)
                    {
                        // The server process's CPU time per request (user + system, from /proc): less sensitive
                        // than requests/s to other jobs on the shared machine, and says where the work is.
                        servers[s].Refresh();
                        var cpuBefore = servers[s].TotalProcessorTime;
                        var (_, rate, ok, failed) = await MeasureAsync($"round {round}: {names[s]}", endpoints[s], requests, concurrency);
                        servers[s].Refresh();
                        cpu[s].Add((servers[s].TotalProcessorTime - cpuBefore).TotalMicroseconds / Math.Max(1, ok + failed + warmupRequests));
                        rates[s].Add(rate);
                        failures += failed;
                    }
                }
            }
            finally
            {
                foreach (var server in servers.Where(p => p is not null))
                {
                    Stop(server);
                    server.Dispose();
                }
            }

            // Where the time goes: the same server in this process with the in-memory audit (no fsync per event).
            var (_, memoryRate, _, memoryFailed) = await MeasureInProcessAsync(Path.Combine(root, "carteauth", "users.json"), requests, concurrency, iterations);
            inMemory = memoryRate;
            failures += memoryFailed;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        Console.WriteLine();
        Console.WriteLine("| Server | requests/s (median of rounds) | rounds | server CPU µs/request (median) |");
        Console.WriteLine("|---|---:|---|---:|");
        for (var s = 0; s < names.Length; s++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {names[s]} | {Median(rates[s]):0} | {string.Join(" / ", rates[s].Select(r => r.ToString("0", CultureInfo.InvariantCulture)))} | {Median(cpu[s]):0} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| CarteAuth in the harness's process, in-memory audit | {inMemory:0} | 1 | - |"));
        var normalRatios = rates[3].Zip(rates[0], (c, f) => c / f).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CarteAuth (audit ProcessCrash) / FreeRADIUS (same PBKDF2 hash), per round: {string.Join(" / ", normalRatios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}; median {Median(normalRatios):0.00}x"));
        var pbkdf2Ratios = rates[2].Zip(rates[0], (c, f) => c / f).ToList();
        var cleartextRatios = rates[2].Zip(rates[1], (c, f) => c / f).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CarteAuth / FreeRADIUS (same PBKDF2 hash), per round: {string.Join(" / ", pbkdf2Ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}; median {Median(pbkdf2Ratios):0.00}x"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CarteAuth / FreeRADIUS (cleartext), per round: {string.Join(" / ", cleartextRatios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}; median {Median(cleartextRatios):0.00}x"));
        return failures == 0 ? 0 : 1;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private sealed record Hash(int Iterations, byte[] Salt, byte[] Value);

    private static Hash Pbkdf2(string password, int iterations)
    {
        var salt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
        return new Hash(iterations, salt, System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, System.Security.Cryptography.HashAlgorithmName.SHA256, 32));
    }

    private static async Task<(string, double, int, int)> MeasureInProcessAsync(string usersFile, int requests, int concurrency, int iterations)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new Microsoft.Extensions.Hosting.HostApplicationBuilderSettings());
        builder.Services.AddCarteAuthInMemoryAudit();
        builder.Services.AddCarteAuthPolicy("vpn", p => p.RequireAssurance(CarteAuth.Authentication.AssuranceLevel.Low));
        builder.Services.AddCarteAuthRadius(o =>
        {
            o.Endpoint = "127.0.0.1:0";
            o.Clients.Add(new RadiusClientOptions { Name = "load", Address = "127.0.0.1", Secret = Secret });
            o.Policy = "vpn";
            o.UsersFile = usersFile;
        });
        using var host = builder.Build();
        await host.StartAsync();
        var server = host.Services.GetRequiredService<RadiusServer>();
        var result = await MeasureAsync($"CarteAuth in-process (PBKDF2 {iterations}, policy, in-memory audit)", server.LocalEndPoints[0], requests, concurrency);
        await host.StopAsync();
        return result;
    }

    private static async Task<(string, double, int, int)> MeasureAsync(string name, IPEndPoint server, int requests, int concurrency)
    {
        // Warm-up (JIT, thread pools), then the measured run: each worker has its own socket and sends its next
        // request when the previous one is answered (closed loop), for users user0..user99 in turn.
        await RunAsync(server, warmupRequests, concurrency);
        var watch = Stopwatch.StartNew();
        var (ok, failed) = await RunAsync(server, requests, concurrency);
        watch.Stop();
        var rate = ok / watch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {ok} accepted, {failed} failed in {watch.Elapsed.TotalSeconds:0.00} s = {rate:0} requests/s"));
        return (name, rate, ok, failed);
    }

    private static async Task<(int Ok, int Failed)> RunAsync(IPEndPoint server, int requests, int concurrency)
    {
        var next = -1;
        var ok = 0;
        var failed = 0;
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            using var client = new RadiusUdpClient(server, Secret, TimeSpan.FromSeconds(2), tries: 3, requireReplyMessageAuthenticator: false);
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                var reply = await client.AccessRequestAsync("user" + (i % Users).ToString(CultureInfo.InvariantCulture), Password, nasIdentifier: "load");
                Interlocked.Increment(ref reply.Accepted ? ref ok : ref failed);
            }
        }));
        await Task.WhenAll(workers);
        return (ok, failed);
    }

    /// <summary>FreeRADIUS with a users file: the same PBKDF2 hashes as CarteAuth (<paramref name="hashes"/>), or cleartext when null.</summary>
    private static Process StartFreeRadius(string dir, int port, Hash[]? hashes)
    {
        Directory.CreateDirectory(Path.Combine(dir, "log"));
        Directory.CreateDirectory(Path.Combine(dir, "run"));
        File.WriteAllText(Path.Combine(dir, "dictionary"), string.Empty);

        // rlm_pap (3.2.1) reads PBKDF2 through Password-With-Header's {X-PBKDF2} header (a bare PBKDF2-Password in the
        // users file is not taken as a known-good password): "HMACSHA2+256:<iterations, 4 octets big-endian,
        // base64>:<salt base64>:<hash base64>", checked with OpenSSL's PKCS5_PBKDF2_HMAC.
        File.WriteAllLines(Path.Combine(dir, "users"), Enumerable.Range(0, Users).Select(i => hashes is null
            ? $"user{i} Cleartext-Password := \"{Password}\""
            : $"user{i} Password-With-Header := \"{{X-PBKDF2}}HMACSHA2+256:{Convert.ToBase64String([(byte)(hashes[i].Iterations >> 24), (byte)(hashes[i].Iterations >> 16), (byte)(hashes[i].Iterations >> 8), (byte)hashes[i].Iterations])}:{Convert.ToBase64String(hashes[i].Salt)}:{Convert.ToBase64String(hashes[i].Value)}\""));
        File.WriteAllText(Path.Combine(dir, "radiusd.conf"), $$"""
            prefix = /usr
            exec_prefix = /usr
            sysconfdir = /etc
            localstatedir = /var
            sbindir = ${exec_prefix}/sbin
            datarootdir = /usr/share
            dictdir = ${datarootdir}/freeradius
            raddbdir = {{dir}}
            confdir = ${raddbdir}
            modconfdir = ${confdir}
            logdir = ${confdir}/log
            run_dir = ${confdir}/run
            db_dir = ${confdir}
            libdir = /usr/lib/freeradius
            pidfile = ${run_dir}/radiusd.pid
            name = freeradius
            max_request_time = 30
            cleanup_delay = 5
            max_requests = 65536
            hostname_lookups = no
            log {
              destination = stdout
              auth = no
            }
            security {
              allow_core_dumps = no
              max_attributes = 200
              reject_delay = 0
              status_server = no
            }
            thread pool {
              start_servers = 5
              max_servers = 32
              min_spare_servers = 3
              max_spare_servers = 10
              max_requests_per_server = 0
            }
            client local {
              ipaddr = 127.0.0.1
              secret = {{Secret}}
              require_message_authenticator = yes
            }
            modules {
              pap {
              }
              files {
                filename = ${confdir}/users
              }
            }
            server default {
              listen {
                type = auth
                ipaddr = 127.0.0.1
                port = {{port}}
              }
              authorize {
                files
                pap
              }
              authenticate {
                Auth-Type PAP {
                  pap
                }
              }
            }
            """);
        return StartAndWait("freeradius", ["-f", "-d", dir], "Ready to process requests");
    }

    private static Process StartCarteAuth(string dir, int port, Hash[] hashes, string durability)
    {
        Directory.CreateDirectory(dir);
        var users = Enumerable.Range(0, Users).Select(i =>
            $$"""{ "UserName": "user{{i}}", "IdNat": "899700075122", "FamilyName": "LOAD{{i}}", "Password": "pbkdf2-sha256${{hashes[i].Iterations}}${{Convert.ToBase64String(hashes[i].Salt)}}${{Convert.ToBase64String(hashes[i].Value)}}" }""");
        File.WriteAllText(Path.Combine(dir, "users.json"), "{ \"Users\": [\n" + string.Join(",\n", users) + "\n] }");
        File.WriteAllText(Path.Combine(dir, "radius.json"), $$"""
            {
              "Audit": { "Path": "audit.db", "Durability": "{{durability}}" },
              "CarteAuth": { "Policies": { "vpn": { "MinimumAssurance": "Low", "AllowedZones": [ "Remote" ] } } },
              "Radius": {
                "Endpoint": "127.0.0.1:{{port}}",
                "Clients": [ { "Name": "load", "Address": "127.0.0.1", "Secret": "{{Secret}}" } ],
                "Policy": "vpn",
                "UsersFile": "users.json"
              }
            }
            """);
        var tool = Path.Combine(AppContext.BaseDirectory, "carteauth.dll");
        return StartAndWait("dotnet", [tool, "radius", "serve", "--config", Path.Combine(dir, "radius.json")], "listening");
    }

    private static Process StartAndWait(string file, string[] arguments, string ready)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException(file + " did not start.");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            log.Enqueue(e.Data);
            if (e.Data.Contains(ready, StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!started.Task.Wait(TimeSpan.FromSeconds(30)))
        {
            Stop(process);
            throw new InvalidOperationException($"{file} did not become ready:\n{string.Join('\n', log)}");
        }

        return process;
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            // SIGTERM (our own child, by its id): both servers stop cleanly on it.
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
            kill?.WaitForExit();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill();
            }
        }
    }

    private static int FreeUdpPort()
    {
        using var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
    }

    private static string RuntimeInfo() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;

    private static int Arg(string[] args, string name, int fallback) =>
        int.TryParse(ArgText(args, name, null), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    private static string ArgText(string[] args, string name, string? fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback!;
    }
}
