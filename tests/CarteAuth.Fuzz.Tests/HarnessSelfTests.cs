using CarteAuth.Fuzz.Tests.Engine;
using CarteAuth.Testing;

namespace CarteAuth.Fuzz.Tests;

/// <summary>The harness's own oracle: it finds a planted crash and a planted hang, saves and minimizes them, and tells a one-off stall from a hang.</summary>
public sealed class HarnessSelfTests
{
    private static FuzzSettings Settings(string root, int hangMs = 200) =>
        new(TimeSpan.FromSeconds(2), 1234, true, long.MaxValue, TimeSpan.FromMilliseconds(hangMs), root);

    [Fact]
    public void A_planted_crash_is_found_minimized_and_saved()
    {
        using var dir = new TempDirectory();

        var report = FuzzRunner.Run(new PlantedTarget(), Settings(dir.Path));

        var crash = Assert.Single(report.Findings);
        Assert.Equal("crash", crash.Kind);
        Assert.Contains("IndexOutOfRangeException", crash.Signature, StringComparison.Ordinal);
        Assert.Equal("CRASH"u8.ToArray(), crash.Input);
        Assert.Equal(crash.Input, File.ReadAllBytes(crash.SavedTo));
        Assert.True(report.Executions > 100, report.ToString());
    }

    [Fact]
    public void A_planted_hang_is_reported_with_its_input()
    {
        using var dir = new TempDirectory();

        var report = FuzzRunner.Run(new PlantedTarget { HangOn = "HANG"u8.ToArray() }, Settings(dir.Path));

        var hang = Assert.Single(report.Findings, f => f.Kind == "hang");
        Assert.Equal("HANG"u8.ToArray(), hang.Input);
        Assert.True(File.Exists(hang.SavedTo));
    }

    [Fact]
    public void A_one_off_stall_is_a_note_not_a_hang()
    {
        using var dir = new TempDirectory();

        var report = FuzzRunner.Run(new PlantedTarget { StallOnceOn = "STALL"u8.ToArray() }, Settings(dir.Path));

        Assert.DoesNotContain(report.Findings, f => f.Kind == "hang");
        Assert.Contains("stopped early", report.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void A_seed_and_an_execution_count_replay_the_same_run()
    {
        using var dir = new TempDirectory();
        var settings = Settings(dir.Path, hangMs: 10_000) with { Budget = TimeSpan.FromMinutes(1), MaxExecutions = 20_000 };

        var first = FuzzRunner.Run(new Targets.RadiusTarget(), settings);
        var second = FuzzRunner.Run(new Targets.RadiusTarget(), settings);

        Assert.Equal(20_000, first.Executions);
        Assert.Equal(first.Executions, second.Executions);
        Assert.Equal(first.Outcomes, second.Outcomes);
    }

    /// <summary>Seeds "hello" plus the planted input; crashes on "CRASH" anywhere, hangs or stalls on request.</summary>
    private sealed class PlantedTarget : FuzzTarget
    {
        private int _stalls;

        public byte[]? HangOn { get; init; }

        public byte[]? StallOnceOn { get; init; }

        public override string Name => "self-test";

        public override IEnumerable<byte[]> GeneratedSeeds() =>
            HangOn is not null ? ["hello"u8.ToArray(), HangOn] : StallOnceOn is not null ? ["hello"u8.ToArray(), StallOnceOn] : ["hello"u8.ToArray(), "xxCRASHxxxxxxxxxxxxxxxx"u8.ToArray()];

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public override string Execute(byte[] input)
        {
            if (HangOn is not null && input.AsSpan().SequenceEqual(HangOn))
            {
                Thread.Sleep(5000);
            }

            if (StallOnceOn is not null && input.AsSpan().SequenceEqual(StallOnceOn) && Interlocked.Increment(ref _stalls) == 1)
            {
                Thread.Sleep(500);
            }

            if (input.AsSpan().IndexOf("CRASH"u8) >= 0)
            {
                return new[] { 1 }[input.Length].ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return input.Length > 10 ? "long" : "short";
        }
    }
}
