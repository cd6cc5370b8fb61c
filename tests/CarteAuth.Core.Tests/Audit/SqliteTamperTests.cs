using CarteAuth.Audit;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Core.Tests.Audit;

/// <summary>Tampering with an audit file through raw SQL, as an attacker with file access would, and what the verifier reports.</summary>
public sealed class SqliteTamperTests : IAsyncLifetime
{
    private const int Count = 5;
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 6, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly string _path;
    private List<AuditEvent> _original = [];

    public SqliteTamperTests()
    {
        _path = _dir.File("audit.db");
    }

    public async Task InitializeAsync()
    {
        await using var store = await SqliteAuditStore.OpenAsync(new SqliteAuditStoreOptions { Path = _path }, _clock);
        for (var i = 0; i < Count; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(7));
            await store.AppendAsync(AuditTestData.Entry(i));
        }

        _original = await AuditTestData.ReadAllAsync(store);
        RawSqlite.DropTriggers(_path);
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    private async Task<AuditVerificationResult> VerifyAsync(AuditHead? head = null)
    {
        await using var store = await SqliteAuditStore.OpenAsync(new SqliteAuditStoreOptions { Path = _path, ReadOnly = true });
        return await AuditChainVerifier.VerifyAsync(store, head);
    }

    private static void AssertBroken(AuditVerificationResult result, string reasonCode, long at, long checkedCount)
    {
        Assert.False(result.IsValid);
        Assert.Equal(reasonCode, result.ReasonCode);
        Assert.Equal(at, result.BrokenAtSequence);
        Assert.Equal(checkedCount, result.EventsChecked);
        Assert.Equal(checkedCount == 0 ? null : checkedCount, result.LastEvent?.Sequence);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
    }

    [Fact]
    public async Task Untouched_file_verifies_with_and_without_head()
    {
        var result = await VerifyAsync(_original[^1].ToHead());

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(Count, result.EventsChecked);
        Assert.Equal(_original[^1], result.LastEvent);
    }

