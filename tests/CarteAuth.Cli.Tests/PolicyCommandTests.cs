namespace CarteAuth.Cli.Tests;

public sealed class PolicyCommandTests
{
    private static readonly string Policies = RepositoryPaths.Of("samples", "policies", "hospital-policies.json");
    private static readonly string Card = RepositoryPaths.Of("samples", "evidence", "cps-card-doctor.json");
    private static readonly string Fido2NoUv = RepositoryPaths.Of("samples", "evidence", "fido2-no-uv-pharmacist.json");
    private static readonly string Psc = RepositoryPaths.Of("samples", "evidence", "psc-ecps-nurse.json");
    private const string At = "2026-11-23T09:00:00Z";

    [Fact]
    public async Task Allowed_evidence_exits_0_with_the_decision_in_json()
    {
        var run = await CliRun.RunAsync("policy", "check", "-p", Policies, "-n", "dossier-patient", "-e", Card, "--at", At, "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("allow", (string?)run.Json["decision"]);
        Assert.Equal("policy.allow", (string?)run.Json["reasonCode"]);
        Assert.Equal("810002813839", (string?)run.Json["subject"]);
    }

    [Fact]
    public async Task Step_up_exits_1_and_says_what_is_missing()
    {
        var run = await CliRun.RunAsync("policy", "check", "-p", Policies, "-n", "dossier-patient", "-e", Fido2NoUv, "--at", At, "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("step-up", (string?)run.Json["decision"]);
        Assert.Equal("policy.step-up-required", (string?)run.Json["reasonCode"]);
        var unmet = run.Json["stepUp"]!["unmet"]!.AsArray().Select(n => (string)n!).ToArray();
        Assert.Equal(["Assurance", "RequiredMethods"], unmet);
        Assert.Equal("pin", (string?)run.Json["stepUp"]!["requiredMethods"]![0]);
    }

    [Fact]
    public async Task Remote_zone_applies_the_zone_requirements()
    {
        var run = await CliRun.RunAsync("policy", "check", "-p", Policies, "-n", "dossier-patient", "-e", Card, "--at", "2026-11-23T09:30:00Z", "--zone", "Remote", "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("Freshness", (string?)run.Json["stepUp"]!["unmet"]![0]);
    }

    [Fact]
    public async Task Denial_with_break_glass_available_hints_at_it_and_break_glass_allows()
    {
        var denied = await CliRun.RunAsync("policy", "check", "-p", Policies, "-n", "dossier-service-urgences", "-e", Fido2NoUv, "--at", At);
        Assert.Equal(1, denied.ExitCode);
        Assert.Contains("policy.structure-not-allowed", denied.Stdout, StringComparison.Ordinal);
        Assert.Contains("--break-glass-reason", denied.Stdout, StringComparison.Ordinal);

        var granted = await CliRun.RunAsync("policy", "check", "-p", Policies, "-n", "dossier-service-urgences", "-e", Fido2NoUv, "--at", At,
            "--break-glass-reason", "Patiente inconsciente, pharmacien de garde", "--json");
        Assert.Equal(0, granted.ExitCode);
        Assert.Equal("policy.break-glass", (string?)granted.Json["reasonCode"]);
        Assert.True((bool?)granted.Json["breakGlassUsed"]);
    }

    [Fact]
    public async Task Psc_eidas1_evidence_reaches_substantial()
    {
        var run = await CliRun.RunAsync("policy", "check", "-p", Policies, "-n", "messagerie", "-e", Psc, "--at", At, "--json");

        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task Unknown_policy_name_is_bad_input_listing_the_names()
    {
        var run = await CliRun.RunAsync("policy", "check", "-p", Policies, "-n", "dossier", "-e", Card, "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("policy.unknown-policy", (string?)run.Json["reasonCode"]);
        Assert.Contains("dossier-patient", (string?)run.Json["error"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_name_with_several_policies_is_a_usage_error()
    {
        var run = await CliRun.RunAsync("policy", "check", "-p", Policies, "-e", Card);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--name", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task Malformed_policy_file_is_bad_input_naming_the_key()
    {
        using var dir = new TempDirectory();
        var file = dir.File("p.json", """{ "Policies": { "p": { "MinimumAssurence": "High" } } }""");

        var run = await CliRun.RunAsync("policy", "check", "-p", file, "-e", Card, "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("policy.invalid", (string?)run.Json["reasonCode"]);
        Assert.Contains("MinimumAssurence", (string?)run.Json["error"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "subject": "810002813838", "familyName": "X", "amr": ["sc"], "assurance": "high", "authTime": "2026-11-23T08:00:00Z", "authenticator": "smartcard" }""", "identity.rpps-check-digit")]
    [InlineData("""{ "subject": "810002813839", "familyName": "X", "amr": ["smartcard"], "assurance": "high", "authTime": "2026-11-23T08:00:00Z", "authenticator": "smartcard" }""", "auth.invalid-evidence")]
    [InlineData("""{ "subject": "810002813839", "familyName": "X", "amr": ["sc"], "assurance": "extreme", "authTime": "2026-11-23T08:00:00Z", "authenticator": "smartcard" }""", "auth.invalid-evidence")]
    [InlineData("""{ "subject": "810002813839", "familyName": "X", "amr": ["sc"], "assurance": "high", "authTime": "yesterday", "authenticator": "smartcard" }""", "auth.invalid-evidence")]
    [InlineData("""{ "subject": "810002813839", "familyName": "X", "amr": ["sc"], "assurance": "high", "authTime": "2026-11-23T08:00:00Z", "authenticator": "smartcard", "colour": "blue" }""", "auth.invalid-evidence")]
    [InlineData("""{ "subject": "810002813839", "amr": ["sc"], "assurance": "high", "authTime": "2026-11-23T08:00:00Z", "authenticator": "smartcard" }""", "auth.invalid-evidence")]
    [InlineData("""[ 1, 2 ]""", "auth.invalid-evidence")]
    [InlineData("""not json""", "auth.invalid-evidence")]
    public async Task Malformed_evidence_is_bad_input_with_its_reason_code(string evidence, string reasonCode)
    {
        using var dir = new TempDirectory();
        var file = dir.File("e.json", evidence);

        var run = await CliRun.RunAsync("policy", "check", "-p", Policies, "-n", "dossier-patient", "-e", file, "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(reasonCode, (string?)run.Json["reasonCode"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)run.Json["error"]));
    }

    [Fact]
    public async Task Missing_evidence_file_is_bad_input_naming_it()
    {
        var run = await CliRun.RunAsync("policy", "check", "-p", Policies, "-n", "dossier-patient", "-e", "/nonexistent/e.json", "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("cli.file-not-found", (string?)run.Json["reasonCode"]);
        Assert.Contains("/nonexistent/e.json", (string?)run.Json["error"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("polcy")]
    [InlineData("policy", "check")]
    [InlineData("policy", "check", "-p", "x", "-e", "y", "--zone", "Moon")]
    [InlineData("policy", "check", "-p", "x", "-e", "y", "--at", "soon")]
    public async Task Usage_errors_exit_2(params string[] args)
    {
        var run = await CliRun.RunAsync([.. args, "--json"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("cli.usage", (string?)run.Json["reasonCode"]);
    }
}
