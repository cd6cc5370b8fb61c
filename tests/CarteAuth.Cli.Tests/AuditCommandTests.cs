using CarteAuth.Audit;
using Microsoft.Data.Sqlite;

namespace CarteAuth.Cli.Tests;

public sealed class AuditCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<string> TrailAsync(int events)
    {
        var path = _dir.File("audit.db");
        await using var store = await SqliteAuditStore.OpenAsync(new SqliteAuditStoreOptions { Path = path });
        for (var i = 0; i < events; i++)
        {
            await store.AppendAsync(new AuditEntry { Kind = AuditEventKinds.Authentication, Result = AuditResults.Success, Subject = "810002813839", Methods = "sc pin hwk" });
        }

        return path;
    }

    private static void Sql(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DROP TRIGGER IF EXISTS carteauth_audit_no_update; DROP TRIGGER IF EXISTS carteauth_audit_no_delete; " + sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task Intact_trail_exits_0_and_prints_its_head()
    {
        var path = await TrailAsync(5);

        var run = await CliRun.RunAsync("audit", "verify", "--db", path, "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(5, (long?)run.Json["eventsChecked"]);
        Assert.StartsWith("5:", (string?)run.Json["head"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Altered_event_exits_1_naming_the_first_broken_link()
    {
        var path = await TrailAsync(5);
        Sql(path, "UPDATE carteauth_audit SET subject = '899700075122' WHERE seq = 3;");

        var run = await CliRun.RunAsync("audit", "verify", "--db", path, "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(ReasonCodes.AuditHashMismatch, (string?)run.Json["reasonCode"]);
        Assert.Equal(3, (long?)run.Json["brokenAtSequence"]);
    }

    [Fact]
    public async Task Truncation_is_found_only_against_the_recorded_head()
    {
        var path = await TrailAsync(5);
        var head = (string?)(await CliRun.RunAsync("audit", "verify", "--db", path, "--json")).Json["head"];
        Sql(path, "DELETE FROM carteauth_audit WHERE seq = 5;");

        Assert.Equal(0, (await CliRun.RunAsync("audit", "verify", "--db", path)).ExitCode);
        var run = await CliRun.RunAsync("audit", "verify", "--db", path, "--expect-head", head!, "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(ReasonCodes.AuditTruncated, (string?)run.Json["reasonCode"]);
    }

    [Fact]
    public async Task File_that_is_not_a_database_is_bad_input()
    {
        var path = _dir.File("audit.db", "this is not a database, just text that pretends to be one");

        var run = await CliRun.RunAsync("audit", "verify", "--db", path, "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(ReasonCodes.AuditStoreCorrupt, (string?)run.Json["reasonCode"]);
        Assert.Contains(path, (string?)run.Json["error"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_database_is_bad_input_and_is_not_created()
    {
        var path = _dir.File("absent.db");

        var run = await CliRun.RunAsync("audit", "verify", "--db", path, "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(ReasonCodes.AuditStoreNotFound, (string?)run.Json["reasonCode"]);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Malformed_expected_head_is_bad_input()
    {
        var path = await TrailAsync(1);

        var run = await CliRun.RunAsync("audit", "verify", "--db", path, "--expect-head", "five:abc", "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(ReasonCodes.AuditInvalidHead, (string?)run.Json["reasonCode"]);
    }
}
