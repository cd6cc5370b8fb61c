using System.Collections.Concurrent;
using System.Globalization;
using CarteAuth.Audit;

namespace CarteAuth.Core.Tests.Audit;

/// <summary>Group commit of <see cref="SqliteAuditStore"/>: concurrent appends share one transaction and one COMMIT.</summary>
public sealed class SqliteAuditGroupCommitTests : IDisposable
{
    private const int Callers = 64;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Concurrent_appends_are_batched_into_one_valid_chain_and_each_caller_gets_its_own_event()
    {
        var path = _dir.File("group.db");
        await using var store = await SqliteAuditStore.OpenAsync(new SqliteAuditStoreOptions { Path = path });
        await store.AppendAsync(AuditTestData.Entry(0));
        var batches = new ConcurrentQueue<(int Size, Exception? Error)>();
        store.BatchWritten = (size, error) => batches.Enqueue((size, error));

        // Another connection holds the write lock while the callers queue up, so they must share batches.
        List<AuditEvent> returned;
        using (var blocker = RawSqlite.Open(path))
        {
            Execute(blocker, "BEGIN IMMEDIATE");
            var appends = await QueueBehindABlockedWriterAsync(store, i => AuditTestData.Entry(i) with { CorrelationId = Id(i) });
            Execute(blocker, "COMMIT");
            returned = [.. await Task.WhenAll(appends)];
        }

        var stored = await AuditTestData.ReadAllAsync(store);
        Assert.Equal(Enumerable.Range(1, Callers + 1).Select(i => (long)i), stored.Select(e => e.Sequence));
        for (var i = 1; i <= Callers; i++)
        {
            // Each caller's task reports its own entry, at the sequence and with the hash that were committed.
            var mine = returned[i - 1];
            Assert.Equal(Id(i), mine.CorrelationId);
            var row = stored[(int)mine.Sequence - 1];
            Assert.Equal(Id(i), row.CorrelationId);
            Assert.Equal(row.Hash.ToArray(), mine.Hash.ToArray());
            Assert.Equal(row.PreviousHash.ToArray(), mine.PreviousHash.ToArray());
        }

        var result = await AuditChainVerifier.VerifyAsync(store);
        Assert.True(result.IsValid, result.Message);
        Assert.All(batches, b => Assert.Null(b.Error));
        Assert.Equal(Callers, batches.Sum(b => b.Size));
        Assert.Equal([1, Callers - 1], batches.Select(b => b.Size));
    }

    [Fact]
    public async Task A_failed_batch_fails_every_caller_in_it_and_records_nothing()
    {
        var path = _dir.File("groupfail.db");
        await using var store = await SqliteAuditStore.OpenAsync(new SqliteAuditStoreOptions { Path = path });
        await store.AppendAsync(AuditTestData.Entry(0));
        var batches = new ConcurrentQueue<(int Size, Exception? Error)>();
        store.BatchWritten = (size, error) => batches.Enqueue((size, error));

        Task<AuditEvent>[] appends;
        using (var blocker = RawSqlite.Open(path))
        {
            // While the callers queue, another writer appends a last event with a malformed hash: no batch can chain
            // after it, so each batch fails after its BEGIN.
            Execute(blocker, "BEGIN IMMEDIATE");
            appends = await QueueBehindABlockedWriterAsync(store, AuditTestData.Entry);
            Execute(blocker, "INSERT INTO carteauth_audit (seq, timestamp, kind, result, prev_hash, hash) VALUES (2, '2026-01-01T00:00:00.000Z', 'k', 'r', x'00', x'0102')");
            Execute(blocker, "COMMIT");
        }

        foreach (var append in appends)
        {
            var ex = await Assert.ThrowsAsync<AuditStoreException>(() => append);
            Assert.Equal(ReasonCodes.AuditStoreCorrupt, ex.ReasonCode);
            Assert.Equal(2, ex.Sequence);
        }

        Assert.Equal(2L, RawSqlite.Scalar(path, "SELECT count(*) FROM carteauth_audit"));
        Assert.All(batches, b => Assert.IsType<AuditStoreException>(b.Error));
        Assert.Equal([1, Callers - 1], batches.Select(b => b.Size));
    }

