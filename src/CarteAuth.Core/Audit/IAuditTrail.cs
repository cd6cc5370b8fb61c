namespace CarteAuth.Audit;

/// <summary>Where authentication attempts and policy decisions are recorded.</summary>
public interface IAuditTrail
{
    /// <summary>
    /// Records <paramref name="entry"/> as the next event of the chain. When this returns, the event is durably
    /// stored; when it cannot be, this throws and nothing is recorded.
    /// </summary>
    /// <param name="entry">What to record.</param>
    /// <param name="ct">Cancels the wait for the store; once writing has started it completes.</param>
    /// <returns>The recorded event, with its sequence number, normalized timestamp and hashes.</returns>
    /// <exception cref="AuditFormatException">The entry cannot be recorded as given (<see cref="ReasonCodes.AuditInvalidEntry"/>).</exception>
    /// <exception cref="AuditStoreException">The store cannot record it (<see cref="ReasonCodes.AuditStoreUnavailable"/>, <see cref="ReasonCodes.AuditStoreCorrupt"/>).</exception>
    ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken ct = default);
}

/// <summary>An audit trail that can also be read back, for verification and export.</summary>
public interface IAuditStore : IAuditTrail
{
    /// <summary>
    /// Reads the events in sequence order, starting at <paramref name="fromSequence"/>. Events are returned as
    /// stored, without verification (use <see cref="AuditChainVerifier"/>).
    /// </summary>
    /// <param name="fromSequence">The first sequence number to read (1 or more).</param>
    /// <param name="ct">Stops the enumeration.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fromSequence"/> is below 1.</exception>
    /// <exception cref="AuditStoreException">The store cannot be read, or an event cannot be decoded
    /// (<see cref="ReasonCodes.AuditMalformedEvent"/>, with <see cref="AuditStoreException.Sequence"/> set).</exception>
    IAsyncEnumerable<AuditEvent> ReadAsync(long fromSequence = 1, CancellationToken ct = default);

    /// <summary>The last event of the chain, or null when the store is empty.</summary>
    /// <param name="ct">Cancels the read.</param>
    /// <exception cref="AuditStoreException">The store cannot be read or its last event cannot be decoded.</exception>
    ValueTask<AuditEvent?> GetLastAsync(CancellationToken ct = default);
}