    [Theory]
    [InlineData("detail", "'event 2 (edited)'")]
    [InlineData("subject", "'899700075122'")]
    [InlineData("subject", "NULL")]
    [InlineData("client_address", "''")]
    [InlineData("result", "'failure'")]
    [InlineData("timestamp", "'2025-06-01T08:00:20.000Z'")]
    public async Task Changing_a_field_of_a_middle_event_is_a_hash_mismatch_at_that_event(string column, string value)
    {
        RawSqlite.Execute(_path, $"UPDATE carteauth_audit SET {column} = {value} WHERE seq = 3");

        var result = await VerifyAsync();

        AssertBroken(result, ReasonCodes.AuditHashMismatch, 3, 2);
        Assert.Contains("event 3 was altered", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_a_middle_event_is_a_sequence_gap()
    {
        RawSqlite.Execute(_path, "DELETE FROM carteauth_audit WHERE seq = 3");

        var result = await VerifyAsync();

        AssertBroken(result, ReasonCodes.AuditSequenceGap, 3, 2);
        Assert.Contains("event 3 is missing", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_the_first_event_is_a_sequence_gap_at_1()
    {
        RawSqlite.Execute(_path, "DELETE FROM carteauth_audit WHERE seq = 1");

        AssertBroken(await VerifyAsync(), ReasonCodes.AuditSequenceGap, 1, 0);
    }

    [Fact]
    public async Task Deleting_the_last_event_is_only_detected_with_an_expected_head()
    {
        var head = _original[^1].ToHead();
        RawSqlite.Execute(_path, "DELETE FROM carteauth_audit WHERE seq = 5");

        var withoutHead = await VerifyAsync();
        var withHead = await VerifyAsync(head);

        Assert.True(withoutHead.IsValid, withoutHead.Message);
        Assert.Equal(4, withoutHead.EventsChecked);
        AssertBroken(withHead, ReasonCodes.AuditTruncated, 5, 4);
        Assert.Contains("truncated", withHead.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replacing_the_last_event_by_a_new_append_breaks_the_recorded_head()
    {
        var head = _original[^1].ToHead();
        RawSqlite.Execute(_path, "DELETE FROM carteauth_audit WHERE seq = 5");
        await using (var store = await SqliteAuditStore.OpenAsync(new SqliteAuditStoreOptions { Path = _path }, _clock))
        {
            Assert.Equal(5, (await store.AppendAsync(AuditTestData.Entry(99))).Sequence);
        }

        Assert.True((await VerifyAsync()).IsValid);
        AssertBroken(await VerifyAsync(head), ReasonCodes.AuditBrokenLink, 5, 4);
    }

    [Fact]
    public async Task Editing_an_event_and_recomputing_its_hash_is_a_broken_link_at_the_next_event()
    {
        var edited = _original[2] with { Detail = "nothing happened here" };
        var hash = AuditChain.ComputeHash(edited);
        RawSqlite.Execute(_path, "UPDATE carteauth_audit SET detail = $d, hash = $h WHERE seq = 3", ("$d", edited.Detail), ("$h", hash));

        var result = await VerifyAsync();

        AssertBroken(result, ReasonCodes.AuditBrokenLink, 4, 3);
        Assert.Contains("event 4 does not link", result.Message, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(hash), result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rewriting_the_chain_from_an_event_on_is_caught_only_by_the_expected_head()
    {
        var head = _original[^1].ToHead();
        var previous = _original[1].Hash;
        for (var i = 2; i < Count; i++)
        {
            var rewritten = _original[i] with { Detail = "rewritten " + i, PreviousHash = previous };
            var hash = AuditChain.ComputeHash(rewritten);
            RawSqlite.Execute(_path, "UPDATE carteauth_audit SET detail = $d, prev_hash = $p, hash = $h WHERE seq = $s",
                ("$d", rewritten.Detail), ("$p", previous.ToArray()), ("$h", hash), ("$s", rewritten.Sequence));
            previous = hash;
        }

        Assert.True((await VerifyAsync()).IsValid);
        var result = await VerifyAsync(head);
        AssertBroken(result, ReasonCodes.AuditBrokenLink, 5, 4);
        Assert.Contains("rewritten", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swapping_two_events_is_detected_at_the_first()
    {
        RawSqlite.Execute(_path, """
            UPDATE carteauth_audit SET seq = -2 WHERE seq = 2;
            UPDATE carteauth_audit SET seq = 2 WHERE seq = 3;
            UPDATE carteauth_audit SET seq = 3 WHERE seq = -2;
            """);

        AssertBroken(await VerifyAsync(), ReasonCodes.AuditHashMismatch, 2, 1);
    }

    [Theory]
    [InlineData("hash", "x'0102'", "its hash is 2 bytes instead of 32")]
    [InlineData("hash", "zeroblob(33)", "its hash is 33 bytes instead of 32")]
    [InlineData("prev_hash", "x''", "its prev_hash is 0 bytes instead of 32")]
    [InlineData("hash", "'not a blob'", "its hash is a text instead of a 32-byte BLOB")]
    [InlineData("timestamp", "'yesterday'", "its timestamp 'yesterday' is not a UTC time")]
    [InlineData("timestamp", "'2025-06-01 08:00:21'", "is not a UTC time")]
    [InlineData("timestamp", "1748764821000", "is not a UTC time")]
    [InlineData("timestamp", "x'00'", "its timestamp is missing or not text")]
    [InlineData("detail", "x'00ff'", "its detail is a BLOB instead of text")]
    public async Task Undecodable_value_is_reported_as_malformed_at_its_event(string column, string value, string expected)
    {
        RawSqlite.Execute(_path, $"UPDATE carteauth_audit SET {column} = {value} WHERE seq = 3");

        var result = await VerifyAsync();

        AssertBroken(result, ReasonCodes.AuditMalformedEvent, 3, 2);
        Assert.Contains(expected, result.Message, StringComparison.Ordinal);
        Assert.Contains(_path, result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kind")]
    [InlineData("result")]
    [InlineData("timestamp")]
    [InlineData("hash")]
    [InlineData("prev_hash")]
    public async Task Null_in_a_required_column_is_reported_as_malformed_at_its_event(string column)
    {
        // The schema declares these NOT NULL, so an attacker rebuilds the table without the constraints first.
        RawSqlite.Execute(_path, $"""
            CREATE TABLE loose (seq INTEGER PRIMARY KEY, timestamp, kind, result, subject, methods, authenticator, policy,
                reason_code, client_address, correlation_id, detail, prev_hash, hash);
            INSERT INTO loose SELECT * FROM carteauth_audit;
            DROP TABLE carteauth_audit;
            ALTER TABLE loose RENAME TO carteauth_audit;
            UPDATE carteauth_audit SET {column} = NULL WHERE seq = 3;
            """);

        var result = await VerifyAsync();

        AssertBroken(result, ReasonCodes.AuditMalformedEvent, 3, 2);
        Assert.Contains("event 3", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_event_after_a_gap_is_reported_as_the_gap()
    {
        RawSqlite.Execute(_path, "DELETE FROM carteauth_audit WHERE seq = 2; UPDATE carteauth_audit SET hash = x'00' WHERE seq = 3;");

        AssertBroken(await VerifyAsync(), ReasonCodes.AuditSequenceGap, 2, 1);
    }

    [Fact]
    public async Task Reading_a_malformed_event_directly_throws_a_typed_error_naming_it()
    {
        RawSqlite.Execute(_path, "UPDATE carteauth_audit SET hash = x'00' WHERE seq = 4");
        await using var store = await SqliteAuditStore.OpenAsync(new SqliteAuditStoreOptions { Path = _path, ReadOnly = true });

        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await AuditTestData.ReadAllAsync(store));

        Assert.Equal(ReasonCodes.AuditMalformedEvent, ex.ReasonCode);
        Assert.Equal(4, ex.Sequence);
        Assert.Contains("its hash is 1 bytes instead of 32", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dropping_the_audit_table_makes_the_file_corrupt()
    {
        RawSqlite.Execute(_path, "DROP TABLE carteauth_audit");

        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await VerifyAsync());

        Assert.Equal(ReasonCodes.AuditStoreCorrupt, ex.ReasonCode);
    }
}