    [Fact]
    public async Task A_caller_cancelled_while_queued_records_nothing_and_the_others_commit()
    {
        var path = _dir.File("groupcancel.db");
        await using var store = await SqliteAuditStore.OpenAsync(new SqliteAuditStoreOptions { Path = path });
        await store.AppendAsync(AuditTestData.Entry(0));

        using var cts = new CancellationTokenSource();
        Task<AuditEvent> first;
        Task<AuditEvent> cancelled;
        using (var blocker = RawSqlite.Open(path))
        {
            Execute(blocker, "BEGIN IMMEDIATE");
            first = Task.Run(async () => await store.AppendAsync(AuditTestData.Entry(1) with { CorrelationId = "first" }));
            await Task.Delay(200); // the first caller holds the writer gate, blocked in BEGIN IMMEDIATE
            cancelled = Task.Run(async () => await store.AppendAsync(AuditTestData.Entry(2) with { CorrelationId = "cancelled" }, cts.Token));
            await Task.Delay(100);
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
            Execute(blocker, "COMMIT");
        }

        Assert.Equal(2, (await first).Sequence);
        var next = await store.AppendAsync(AuditTestData.Entry(3) with { CorrelationId = "next" });
        Assert.Equal(3, next.Sequence);
        var stored = await AuditTestData.ReadAllAsync(store);
        Assert.DoesNotContain(stored, e => e.CorrelationId == "cancelled");
        Assert.True((await AuditChainVerifier.VerifyAsync(store)).IsValid);
    }

    [Fact]
    public async Task Appends_cancelled_between_the_writer_waking_and_taking_them_leave_the_writer_running()
    {
        var path = _dir.File("groupcancelwake.db");
        await using var store = await SqliteAuditStore.OpenAsync(new SqliteAuditStoreOptions { Path = path });
        await store.AppendAsync(AuditTestData.Entry(0));

        using var cts = new CancellationTokenSource();
        var once = 0;
        store.BeforeBatchTaken = () =>
        {
            if (Interlocked.Exchange(ref once, 1) == 0)
            {
                cts.Cancel(); // the only queued append leaves the queue before the writer takes it
            }
        };
        var cancelled = store.AppendAsync(AuditTestData.Entry(1) with { CorrelationId = "cancelled" }, cts.Token).AsTask();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        // The writer found an empty queue but must keep serving: the next append is written.
        var next = await store.AppendAsync(AuditTestData.Entry(2) with { CorrelationId = "next" }).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, next.Sequence);
        Assert.DoesNotContain(await AuditTestData.ReadAllAsync(store), e => e.CorrelationId == "cancelled");
    }

    /// <summary>
    /// Starts a first append on the thread pool and waits until the writer took it as a batch of its own (it then waits
    /// in BEGIN IMMEDIATE behind the blocker), then queues the other callers from this thread, so they all wait for
    /// the next batch. (A fixed delay instead of that wait let a slow start put more callers in the first batch.)
    /// </summary>
    private static async Task<Task<AuditEvent>[]> QueueBehindABlockedWriterAsync(SqliteAuditStore store, Func<int, AuditEntry> entry)
    {
        var firstTaken = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.BatchTaken = size => firstTaken.TrySetResult(size);
        var first = Task.Run(async () => await store.AppendAsync(entry(1)));
        Assert.Equal(1, await firstTaken.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        store.BatchTaken = null;
        return [first, .. Enumerable.Range(2, Callers - 1).Select(i => store.AppendAsync(entry(i)).AsTask())];
    }

    private static string Id(int i) => "caller-" + i.ToString(CultureInfo.InvariantCulture);

    private static void Execute(Microsoft.Data.Sqlite.SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
