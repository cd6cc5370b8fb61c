namespace CarteAuth.Cli.Tests;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_runs_end_to_end_on_embedded_defaults()
    {
        using var dir = new TempDirectory();

        var run = await CliRun.RunAsync("demo", "--dir", dir.Path, "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.True((bool?)run.Json["ok"]);
        var steps = run.Json["steps"]!.AsArray().Select(s => s!.AsObject()).ToDictionary(s => (string)s["step"]!);
        var decisions = steps["policy decisions"]["decisions"]!.AsArray().Select(d => (string)d!["reasonCode"]!).ToArray();
        Assert.Equal(
            ["policy.allow", "policy.step-up-required", "policy.structure-not-allowed", "policy.break-glass", "policy.allow", "policy.step-up-required"],
            decisions);
        Assert.Equal(ReasonCodes.TokenRevoked, (string?)steps["session tokens"]["afterSignOutEverywhere"]);
        var audit = steps["audit trail"];
        Assert.True((bool?)audit["intact"]);
        Assert.Equal(10, (long?)audit["events"]); // 4 authentication attempts + 6 decisions
        Assert.True(File.Exists(Path.Combine(dir.Path, "audit.db")));

        var verify = await CliRun.RunAsync("audit", "verify", "--db", Path.Combine(dir.Path, "audit.db"), "--json");
        Assert.Equal(0, verify.ExitCode);
    }

    [Fact]
    public async Task Demo_explains_each_step_in_text()
    {
        using var dir = new TempDirectory();

        var run = await CliRun.RunAsync("demo", "--dir", dir.Path);

        Assert.Equal(0, run.ExitCode);
        foreach (var step in new[] { "== dev PKI", "== policies", "== authentication", "== policy decisions", "== session tokens", "== audit trail", "carteauth audit verify" })
        {
            Assert.Contains(step, run.Stdout, StringComparison.Ordinal);
        }
    }
}
