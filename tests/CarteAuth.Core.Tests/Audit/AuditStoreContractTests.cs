using CarteAuth.Audit;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Core.Tests.Audit;

/// <summary>Behaviour every <see cref="IAuditStore"/> must have; each store's test class derives from this.</summary>
public abstract class AuditStoreContractTests : IAsyncLifetime
{
    /// <summary>A start time with sub-millisecond ticks, to check truncation.</summary>
    protected static readonly DateTimeOffset Start = new DateTimeOffset(2025, 3, 14, 9, 26, 53, 589, TimeSpan.Zero).AddTicks(7932);

    private readonly List<IAuditStore> _stores = [];

    protected FakeTimeProvider Clock { get; } = new(Start);

    /// <summary>Creates a new, empty store using <see cref="Clock"/>.</summary>
    protected abstract ValueTask<IAuditStore> CreateStoreCoreAsync();

    protected async ValueTask<IAuditStore> CreateStoreAsync()
    {
        var store = await CreateStoreCoreAsync();
        _stores.Add(store);
        return store;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            if (store is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Empty_store_has_no_last_event_reads_nothing_and_verifies_valid()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.GetLastAsync());
        Assert.Empty(await AuditTestData.ReadAllAsync(store));
        var result = await AuditChainVerifier.VerifyAsync(store);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(0, result.EventsChecked);
        Assert.Null(result.LastEvent);
        Assert.Null(result.BrokenAtSequence);
        Assert.Null(result.ReasonCode);
    }

    [Fact]
    public async Task First_event_has_sequence_1_genesis_link_and_its_computed_hash()
    {
        var store = await CreateStoreAsync();

        var e = await store.AppendAsync(AuditTestData.Entry(1));

        Assert.Equal(1, e.Sequence);
        Assert.Equal(new byte[32], e.PreviousHash.ToArray());
        Assert.Equal(new string('0', 64), e.PreviousHashHex);
        Assert.Equal(32, e.Hash.Length);
        Assert.Equal(AuditChain.ComputeHash(e), e.Hash.ToArray());
        Assert.Equal(Convert.ToHexStringLower(e.Hash.Span), e.HashHex);
        var result = await AuditChainVerifier.VerifyAsync(store);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(1, result.EventsChecked);
        Assert.Equal(e, result.LastEvent);
    }

    [Fact]
    public async Task Round_trip_keeps_every_field_and_distinguishes_null_from_empty()
    {
        var store = await CreateStoreAsync();
        var full = new AuditEntry
        {
            Kind = AuditEventKinds.Authentication,
            Result = AuditResults.Failure,
            Subject = "899700075122",
            Methods = "sc pin",
            Authenticator = "smartcard",
            Policy = "dossier-patient",
            ReasonCode = "cert.revoked",
            ClientAddress = "2001:db8::1",
            CorrelationId = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            Detail = "Carte révoquée – Médecin 👩‍⚕️\nligne 2\ttab \"quoted\" 'single' \\ back",
            Timestamp = new DateTimeOffset(2024, 12, 31, 23, 59, 59, 999, TimeSpan.FromHours(2)).AddTicks(9999),
        };
        var nulls = new AuditEntry { Kind = "k", Result = "r" };
        var empties = new AuditEntry
        {
            Kind = "k",
            Result = "r",
            Subject = "",
            Methods = "",
            Authenticator = "",
            Policy = "",
            ReasonCode = "",
            ClientAddress = "",
            CorrelationId = "",
            Detail = "",
        };

        var appended = new List<AuditEvent>
        {
            await store.AppendAsync(full),
            await store.AppendAsync(nulls),
            await store.AppendAsync(empties),
        };
        var read = await AuditTestData.ReadAllAsync(store);

        Assert.Equal(appended, read);
        var first = read[0];
        Assert.Equal(full with { Timestamp = new DateTimeOffset(2024, 12, 31, 21, 59, 59, 999, TimeSpan.Zero) }, first.ToEntry());
        Assert.Equal(TimeSpan.Zero, first.Timestamp.Offset);
        Assert.Null(read[1].Subject);
        Assert.Null(read[1].Detail);
        Assert.Equal("", read[2].Subject);
        Assert.Equal("", read[2].Detail);
        Assert.NotEqual(read[1].Hash.ToArray(), AuditChain.ComputeHash(read[2] with { PreviousHash = read[1].PreviousHash, Sequence = 2 }));
        Assert.True((await AuditChainVerifier.VerifyAsync(store)).IsValid);
    }

