using System.Runtime.CompilerServices;
using CarteAuth.Audit;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Core.Tests.Audit;

/// <summary>Verifier cases a well-behaved store cannot produce, through a store that returns whatever it is given.</summary>
public sealed class AuditChainVerifierTests
{
    private sealed class ListStore(IReadOnlyList<AuditEvent> events) : IAuditStore
    {
        public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken ct = default) => throw new NotSupportedException();

        public async IAsyncEnumerable<AuditEvent> ReadAsync(long fromSequence = 1, [EnumeratorCancellation] CancellationToken ct = default)
        {
            await Task.Yield();
            foreach (var e in events.Where(e => e.Sequence >= fromSequence))
            {
                yield return e;
            }
        }

        public ValueTask<AuditEvent?> GetLastAsync(CancellationToken ct = default) => ValueTask.FromResult(events.LastOrDefault());
    }

    private static List<AuditEvent> Chain(int count)
    {
        var store = new InMemoryAuditStore(new FakeTimeProvider(new DateTimeOffset(2025, 2, 2, 0, 0, 0, TimeSpan.Zero)));
        for (var i = 0; i < count; i++)
        {
            store.AppendAsync(AuditTestData.Entry(i)).AsTask().GetAwaiter().GetResult();
        }

        return AuditTestData.ReadAllAsync(store).GetAwaiter().GetResult();
    }

    [Fact]
    public async Task Events_out_of_order_are_a_broken_link()
    {
        var events = Chain(4);
        var result = await AuditChainVerifier.VerifyAsync(new ListStore([events[0], events[1], events[1], events[2]]));

        Assert.False(result.IsValid);
        Assert.Equal(ReasonCodes.AuditBrokenLink, result.ReasonCode);
        Assert.Equal(3, result.BrokenAtSequence);
        Assert.Contains("out of order", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hash_of_wrong_length_from_any_store_is_malformed()
    {
        var events = Chain(3);
        events[1] = events[1] with { Hash = new byte[5] };

        var result = await AuditChainVerifier.VerifyAsync(new ListStore(events));

        Assert.Equal(ReasonCodes.AuditMalformedEvent, result.ReasonCode);
        Assert.Equal(2, result.BrokenAtSequence);
        Assert.Contains("5 bytes instead of 32", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_kind_from_any_store_is_malformed()
    {
        var events = Chain(2);
        events[0] = events[0] with { Kind = null! };

        var result = await AuditChainVerifier.VerifyAsync(new ListStore(events));

        Assert.Equal(ReasonCodes.AuditMalformedEvent, result.ReasonCode);
        Assert.Equal(1, result.BrokenAtSequence);
        Assert.Equal(0, result.EventsChecked);
        Assert.Null(result.LastEvent);
    }

    [Fact]
    public async Task First_event_not_linked_to_genesis_is_a_broken_link()
    {
        var events = Chain(2);
        var first = events[0] with { PreviousHash = Enumerable.Repeat((byte)1, 32).ToArray() };
        first = first with { Hash = AuditChain.ComputeHash(first) };

        var result = await AuditChainVerifier.VerifyAsync(new ListStore([first]));

        Assert.Equal(ReasonCodes.AuditBrokenLink, result.ReasonCode);
        Assert.Equal(1, result.BrokenAtSequence);
        Assert.Contains("genesis", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gap_of_several_events_names_the_range()
    {
        var events = Chain(6);

        var result = await AuditChainVerifier.VerifyAsync(new ListStore([events[0], events[4], events[5]]));

        Assert.Equal(ReasonCodes.AuditSequenceGap, result.ReasonCode);
        Assert.Equal(2, result.BrokenAtSequence);
        Assert.Contains("events 2 to 4 are missing", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_stops_verification()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await AuditChainVerifier.VerifyAsync(new InMemoryAuditStore(), ct: cts.Token));
    }
}
