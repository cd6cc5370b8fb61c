namespace CarteAuth.Audit;

/// <summary>Queries over an <see cref="IAuditStore"/> for activity pages ("my sessions and sign-ins").</summary>
public static class AuditStoreQueries
{
    /// <summary>The largest <c>count</c> accepted by <see cref="ReadRecentBySubjectAsync"/>.</summary>
    public const int MaxRecentEvents = 1000;

    /// <summary>
    /// The last <paramref name="count"/> events recorded for <paramref name="subject"/> (e.g. an idNat), newest first.
    /// The SQLite store selects them in SQL; other stores are read once from the start, keeping only the last
    /// <paramref name="count"/>. Events are returned as stored, without verification (use <see cref="AuditChainVerifier"/>).
    /// </summary>
    /// <param name="store">The audit store.</param>
    /// <param name="subject">The subject, compared exactly (ordinal).</param>
    /// <param name="count">How many events at most, 1 to <see cref="MaxRecentEvents"/>.</param>
    /// <param name="ct">Cancels the read.</param>
    /// <returns>The events, by decreasing sequence number.</returns>
    /// <exception cref="ArgumentException"><paramref name="subject"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not between 1 and <see cref="MaxRecentEvents"/>.</exception>
    /// <exception cref="AuditStoreException">The store cannot be read or an event cannot be decoded.</exception>
    public static async ValueTask<IReadOnlyList<AuditEvent>> ReadRecentBySubjectAsync(this IAuditStore store, string subject, int count, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxRecentEvents);

        if (store is SqliteAuditStore sqlite)
        {
            var selected = new List<AuditEvent>(count);
            await foreach (var e in sqlite.ReadRecentBySubjectAsync(subject, count, ct).ConfigureAwait(false))
            {
                selected.Add(e);
            }

            return selected;
        }

        var last = new Queue<AuditEvent>(count + 1);
        await foreach (var e in store.ReadAsync(1, ct).ConfigureAwait(false))
        {
            if (string.Equals(e.Subject, subject, StringComparison.Ordinal))
            {
                last.Enqueue(e);
                if (last.Count > count)
                {
                    last.Dequeue();
                }
            }
        }

        return [.. last.Reverse()];
    }
}