    [Fact]
    public async Task Entry_without_timestamp_gets_the_clock_time_in_utc_truncated_to_the_millisecond()
    {
        var store = await CreateStoreAsync();

        var appended = await store.AppendAsync(new AuditEntry { Kind = "k", Result = "r" });
        Clock.Advance(TimeSpan.FromMinutes(3));
        var second = await store.AppendAsync(new AuditEntry { Kind = "k", Result = "r" });

        var expected = new DateTimeOffset(2025, 3, 14, 9, 26, 53, 589, TimeSpan.Zero);
        Assert.Equal(expected, appended.Timestamp);
        Assert.Equal(0, appended.Timestamp.Ticks % TimeSpan.TicksPerMillisecond);
        Assert.Equal(expected.AddMinutes(3), second.Timestamp);
        Assert.Equal(appended, (await AuditTestData.ReadAllAsync(store))[0]);
    }

    [Fact]
    public async Task Many_events_are_contiguous_linked_and_verify()
    {
        var store = await CreateStoreAsync();
        for (var i = 0; i < 25; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            await store.AppendAsync(AuditTestData.Entry(i));
        }

        var events = await AuditTestData.ReadAllAsync(store);

        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), events.Select(e => e.Sequence));
        for (var i = 1; i < events.Count; i++)
        {
            Assert.Equal(events[i - 1].Hash.ToArray(), events[i].PreviousHash.ToArray());
        }

        Assert.Equal(events[^1], await store.GetLastAsync());
        var result = await AuditChainVerifier.VerifyAsync(store);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(25, result.EventsChecked);
        Assert.Equal(events[^1], result.LastEvent);
        Assert.Contains(events[^1].ToHead().ToString(), result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_starts_at_the_given_sequence()
    {
        var store = await CreateStoreAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.AppendAsync(AuditTestData.Entry(i));
        }

        Assert.Equal([3L, 4L, 5L], (await AuditTestData.ReadAllAsync(store, 3)).Select(e => e.Sequence));
        Assert.Empty(await AuditTestData.ReadAllAsync(store, 6));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await AuditTestData.ReadAllAsync(store, 0));
    }

    [Fact]
    public async Task Expected_head_that_is_in_the_chain_verifies()
    {
        var store = await CreateStoreAsync();
        AuditHead? head = null;
        for (var i = 0; i < 6; i++)
        {
            var e = await store.AppendAsync(AuditTestData.Entry(i));
            if (i == 3)
            {
                head = e.ToHead();
            }
        }

        var atHead = await AuditChainVerifier.VerifyAsync(store, head);
        var atEnd = await AuditChainVerifier.VerifyAsync(store, (await store.GetLastAsync())!.ToHead());

        Assert.True(atHead.IsValid, atHead.Message);
        Assert.True(atEnd.IsValid, atEnd.Message);
        Assert.Equal(6, atHead.EventsChecked);
    }

    [Fact]
    public async Task Expected_head_beyond_the_end_is_reported_as_truncation()
    {
        var store = await CreateStoreAsync();
        await store.AppendAsync(AuditTestData.Entry(0));
        await store.AppendAsync(AuditTestData.Entry(1));

        var result = await AuditChainVerifier.VerifyAsync(store, new AuditHead(4, new byte[32]));

        Assert.False(result.IsValid);
        Assert.Equal(ReasonCodes.AuditTruncated, result.ReasonCode);
        Assert.Equal(3, result.BrokenAtSequence);
        Assert.Equal(2, result.EventsChecked);
        Assert.Equal(2, result.LastEvent?.Sequence);
        Assert.Contains("events 3 to 4 were removed", result.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Expected_head_on_an_empty_store_is_reported_as_truncation()
    {
        var store = await CreateStoreAsync();

        var result = await AuditChainVerifier.VerifyAsync(store, new AuditHead(1, new byte[32]));

        Assert.False(result.IsValid);
        Assert.Equal(ReasonCodes.AuditTruncated, result.ReasonCode);
        Assert.Equal(1, result.BrokenAtSequence);
        Assert.Contains("empty", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expected_head_with_another_hash_means_the_chain_was_rewritten()
    {
        var store = await CreateStoreAsync();
        await store.AppendAsync(AuditTestData.Entry(0));
        await store.AppendAsync(AuditTestData.Entry(1));
        await store.AppendAsync(AuditTestData.Entry(2));

        var result = await AuditChainVerifier.VerifyAsync(store, new AuditHead(2, Enumerable.Repeat((byte)7, 32).ToArray()));

        Assert.False(result.IsValid);
        Assert.Equal(ReasonCodes.AuditBrokenLink, result.ReasonCode);
        Assert.Equal(2, result.BrokenAtSequence);
        Assert.Equal(1, result.EventsChecked);
        Assert.Contains("rewritten", result.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> InvalidEntries => new()
    {
        { "empty-kind", "Kind" },
        { "null-kind", "Kind" },
        { "empty-result", "Result" },
        { "null-result", "Result" },
        { "lone-surrogate-detail", "Detail" },
        { "lone-surrogate-subject", "Subject" },
    };

    [Theory]
    [MemberData(nameof(InvalidEntries))]
    public async Task Invalid_entry_is_refused_with_a_typed_error_and_nothing_is_recorded(string @case, string field)
    {
        var store = await CreateStoreAsync();
        await store.AppendAsync(AuditTestData.Entry(0));
        var entry = @case switch
        {
            "empty-kind" => new AuditEntry { Kind = "", Result = "success" },
            "null-kind" => new AuditEntry { Kind = null!, Result = "success" },
            "empty-result" => new AuditEntry { Kind = "authentication", Result = "" },
            "null-result" => new AuditEntry { Kind = "authentication", Result = null! },
            "lone-surrogate-detail" => new AuditEntry { Kind = "k", Result = "r", Detail = "bad \uD83D here" },
            "lone-surrogate-subject" => new AuditEntry { Kind = "k", Result = "r", Subject = "\uDC00" },
            _ => throw new ArgumentOutOfRangeException(nameof(@case)),
        };

        var ex = await Assert.ThrowsAsync<AuditFormatException>(async () => await store.AppendAsync(entry));

        Assert.Equal(ReasonCodes.AuditInvalidEntry, ex.ReasonCode);
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await store.GetLastAsync())?.Sequence);
        Assert.True((await AuditChainVerifier.VerifyAsync(store)).IsValid);
    }

    [Fact]
    public async Task Cancelled_append_records_nothing()
    {
        var store = await CreateStoreAsync();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.AppendAsync(AuditTestData.Entry(0), cts.Token));

        Assert.Null(await store.GetLastAsync());
    }

    [Fact]
    public async Task Concurrent_appends_make_one_contiguous_valid_chain()
    {
        var store = await CreateStoreAsync();
        const int Tasks = 8;
        const int PerTask = 50;

        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < PerTask; i++)
            {
                await store.AppendAsync(AuditTestData.Entry(i) with { CorrelationId = $"t{t}-{i}" });
            }
        })));

        var events = await AuditTestData.ReadAllAsync(store);
        Assert.Equal(Enumerable.Range(1, Tasks * PerTask).Select(i => (long)i), events.Select(e => e.Sequence));
        var expectedIds = Enumerable.Range(0, Tasks).SelectMany(t => Enumerable.Range(0, PerTask).Select(i => $"t{t}-{i}"));
        Assert.Equal(expectedIds.Order(StringComparer.Ordinal), events.Select(e => e.CorrelationId!).Order(StringComparer.Ordinal));
        var result = await AuditChainVerifier.VerifyAsync(store);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(Tasks * PerTask, result.EventsChecked);
    }

    [Fact]
    public async Task ReadRecentBySubject_returns_the_subjects_last_events_newest_first()
    {
        var store = await CreateStoreAsync();
        for (var i = 0; i < 7; i++)
        {
            await store.AppendAsync(AuditTestData.Entry(i) with { Subject = i % 3 == 0 ? "899700075122" : "810002813839" });
        }

        var recent = await store.ReadRecentBySubjectAsync("810002813839", 3);
        Assert.Equal([6L, 5L, 3L], recent.Select(e => e.Sequence));
        Assert.All(recent, e => Assert.Equal("810002813839", e.Subject));
        Assert.Equal((await AuditTestData.ReadAllAsync(store))[5], recent[0]); // the same event as a full read gives

        Assert.Equal([7L, 4L, 1L], (await store.ReadRecentBySubjectAsync("899700075122", 10)).Select(e => e.Sequence));
        Assert.Empty(await store.ReadRecentBySubjectAsync("unknown", 10));
        Assert.Empty(await store.ReadRecentBySubjectAsync("81000281383", 10)); // exact match, not a prefix
    }

    [Fact]
    public async Task ReadRecentBySubject_refuses_bad_arguments()
    {
        var store = await CreateStoreAsync();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.ReadRecentBySubjectAsync("810002813839", 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.ReadRecentBySubjectAsync("810002813839", AuditStoreQueries.MaxRecentEvents + 1));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.ReadRecentBySubjectAsync("", 1));
    }
}
