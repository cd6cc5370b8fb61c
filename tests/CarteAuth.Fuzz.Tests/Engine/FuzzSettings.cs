using System.Globalization;
using CarteAuth.Testing;

namespace CarteAuth.Fuzz.Tests.Engine;

/// <summary>
/// Run settings from the environment: <c>CARTEAUTH_FUZZ_SECONDS</c> (time budget per target, default 7),
/// <c>CARTEAUTH_FUZZ_SEED</c> (mutation seed, default random and printed), <c>CARTEAUTH_FUZZ_EXECS</c> (stop after
/// that many mutated inputs, to replay a seed exactly), <c>CARTEAUTH_FUZZ_HANG_MS</c> (one input taking longer is a
/// hang, default 2000) and <c>CARTEAUTH_ARTIFACTS</c> (crashing inputs go to <c>$CARTEAUTH_ARTIFACTS/fuzz/&lt;target&gt;/</c>).
/// </summary>
internal sealed record FuzzSettings(TimeSpan Budget, int Seed, bool SeedFromEnvironment, long MaxExecutions, TimeSpan HangLimit, string OutputRoot)
{
    public static FuzzSettings FromEnvironment()
    {
        var seconds = Read("CARTEAUTH_FUZZ_SECONDS", 7.0);
        var seedText = Environment.GetEnvironmentVariable("CARTEAUTH_FUZZ_SEED");
        var hasSeed = int.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed);
        var execs = long.TryParse(Environment.GetEnvironmentVariable("CARTEAUTH_FUZZ_EXECS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : long.MaxValue;
        var hangMs = Read("CARTEAUTH_FUZZ_HANG_MS", 2000.0);
        var artifacts = Environment.GetEnvironmentVariable("CARTEAUTH_ARTIFACTS");
        var root = Path.Combine(string.IsNullOrWhiteSpace(artifacts) ? RepositoryPaths.Of("artifacts") : artifacts, "fuzz");
        return new FuzzSettings(
            TimeSpan.FromSeconds(seconds),
            hasSeed ? seed : Random.Shared.Next(),
            hasSeed,
            execs,
            TimeSpan.FromMilliseconds(hangMs),
            root);
    }

    private static double Read(string name, double fallback)
    {
        var text = Environment.GetEnvironmentVariable(name);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
    }
}
