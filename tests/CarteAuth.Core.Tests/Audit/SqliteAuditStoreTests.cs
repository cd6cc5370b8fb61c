using CarteAuth.Audit;
using Microsoft.Data.Sqlite;

namespace CarteAuth.Core.Tests.Audit;

public sealed class SqliteAuditStoreTests : AuditStoreContractTests
{
    private readonly TempDirectory _dir = new();
    private int _files;

    protected override ValueTask<IAuditStore> CreateStoreCoreAsync() =>
        ValueTask.FromResult<IAuditStore>(new SqliteAuditStore(new SqliteAuditStoreOptions { Path = _dir.File($"audit{++_files}.db") }, Clock));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<SqliteAuditStore> OpenAsync(string path, bool readOnly = false, TimeSpan? busyTimeout = null)
    {
        var options = new SqliteAuditStoreOptions { Path = path, ReadOnly = readOnly };
        if (busyTimeout is { } timeout)
        {
            options.BusyTimeout = timeout;
        }

        return await SqliteAuditStore.OpenAsync(options, Clock);
    }

    [Fact]
    public async Task New_file_gets_schema_version_1_wal_and_append_only_triggers()
    {
        var path = _dir.File("new.db");
        await using (var store = await OpenAsync(path))
        {
            await store.AppendAsync(AuditTestData.Entry(0));
            Assert.Equal(path, store.Path);
            Assert.False(store.IsReadOnly);
        }

        Assert.Equal("1", RawSqlite.Scalar(path, "SELECT value FROM carteauth_audit_meta WHERE key = 'schema_version'"));
        Assert.Equal("wal", RawSqlite.Scalar(path, "PRAGMA journal_mode"));
        var update = Assert.Throws<SqliteException>(() => RawSqlite.Execute(path, "UPDATE carteauth_audit SET detail = 'x'"));
        Assert.Contains("append-only", update.Message, StringComparison.Ordinal);
        Assert.Throws<SqliteException>(() => RawSqlite.Execute(path, "DELETE FROM carteauth_audit"));
    }

    [Fact]
    public async Task Events_survive_reopening_and_the_chain_continues()
    {
        var path = _dir.File("reopen.db");
        await using (var store = await OpenAsync(path))
        {
            await store.AppendAsync(AuditTestData.Entry(0));
            await store.AppendAsync(AuditTestData.Entry(1));
        }

        await using (var store = await OpenAsync(path))
        {
            var third = await store.AppendAsync(AuditTestData.Entry(2));
            Assert.Equal(3, third.Sequence);
            var result = await AuditChainVerifier.VerifyAsync(store);
            Assert.True(result.IsValid, result.Message);
            Assert.Equal(3, result.EventsChecked);
        }
    }

    [Fact]
    public async Task Text_with_nul_characters_round_trips()
    {
        var path = _dir.File("nul.db");
        await using var store = await OpenAsync(path);
        var appended = await store.AppendAsync(new AuditEntry { Kind = "k", Result = "r", Detail = "a\0b\0", Subject = "\0" });

        var read = Assert.Single(await AuditTestData.ReadAllAsync(store));

        Assert.Equal(appended, read);
        Assert.True((await AuditChainVerifier.VerifyAsync(store)).IsValid);
    }

    [Fact]
    public async Task Read_only_store_reads_and_verifies_a_closed_wal_database()
    {
        var path = _dir.File("ro.db");
        await using (var writer = await OpenAsync(path))
        {
            await writer.AppendAsync(AuditTestData.Entry(0));
            await writer.AppendAsync(AuditTestData.Entry(1));
        }

        await using var store = await OpenAsync(path, readOnly: true);

        Assert.True(store.IsReadOnly);
        Assert.Equal(2, (await store.GetLastAsync())?.Sequence);
        var result = await AuditChainVerifier.VerifyAsync(store);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(2, result.EventsChecked);
    }

    [Fact]
    public async Task Read_only_store_refuses_appends_with_a_typed_error()
    {
        var path = _dir.File("ro-append.db");
        await using (var writer = await OpenAsync(path))
        {
            await writer.AppendAsync(AuditTestData.Entry(0));
        }

        await using var store = await OpenAsync(path, readOnly: true);
        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await store.AppendAsync(AuditTestData.Entry(1)));

