namespace CarteAuth.Cli.Tests;

public sealed class TokenCommandTests : IDisposable
{
    private static readonly string Card = RepositoryPaths.Of("samples", "evidence", "cps-card-doctor.json");
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<string> KeyAsync(string alg, string name = "key.pem")
    {
        var path = _dir.File(name);
        var run = await CliRun.RunAsync("token", "keygen", "--alg", alg, "--out", path, "--json");
        Assert.Equal(0, run.ExitCode);
        return path;
    }

    private static async Task<string> IssueAsync(string key, string alg, params string[] extra)
    {
        var run = await CliRun.RunAsync(["token", "issue", "--key", key, "--alg", alg, "--issuer", "https://portal.example", "--audience", "portal", "-e", Card, "--json", .. extra]);
        Assert.Equal(0, run.ExitCode);
        return (string)run.Json["token"]!;
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("PS256")]
    [InlineData("RS256")]
    public async Task Issued_token_validates_with_the_key_and_with_the_jwks(string alg)
    {
        var key = await KeyAsync(alg);
        var token = await IssueAsync(key, alg);

        var withKey = await CliRun.RunAsync("token", "validate", "--key", key, "--alg", alg, "--issuer", "https://portal.example", "--audience", "portal", "--token", token, "--json");
        Assert.Equal(0, withKey.ExitCode);
        Assert.Equal("810002813839", (string?)withKey.Json["subject"]);
        Assert.Equal("high", (string?)withKey.Json["assurance"]);
        Assert.True((bool?)withKey.Json["phishingResistant"]);

        var jwks = await CliRun.RunAsync("token", "jwks", "--key", key, "--alg", alg, "--json");
        Assert.Equal(0, jwks.ExitCode);
        Assert.Equal(alg, (string?)jwks.Json["keys"]![0]!["alg"]);
        var jwksFile = _dir.File("jwks.json", jwks.Stdout);
        var withJwks = await CliRun.RunAsync("token", "validate", "--jwks", jwksFile, "--issuer", "https://portal.example", "--audience", "portal", "--token", token, "--json");
        Assert.Equal(0, withJwks.ExitCode);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Private_key_file_is_readable_by_its_owner_only()
    {
        var key = await KeyAsync("ES256");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Contains("PRIVATE KEY", await File.ReadAllTextAsync(key), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keygen_refuses_to_overwrite_without_force()
    {
        var key = await KeyAsync("ES256");

        var run = await CliRun.RunAsync("token", "keygen", "--out", key, "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--force", (string?)run.Json["error"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_for_another_audience_is_rejected_with_exit_1()
    {
        var key = await KeyAsync("ES256");
        var token = await IssueAsync(key, "ES256");

        var run = await CliRun.RunAsync("token", "validate", "--key", key, "--issuer", "https://portal.example", "--audience", "vpn", "--token", token, "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(ReasonCodes.TokenBadAudience, (string?)run.Json["reasonCode"]);
    }

    [Fact]
    public async Task Token_signed_by_another_key_is_rejected()
    {
        var key = await KeyAsync("ES256");
        var other = await KeyAsync("ES256", "other.pem");
        var token = await IssueAsync(key, "ES256");

        var run = await CliRun.RunAsync("token", "validate", "--key", other, "--issuer", "https://portal.example", "--audience", "portal", "--token", token, "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(ReasonCodes.TokenUnknownKey, (string?)run.Json["reasonCode"]);
    }

    [Theory]
    [InlineData("not-a-jwt", "token.malformed")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "token.algorithm-not-allowed")]
    [InlineData("a.b.c", "token.malformed")]
    public async Task Malformed_tokens_are_rejected_with_their_reason_code(string token, string reasonCode)
    {
        var key = await KeyAsync("ES256");

        var run = await CliRun.RunAsync("token", "validate", "--key", key, "--issuer", "https://portal.example", "--audience", "portal", "--token", token, "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(reasonCode, (string?)run.Json["reasonCode"]);
    }

    [Fact]
    public async Task Key_of_the_wrong_type_for_the_algorithm_is_bad_input()
    {
        var key = await KeyAsync("ES256");

        var run = await CliRun.RunAsync("token", "issue", "--key", key, "--alg", "RS256", "--issuer", "https://portal.example", "--audience", "portal", "-e", Card, "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(ReasonCodes.InvalidKey, (string?)run.Json["reasonCode"]);
    }

    [Fact]
    public async Task Unreadable_pem_and_malformed_jwks_are_bad_input()
    {
        var pem = _dir.File("junk.pem", "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n");
        var jwks = _dir.File("jwks.json", """{ "keys": [ { "kty": "EC", "crv": "P-256" } ] }""");

        var badPem = await CliRun.RunAsync("token", "validate", "--key", pem, "--issuer", "i", "--audience", "a", "--token", "x.y.z", "--json");
        var badJwks = await CliRun.RunAsync("token", "validate", "--jwks", jwks, "--issuer", "i", "--audience", "a", "--token", "x.y.z", "--json");

        Assert.Equal(2, badPem.ExitCode);
        Assert.Equal(ReasonCodes.InvalidKey, (string?)badPem.Json["reasonCode"]);
        Assert.Equal(2, badJwks.ExitCode);
        Assert.Equal(ReasonCodes.InvalidKey, (string?)badJwks.Json["reasonCode"]);
    }

    [Fact]
    public async Task Validation_needs_exactly_one_key_source()
    {
        var run = await CliRun.RunAsync("token", "validate", "--issuer", "i", "--audience", "a", "--token", "x.y.z", "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(ReasonCodes.CliUsage, (string?)run.Json["reasonCode"]);
    }

    [Fact]
    public async Task Invalid_lifetime_is_bad_input()
    {
        var key = await KeyAsync("ES256");

        var run = await CliRun.RunAsync("token", "issue", "--key", key, "--issuer", "https://portal.example", "--audience", "portal", "-e", Card, "--lifetime", "-00:05:00", "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(ReasonCodes.TokenInvalidOptions, (string?)run.Json["reasonCode"]);
    }
}
