namespace CarteAuth.Cli.Tests;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_runs_end_to_end_on_embedded_defaults()
    {
        using var dir = new TempDirectory();

        var run = await CliRun.RunAsync("demo", "--dir", dir.Path, "--psc-simulator", RepositoryPaths.Of("samples", "psc-simulator"), "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.True((bool?)run.Json["ok"]);
        var steps = run.Json["steps"]!.AsArray().Select(s => s!.AsObject()).ToDictionary(s => (string)s["step"]!);

        // The nurse signed in through the PSC simulator (e-CPS push, CIBA), audited under the psc-ciba authenticator.
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dir.Path, "audit.db")};Mode=ReadOnly;Pooling=False"))
        {
            db.Open();
            using var query = db.CreateCommand();
            query.CommandText = "SELECT COUNT(*) FROM carteauth_audit WHERE authenticator = 'psc-ciba' AND result = 'success' AND subject = '899700000013'";
            Assert.Equal(1L, (long)query.ExecuteScalar()!);
        }

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
    public async Task Demo_with_a_folder_that_is_not_the_simulator_is_bad_input()
    {
        using var dir = new TempDirectory();
        var run = await CliRun.RunAsync("demo", "--dir", dir.Path, "--psc-simulator", dir.Path, "--json");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(ReasonCodes.CliFileNotFound, (string?)run.Json["reasonCode"]);
    }

    [Fact]
    public async Task Demo_explains_each_step_in_text()
    {
        using var dir = new TempDirectory();

        var run = await CliRun.RunAsync("demo", "--dir", dir.Path);

        Assert.Equal(0, run.ExitCode);
        foreach (var step in new[] { "== dev PKI", "== Pro Santé Connect", "== policies", "== authentication", "== policy decisions", "== session tokens", "== audit trail", "carteauth audit verify" })
        {
            Assert.Contains(step, run.Stdout, StringComparison.Ordinal);
        }
    }
}
