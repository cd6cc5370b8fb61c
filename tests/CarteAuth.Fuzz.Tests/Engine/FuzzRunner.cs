using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CarteAuth.Testing;

namespace CarteAuth.Fuzz.Tests.Engine;

/// <summary>A crash (unexpected exception) or a hang (an input over the time limit), with the input that caused it.</summary>
internal sealed record FuzzFinding(string Kind, string Signature, byte[] Input, string Detail, string SavedTo);

/// <summary>What a run did: executions, speed, distinct outcomes, findings.</summary>
internal sealed record FuzzReport(string Target, int Seed, int SeedInputs, long Executions, TimeSpan Elapsed, int Outcomes, double SlowestMs, IReadOnlyList<FuzzFinding> Findings)
{
    public double ExecutionsPerSecond => Executions / Math.Max(Elapsed.TotalSeconds, 0.001);

    /// <summary>Why the run stopped before its budget, if it did without a finding.</summary>
    public string? Note { get; init; }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"fuzz {Target}: {Executions} execs in {Elapsed.TotalSeconds:F1} s ({ExecutionsPerSecond:F0} exec/s), seed {Seed}, {SeedInputs} seed inputs, {Outcomes} distinct outcomes, slowest input {SlowestMs:F1} ms, {Findings.Count(f => f.Kind == "crash")} unique crash(es), {Findings.Count(f => f.Kind == "hang")} hang(s){(Note is null ? string.Empty : "; " + Note)}");
}

/// <summary>
/// Runs a <see cref="FuzzTarget"/> in process for a time budget: first every seed input (committed corpus and
/// generated seeds) unchanged, then mutations of the pool. An input whose outcome label is new joins the pool
/// (a coverage-free stand-in for coverage feedback). Inputs run on a worker thread watched by the caller, so a
/// hang is detected and reported even though the worker cannot be stopped. Crashes are de-duplicated by exception
/// type and throwing frame, minimized, and written to <c>$CARTEAUTH_ARTIFACTS/fuzz/&lt;target&gt;/</c>.
/// </summary>
internal sealed class FuzzRunner
{
    private const int MaxPool = 4096;
    private const int MaxUniqueCrashes = 20;
    private const int MaxOutcomes = 100_000;

    private readonly FuzzTarget _target;
    private readonly FuzzSettings _settings;
    private readonly List<byte[]> _pool = [];
    private readonly HashSet<string> _outcomes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FuzzFinding> _crashes = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = new();
    private long _executions;
    private long _currentStart = -1;
    private byte[]? _current;
    private double _slowestMs;
    private volatile bool _stop;
    private Exception? _harnessError;
    private string? _slowNote;
    private Random? _random;

    private FuzzRunner(FuzzTarget target, FuzzSettings settings)
    {
        _target = target;
        _settings = settings;
    }

