using System.Collections.Concurrent;
using CarteAuth.Authentication;

namespace CarteAuth.Gateway.Radius;

/// <summary>A pending Access-Challenge: who passed the first factor, on which NAS, in which attempt.</summary>
/// <param name="UserName">The User-Name of the first round (the answer must carry the same).</param>
/// <param name="ClientName">The NAS that received the challenge (the answer must come from it).</param>
/// <param name="FirstFactor">The first factor's evidence.</param>
/// <param name="CorrelationId">The attempt's correlation id (both rounds' audit events carry it).</param>
/// <param name="ExpiresAt">When the State stops being accepted.</param>
public sealed record RadiusChallenge(string UserName, string ClientName, AuthenticationEvidence FirstFactor, string CorrelationId, DateTimeOffset ExpiresAt);

/// <summary>Where pending challenges are kept between the two rounds, keyed by their State. States are single use.</summary>
public interface IRadiusChallengeStore
{
    /// <summary>Keeps <paramref name="challenge"/> under <paramref name="state"/> until it expires.</summary>
    ValueTask StoreAsync(string state, RadiusChallenge challenge, CancellationToken cancellationToken = default);

    /// <summary>Removes and returns the challenge of <paramref name="state"/>; null when unknown, used or expired.</summary>
    ValueTask<RadiusChallenge?> TakeAsync(string state, CancellationToken cancellationToken = default);
}

/// <summary>The in-memory default <see cref="IRadiusChallengeStore"/> (one server; several nodes share challenges through Redis: <c>CarteAuth.Stores.Redis</c>, <c>RedisRadiusChallengeStore</c>). Bounded.</summary>
public sealed class InMemoryRadiusChallengeStore : IRadiusChallengeStore
{
    /// <summary>The most pending challenges kept; the oldest expire first when full.</summary>
    public const int Capacity = 100_000;

    private readonly ConcurrentDictionary<string, RadiusChallenge> _pending = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    /// <summary>Creates the store.</summary>
    public InMemoryRadiusChallengeStore(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
    }

    /// <inheritdoc/>
    public ValueTask StoreAsync(string state, RadiusChallenge challenge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(challenge);
        if (_pending.Count >= Capacity)
        {
            var now = _time.GetUtcNow();
            foreach (var (key, value) in _pending)
            {
                if (value.ExpiresAt <= now)
                {
                    _pending.TryRemove(key, out _);
                }
            }

            if (_pending.Count >= Capacity)
            {
                throw new CarteAuthException(ReasonCodes.RadiusOverloaded, $"{Capacity} RADIUS challenges are pending; no more can be started until some expire.");
            }
        }

        _pending[state] = challenge;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<RadiusChallenge?> TakeAsync(string state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        return ValueTask.FromResult(_pending.TryRemove(state, out var challenge) && challenge.ExpiresAt > _time.GetUtcNow() ? challenge : null);
    }
}
