using System.Runtime.CompilerServices;

namespace CarteAuth.Audit;

/// <summary>
/// An audit store kept in memory: thread-safe, same chain and behaviour as <see cref="SqliteAuditStore"/>, but
/// lost when the process ends. For tests and embedded use where durability is provided elsewhere.
/// </summary>
public sealed class InMemoryAuditStore : IAuditStore
{
    private readonly Lock _lock = new();
    private readonly List<AuditEvent> _events = [];
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates an empty store.</summary>
    /// <param name="timeProvider">The clock for entries without a timestamp; the system clock when null.</param>
    public InMemoryAuditStore(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The number of events recorded.</summary>
    public long Count
    {
        get
        {
            lock (_lock)
            {
                return _events.Count;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        AuditChain.ValidateEntry(entry);
        ct.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var previous = _events.Count == 0 ? AuditChain.GenesisHash : _events[^1].Hash;
            var auditEvent = AuditChain.CreateEventFromValidatedEntry(entry, _events.Count + 1, previous.Span, _timeProvider);
            _events.Add(auditEvent);
            return ValueTask.FromResult(auditEvent);
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<AuditEvent> ReadAsync(long fromSequence = 1, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fromSequence, 1);
        await Task.CompletedTask.ConfigureAwait(false);
        for (var index = fromSequence - 1; ; index++)
        {
            ct.ThrowIfCancellationRequested();
            AuditEvent? next;
            lock (_lock)
            {
                next = index < _events.Count ? _events[(int)index] : null;
            }

            if (next is null)
            {
                yield break;
            }

            yield return next;
        }
    }

    /// <inheritdoc/>
    public ValueTask<AuditEvent?> GetLastAsync(CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(_events.Count == 0 ? null : _events[^1]);
        }
    }
}