        Assert.Equal(ReasonCodes.AuditStoreUnavailable, ex.ReasonCode);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("read-only", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_only_open_of_a_missing_file_is_a_typed_error_and_creates_nothing()
    {
        var path = _dir.File("missing.db");

        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await OpenAsync(path, readOnly: true));

        Assert.Equal(ReasonCodes.AuditStoreNotFound, ex.ReasonCode);
        Assert.Equal(path, ex.StorePath);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public async Task Lazy_store_reports_a_missing_file_on_first_use()
    {
        var path = _dir.File("missing-lazy.db");
        await using var store = new SqliteAuditStore(new SqliteAuditStoreOptions { Path = path, ReadOnly = true });

        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await AuditChainVerifier.VerifyAsync(store));

        Assert.Equal(ReasonCodes.AuditStoreNotFound, ex.ReasonCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task File_of_random_bytes_is_corrupt_and_left_unchanged(bool readOnly)
    {
        var path = _dir.File("random.db");
        var bytes = new byte[8192];
        new Random(42).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes);

        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await OpenAsync(path, readOnly));

        Assert.Equal(ReasonCodes.AuditStoreCorrupt, ex.ReasonCode);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a SQLite database", ex.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Text_file_is_corrupt_for_the_verifier()
    {
        var path = _dir.File("notes.txt");
        await File.WriteAllTextAsync(path, "these are not the audit events you are looking for\n");
        await using var store = new SqliteAuditStore(new SqliteAuditStoreOptions { Path = path, ReadOnly = true });

        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await AuditChainVerifier.VerifyAsync(store));

        Assert.Equal(ReasonCodes.AuditStoreCorrupt, ex.ReasonCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sqlite_database_without_the_audit_table_is_corrupt_and_left_unchanged(bool readOnly)
    {
        var path = _dir.File("other.db");
        RawSqlite.Execute(path, "CREATE TABLE credentials (id TEXT PRIMARY KEY, public_key BLOB)");

        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await OpenAsync(path, readOnly));

        Assert.Equal(ReasonCodes.AuditStoreCorrupt, ex.ReasonCode);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("credentials", ex.Message, StringComparison.Ordinal);
        Assert.Contains("carteauth_audit", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0L, RawSqlite.Scalar(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'carteauth%'"));
        Assert.Equal("delete", RawSqlite.Scalar(path, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task Empty_file_is_initialised_read_write_but_corrupt_read_only()
    {
        var path = _dir.File("empty.db");
        await File.WriteAllBytesAsync(path, []);

        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await OpenAsync(path, readOnly: true));
        Assert.Equal(ReasonCodes.AuditStoreCorrupt, ex.ReasonCode);
        Assert.Contains("empty SQLite database", ex.Message, StringComparison.Ordinal);

        await using var store = await OpenAsync(path);
        Assert.Equal(1, (await store.AppendAsync(AuditTestData.Entry(0))).Sequence);
    }

    [Theory]
    [InlineData("2", "newer CarteAuth")]
    [InlineData("0", "restore it from a backup")]
    [InlineData("one", "restore it from a backup")]
    public async Task Wrong_schema_version_is_corrupt(string version, string advice)
    {
        var path = _dir.File("version.db");
        await using (var store = await OpenAsync(path))
        {
            await store.AppendAsync(AuditTestData.Entry(0));
        }

        RawSqlite.Execute(path, "UPDATE carteauth_audit_meta SET value = $v WHERE key = 'schema_version'", ("$v", version));

        foreach (var readOnly in new[] { false, true })
        {
            var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await OpenAsync(path, readOnly));
            Assert.Equal(ReasonCodes.AuditStoreCorrupt, ex.ReasonCode);
            Assert.Contains($"schema version '{version}'", ex.Message, StringComparison.Ordinal);
            Assert.Contains(advice, ex.Message, StringComparison.Ordinal);
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Missing_schema_version_is_corrupt()
    {
        var path = _dir.File("noversion.db");
        await (await OpenAsync(path)).DisposeAsync();
        RawSqlite.Execute(path, "DELETE FROM carteauth_audit_meta");

        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await OpenAsync(path, readOnly: true));

        Assert.Equal(ReasonCodes.AuditStoreCorrupt, ex.ReasonCode);
        Assert.Contains("no schema_version", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_meta_table_is_corrupt()
    {
        var path = _dir.File("nometa.db");
        await (await OpenAsync(path)).DisposeAsync();
        RawSqlite.Execute(path, "DROP TABLE carteauth_audit_meta");

        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await OpenAsync(path));

        Assert.Equal(ReasonCodes.AuditStoreCorrupt, ex.ReasonCode);
        Assert.Contains("no table carteauth_audit_meta", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Foreign_table_with_our_name_is_corrupt()
    {
        var path = _dir.File("foreign.db");
        RawSqlite.Execute(path, """
            CREATE TABLE carteauth_audit_meta (key TEXT PRIMARY KEY, value TEXT);
            INSERT INTO carteauth_audit_meta VALUES ('schema_version', '1');
            CREATE TABLE carteauth_audit (seq INTEGER PRIMARY KEY, message TEXT);
            """);

        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await OpenAsync(path, readOnly: true));

        Assert.Equal(ReasonCodes.AuditStoreCorrupt, ex.ReasonCode);
        Assert.Contains("without the column(s) timestamp, kind, result", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sequence_column_that_is_not_the_primary_key_is_corrupt()
    {
        var path = _dir.File("nopk.db");
        RawSqlite.Execute(path, """
            CREATE TABLE carteauth_audit_meta (key TEXT PRIMARY KEY, value TEXT);
            INSERT INTO carteauth_audit_meta VALUES ('schema_version', '1');
            CREATE TABLE carteauth_audit (seq INTEGER, timestamp TEXT, kind TEXT, result TEXT, subject TEXT, methods TEXT, authenticator TEXT,
                policy TEXT, reason_code TEXT, client_address TEXT, correlation_id TEXT, detail TEXT, prev_hash BLOB, hash BLOB);
            """);

        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await OpenAsync(path, readOnly: true));

        Assert.Equal(ReasonCodes.AuditStoreCorrupt, ex.ReasonCode);
        Assert.Contains("INTEGER PRIMARY KEY", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(":memory:")]
    [InlineData("file:audit.db?mode=memory")]
    public void Unusable_path_is_an_invalid_option(string path)
    {
        var ex = Assert.Throws<AuditStoreException>(() => new SqliteAuditStore(new SqliteAuditStoreOptions { Path = path }));

        Assert.Equal(ReasonCodes.AuditInvalidOptions, ex.ReasonCode);
        Assert.Contains("SqliteAuditStoreOptions.Path", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_crash_durability_appends_and_the_chain_verifies_after_reopening()
    {
        var path = _dir.File("normal.db");
        await using (var store = new SqliteAuditStore(new SqliteAuditStoreOptions { Path = path, Durability = SqliteAuditDurability.ProcessCrash }, Clock))
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(i => store.AppendAsync(AuditTestData.Entry(i)).AsTask()));
        }

        await using var reopened = new SqliteAuditStore(new SqliteAuditStoreOptions { Path = path, ReadOnly = true }, Clock);
        Assert.Equal(50, (await AuditTestData.ReadAllAsync(reopened)).Count);
        Assert.True((await AuditChainVerifier.VerifyAsync(reopened)).IsValid);
    }

    [Fact]
    public void Unknown_durability_is_an_invalid_option()
    {
        var ex = Assert.Throws<AuditStoreException>(() => new SqliteAuditStore(
            new SqliteAuditStoreOptions { Path = _dir.File("a.db"), Durability = (SqliteAuditDurability)7 }));

        Assert.Equal(ReasonCodes.AuditInvalidOptions, ex.ReasonCode);
        Assert.Contains("Durability", ex.Message, StringComparison.Ordinal);
        Assert.Contains("PowerLoss", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_busy_timeout_is_an_invalid_option()
    {
        var ex = Assert.Throws<AuditStoreException>(() => new SqliteAuditStore(
            new SqliteAuditStoreOptions { Path = _dir.File("a.db"), BusyTimeout = TimeSpan.FromSeconds(-1) }));

        Assert.Equal(ReasonCodes.AuditInvalidOptions, ex.ReasonCode);
        Assert.Contains("BusyTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Directory_path_is_an_invalid_option()
    {
        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await OpenAsync(_dir.Path));

        Assert.Equal(ReasonCodes.AuditInvalidOptions, ex.ReasonCode);
        Assert.Contains("is a directory", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_directory_makes_the_store_unavailable()
    {
        var path = Path.Combine(_dir.Path, "no", "such", "dir", "audit.db");

        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await OpenAsync(path));

        Assert.Equal(ReasonCodes.AuditStoreUnavailable, ex.ReasonCode);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Path.GetDirectoryName(path)!, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_locked_beyond_the_busy_timeout_is_unavailable_and_records_nothing()
    {
        var path = _dir.File("locked.db");
        await using var store = await OpenAsync(path, busyTimeout: TimeSpan.FromMilliseconds(300));
        await store.AppendAsync(AuditTestData.Entry(0));

        using (var blocker = RawSqlite.Open(path))
        {
            using var begin = blocker.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();

            var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await store.AppendAsync(AuditTestData.Entry(1)));

            Assert.Equal(ReasonCodes.AuditStoreUnavailable, ex.ReasonCode);
            Assert.Contains("locked", ex.Message, StringComparison.Ordinal);
            Assert.Contains("BusyTimeout", ex.Message, StringComparison.Ordinal);
            Assert.Contains("(1 s)", ex.Message, StringComparison.Ordinal);
            Assert.IsType<SqliteException>(ex.InnerException);
        }

        var next = await store.AppendAsync(AuditTestData.Entry(2));
        Assert.Equal(2, next.Sequence);
        Assert.True((await AuditChainVerifier.VerifyAsync(store)).IsValid);
    }

    [Fact]
    public async Task Append_after_the_last_hash_was_damaged_is_refused()
    {
        var path = _dir.File("badlast.db");
        await using (var store = await OpenAsync(path))
        {
            await store.AppendAsync(AuditTestData.Entry(0));
        }

        RawSqlite.DropTriggers(path);
        RawSqlite.Execute(path, "UPDATE carteauth_audit SET hash = x'0102' WHERE seq = 1");

        await using var reopened = await OpenAsync(path);
        var ex = await Assert.ThrowsAsync<AuditStoreException>(async () => await reopened.AppendAsync(AuditTestData.Entry(1)));

        Assert.Equal(ReasonCodes.AuditStoreCorrupt, ex.ReasonCode);
        Assert.Equal(1, ex.Sequence);
        Assert.Equal(1L, RawSqlite.Scalar(path, "SELECT count(*) FROM carteauth_audit"));
    }

    [Fact]
    public async Task Two_store_instances_on_one_file_make_one_contiguous_valid_chain()
    {
        var path = _dir.File("shared.db");
        await using var first = new SqliteAuditStore(new SqliteAuditStoreOptions { Path = path }, Clock);
        await using var second = new SqliteAuditStore(new SqliteAuditStoreOptions { Path = path }, Clock);
        const int TasksPerStore = 4;
        const int PerTask = 50;

        var work = new[] { first, second }.SelectMany((store, s) => Enumerable.Range(0, TasksPerStore).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < PerTask; i++)
            {
                await store.AppendAsync(AuditTestData.Entry(i) with { CorrelationId = $"s{s}-t{t}-{i}" });
            }
        })));
        await Task.WhenAll(work);

        var events = await AuditTestData.ReadAllAsync(first);
        const int Total = 2 * TasksPerStore * PerTask;
        Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(Total, events.Select(e => e.CorrelationId).Distinct().Count());
        Assert.Equal(TasksPerStore * PerTask, events.Count(e => e.CorrelationId!.StartsWith("s0-", StringComparison.Ordinal)));
        var result = await AuditChainVerifier.VerifyAsync(second);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(Total, result.EventsChecked);
    }

    [Fact]
    public async Task Two_instances_opening_a_new_file_at_once_create_one_schema()
    {
        var path = _dir.File("race.db");
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () => await OpenAsync(path))));
        try
        {
            await Task.WhenAll(stores.Select(s => s.AppendAsync(AuditTestData.Entry(0)).AsTask()));
            Assert.True((await AuditChainVerifier.VerifyAsync(stores[0])).IsValid);
            Assert.Equal(4, (await stores[0].GetLastAsync())?.Sequence);
        }
        finally
        {
            foreach (var s in stores)
            {
                await s.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData(13, "database or disk is full", ReasonCodes.AuditStoreUnavailable, "disk is full")]
    [InlineData(8, "attempt to write a readonly database", ReasonCodes.AuditStoreUnavailable, "read-only")]
    [InlineData(5, "database is locked", ReasonCodes.AuditStoreUnavailable, "BusyTimeout")]
    [InlineData(6, "database table is locked", ReasonCodes.AuditStoreUnavailable, "BusyTimeout")]
    [InlineData(14, "unable to open database file", ReasonCodes.AuditStoreUnavailable, "cannot be opened")]
    [InlineData(10, "disk I/O error", ReasonCodes.AuditStoreUnavailable, "I/O error")]
    [InlineData(21, "bad parameter or other API misuse", ReasonCodes.AuditStoreUnavailable, "SQLite error 21")]
    [InlineData(26, "file is not a database", ReasonCodes.AuditStoreCorrupt, "not a SQLite database")]
    [InlineData(11, "database disk image is malformed", ReasonCodes.AuditStoreCorrupt, "restore it from a backup")]
    [InlineData(1, "no such table: carteauth_audit", ReasonCodes.AuditStoreCorrupt, "changed outside CarteAuth")]
    public void Sqlite_errors_become_typed_errors_naming_the_file(int code, string message, string reasonCode, string advice)
    {
        var path = _dir.File("map.db");
        var store = new SqliteAuditStore(new SqliteAuditStoreOptions { Path = path });

        var ex = store.Map(new SqliteException(message, code), "record an audit event in");

        Assert.Equal(reasonCode, ex.ReasonCode);
        Assert.Equal(path, ex.StorePath);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(advice, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposed_store_throws_object_disposed()
    {
        var store = await OpenAsync(_dir.File("disposed.db"));
        await store.DisposeAsync();
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.AppendAsync(AuditTestData.Entry(0)));
    }
}
