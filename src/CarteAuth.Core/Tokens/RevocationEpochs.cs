using System.Collections.Concurrent;

namespace CarteAuth.Tokens;

/// <summary>
/// Revocation epochs ("sign out everywhere"): each subject has a counter, 0 until first revoked. Session tokens carry
/// the counter's value at issuance in their <c>rev</c> claim; a token whose <c>rev</c> is lower than the subject's
/// current epoch is revoked. <see cref="RevokeAllAsync"/> increments the counter, revoking every token issued before.
/// Implementations shared by several nodes (Redis, PostgreSQL) must make the increment atomic.
/// </summary>
public interface IRevocationEpochStore
{
    /// <summary>The subject's current epoch (0 when never revoked).</summary>
    /// <param name="subject">The token subject (the professional's idNat).</param>
    /// <param name="ct">Cancels the lookup.</param>
    ValueTask<long> GetEpochAsync(string subject, CancellationToken ct = default);

    /// <summary>Revokes every token of the subject issued so far by incrementing its epoch; returns the new epoch.</summary>
    /// <param name="subject">The token subject (the professional's idNat).</param>
    /// <param name="ct">Cancels the update.</param>
    ValueTask<long> RevokeAllAsync(string subject, CancellationToken ct = default);
}

/// <summary>
/// An in-process <see cref="IRevocationEpochStore"/> (one node; epochs are lost on restart, which un-revokes tokens
/// still within their lifetime: use a shared store when that matters). Thread-safe; memory grows only with the number
/// of subjects ever revoked.
/// </summary>
public sealed class InMemoryRevocationEpochStore : IRevocationEpochStore
{
    private readonly ConcurrentDictionary<string, long> _epochs = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public ValueTask<long> GetEpochAsync(string subject, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return new(_epochs.TryGetValue(subject, out var epoch) ? epoch : 0);
    }

    /// <inheritdoc/>
    public ValueTask<long> RevokeAllAsync(string subject, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ct.ThrowIfCancellationRequested();
        return new(_epochs.AddOrUpdate(subject, static _ => 1, static (_, epoch) => epoch + 1));
    }
}