    /// <summary>The seed for a target: the run's seed mixed with the target's name, so targets differ but replay.</summary>
    public static int TargetSeed(int seed, string name) => seed ^ (int)BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(name)), 0);

    /// <summary>The committed corpus of a target: every file of <c>tests/CarteAuth.Fuzz.Tests/corpus/&lt;name&gt;/</c> but README.md.</summary>
    public static IReadOnlyList<byte[]> CommittedCorpus(string name)
    {
        var folder = RepositoryPaths.Of("tests", "CarteAuth.Fuzz.Tests", "corpus", name);
        return Directory.Exists(folder)
            ? [.. Directory.EnumerateFiles(folder).Where(f => Path.GetFileName(f) != "README.md").Order(StringComparer.Ordinal).Select(File.ReadAllBytes)]
            : [];
    }

    public static FuzzReport Run(FuzzTarget target, FuzzSettings settings) => new FuzzRunner(target, settings).Run();

    private FuzzReport Run()
    {
        var seeds = CommittedCorpus(_target.Name).Concat(_target.GeneratedSeeds()).Where(s => s.Length <= _target.MaxInputLength).ToList();
        _pool.AddRange(seeds);
        if (_pool.Count == 0)
        {
            _pool.Add([]);
        }

        var seed = TargetSeed(_settings.Seed, _target.Name);
        var worker = new Thread(() => Loop(seeds, seed)) { IsBackground = true, Name = "fuzz " + _target.Name };
        _clock.Start();
        worker.Start();
        FuzzFinding? hang = null;
        while (!worker.Join(50))
        {
            var started = Interlocked.Read(ref _currentStart);
            if (started >= 0 && Stopwatch.GetElapsedTime(started) > _settings.HangLimit)
            {
                // A suspect: stop the run and give the input time to finish. One that finishes is timed again alone
                // (a 2-core machine running other test assemblies can stall a thread); a hang only if slow again.
                var input = Volatile.Read(ref _current) ?? [];
                _stop = true;
                if (!worker.Join(_settings.HangLimit * 5))
                {
                    hang = Record("hang", "hang", input, $"one input ran longer than {_settings.HangLimit.TotalMilliseconds * 6} ms (the worker thread is abandoned)");
                }
                else
                {
                    var again = Stopwatch.StartNew();
                    try
                    {
                        _target.Execute(input);
                    }
                    catch (Exception)
                    {
                        // Crashes are the worker's business; only the time matters here.
                    }

                    _slowNote = $"stopped early: one input took over {_settings.HangLimit.TotalMilliseconds} ms once, {again.Elapsed.TotalMilliseconds:F0} ms when run again alone";
                    if (again.Elapsed > _settings.HangLimit)
                    {
                        hang = Record("hang", "hang", input, $"one input ran longer than {_settings.HangLimit.TotalMilliseconds} ms twice ({again.Elapsed.TotalMilliseconds:F0} ms alone)");
                    }
                }

                break;
            }
        }

        _clock.Stop();
        if (_harnessError is not null)
        {
            throw new InvalidOperationException($"The fuzz harness itself failed on target {_target.Name}.", _harnessError);
        }

        var findings = _crashes.Values.ToList();
        if (hang is not null)
        {
            findings.Add(hang);
        }

        return new FuzzReport(_target.Name, _settings.Seed, seeds.Count, Interlocked.Read(ref _executions), _clock.Elapsed, _outcomes.Count, _slowestMs, findings) { Note = _slowNote };
    }

    private void Loop(List<byte[]> seeds, int seed)
    {
        try
        {
            foreach (var input in seeds)
            {
                if (_stop)
                {
                    return;
                }

                ExecuteOne(input, keepIfNew: false);
            }

            var random = _random = new Random(seed);
            var mutator = new Mutator(random, _target.Dictionary, _target.MaxInputLength);
            while (!_stop && _clock.Elapsed < _settings.Budget && Interlocked.Read(ref _executions) < _settings.MaxExecutions)
            {
                var parent = _pool[random.Next(_pool.Count)];
                var other = _pool[random.Next(_pool.Count)];
                ExecuteOne(mutator.Mutate(parent, other), keepIfNew: true);
            }
        }
        catch (Exception e)
        {
            _harnessError = e;
        }
    }

    private void ExecuteOne(byte[] input, bool keepIfNew)
    {
        Volatile.Write(ref _current, input);
        var start = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _currentStart, start);
        string label;
        Exception? crash = null;
        try
        {
            label = _target.Execute(input);
        }
        catch (Exception e) when (_target.IsExpected(e))
        {
            label = _target.Label(e);
        }
        catch (Exception e)
        {
            label = "crash";
            crash = e;
        }

        Interlocked.Exchange(ref _currentStart, -1);
        var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        _slowestMs = Math.Max(_slowestMs, ms);
        Interlocked.Increment(ref _executions);
        if (crash is not null)
        {
            var signature = Signature(crash);
            if (!_crashes.ContainsKey(signature) && _crashes.Count < MaxUniqueCrashes)
            {
                var minimal = Minimize(input, signature);
                _crashes[signature] = Record("crash", signature, minimal, crash.ToString());
            }

            return;
        }

        // Labels with free text (JSON paths, names) are many: past the cap, no label is new (bounded memory on long runs).
        if (_outcomes.Count < MaxOutcomes && _outcomes.Add(label) && keepIfNew)
        {
            if (_pool.Count < MaxPool)
            {
                _pool.Add(input);
            }
            else
            {
                _pool[_random!.Next(_pool.Count)] = input;
            }
        }
    }

    /// <summary>Deletes chunks (halving their size) while the input still crashes the same way; bounded.</summary>
    private byte[] Minimize(byte[] input, string signature)
    {
        var best = input;
        var tries = 0;
        var clock = Stopwatch.StartNew();
        bool More() => tries < 2000 && clock.Elapsed < TimeSpan.FromSeconds(5);
        for (var chunk = Math.Max(1, best.Length / 2); chunk >= 1 && More(); chunk /= 2)
        {
            for (var at = 0; at + chunk <= best.Length && More();)
            {
                tries++;
                var candidate = best[..at].Concat(best[(at + chunk)..]).ToArray();
                if (CrashSignature(candidate) == signature)
                {
                    best = candidate;
                }
                else
                {
                    at += chunk;
                }
            }
        }

        return best;
    }

    private string? CrashSignature(byte[] input)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            _target.Execute(input);
            return null;
        }
        catch (Exception e) when (_target.IsExpected(e))
        {
            return null;
        }
        catch (Exception e)
        {
            return Stopwatch.GetElapsedTime(start) > _settings.HangLimit ? null : Signature(e);
        }
    }

    /// <summary>Exception type and the frame that threw (file/line-free, so one bug is one crash).</summary>
    private static string Signature(Exception e)
    {
        var frame = new StackTrace(e, fNeedFileInfo: false).GetFrames().FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Namespace is { } ns && ns.StartsWith("CarteAuth", StringComparison.Ordinal) && ns != typeof(FuzzRunner).Namespace)
            ?? new StackTrace(e, fNeedFileInfo: false).GetFrame(0);
        var method = frame?.GetMethod();
        return $"{e.GetType().FullName} at {method?.DeclaringType?.FullName}.{method?.Name}";
    }

    private FuzzFinding Record(string kind, string signature, byte[] input, string detail)
    {
        var folder = Path.Combine(_settings.OutputRoot, _target.Name);
        Directory.CreateDirectory(folder);
        var name = $"{kind}-{Convert.ToHexStringLower(SHA256.HashData(input))[..16]}";
        var path = Path.Combine(folder, name + ".bin");
        File.WriteAllBytes(path, input);
        File.WriteAllText(Path.Combine(folder, name + ".txt"), $"target: {_target.Name}\nseed: {_settings.Seed}\nsignature: {signature}\nhex: {Convert.ToHexString(input)}\n\n{detail}\n");
        return new FuzzFinding(kind, signature, input, detail, path);
    }
}
