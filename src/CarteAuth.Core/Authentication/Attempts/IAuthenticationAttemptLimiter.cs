namespace CarteAuth.Authentication.Attempts;

/// <summary>
/// Counts failed authentication attempts per identity and per source and locks a key out after too many
/// (<see cref="AttemptLimiterOptions"/>): fixed window of <see cref="AttemptLimiterOptions.Window"/> starting at the
/// first failure; the failure that reaches the maximum locks the key for <see cref="AttemptLimiterOptions.LockoutDuration"/>,
/// after which the count starts again from zero. <see cref="IAuthenticationService"/> applies it to every attempt:
/// a locked key is refused without checking the secret (no oracle). Implementations shared by several nodes (Redis)
/// must count atomically (no lost increment under concurrency). Failures of the store are
/// <see cref="CarteAuthException"/>s with <see cref="ReasonCodes.AuthAttemptStoreUnavailable"/> (the attempt is refused).
/// </summary>
public interface IAuthenticationAttemptLimiter
{
    /// <summary>The options the limiter counts with.</summary>
    AttemptLimiterOptions Options { get; }

    /// <summary>The key's current state (O(1), no write).</summary>
    /// <param name="key">The identity or source.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    ValueTask<AttemptStatus> GetStatusAsync(AttemptKey key, CancellationToken cancellationToken = default);

    /// <summary>Counts one failure (nothing is counted while the key is locked) and returns the state after it.</summary>
    /// <param name="key">The identity or source.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask<AttemptStatus> RecordFailureAsync(AttemptKey key, CancellationToken cancellationToken = default);

    /// <summary>Forgets the key's failures (after a success of the identity). A lockout in force is not lifted.</summary>
    /// <param name="key">The identity or source.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask ResetAsync(AttemptKey key, CancellationToken cancellationToken = default);
}
