using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CarteAuth.SmartCard.Pkcs11;

/// <summary>Options of <see cref="CardChallengeIssuer"/>.</summary>
public sealed class CardChallengeOptions
{
    /// <summary>The shortest lifetime accepted: 5 seconds.</summary>
    public static readonly TimeSpan MinLifetime = TimeSpan.FromSeconds(5);

    /// <summary>The longest lifetime accepted: 1 hour.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(1);

    /// <summary>How long a challenge is accepted after it is issued (default 2 minutes: time to type the PIN).</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// Issues card challenges (server side): 32 random bytes and a random id, recorded in an
/// <see cref="ICardChallengeStore"/> until the response comes back to <see cref="Pkcs11ChallengeVerifier"/>.
/// </summary>
public sealed class CardChallengeIssuer
{
    private readonly ICardChallengeStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _lifetime;

    /// <summary>Creates the issuer.</summary>
    /// <param name="store">Where challenges wait for their response (share it with the verifier).</param>
    /// <param name="options">Lifetime (default 2 minutes).</param>
    /// <param name="timeProvider">The clock (default <see cref="TimeProvider.System"/>).</param>
    /// <param name="logger">Logger (never receives challenge bytes).</param>
    /// <exception cref="CarteAuthException"><c>pkcs11.invalid-options</c> when the lifetime is out of range.</exception>
    public CardChallengeIssuer(ICardChallengeStore store, CardChallengeOptions? options = null, TimeProvider? timeProvider = null, ILogger<CardChallengeIssuer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var lifetime = (options ?? new CardChallengeOptions()).Lifetime;
        if (lifetime < CardChallengeOptions.MinLifetime || lifetime > CardChallengeOptions.MaxLifetime)
        {
            throw new CarteAuthException(
                ReasonCodes.Pkcs11InvalidOptions,
                $"The card challenge lifetime is {lifetime}; it must be between {CardChallengeOptions.MinLifetime} and {CardChallengeOptions.MaxLifetime} (default 2 minutes).");
        }

        _store = store;
        _lifetime = lifetime;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<CardChallengeIssuer>.Instance;
    }

    /// <summary>Issues a new challenge and records it in the store.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="CarteAuthException"><c>pkcs11.challenge-store-full</c> when the store refuses it.</exception>
    public async ValueTask<CardChallenge> IssueAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var challenge = new CardChallenge(CardChallenge.NewId(), RandomNumberGenerator.GetBytes(CardChallenge.ValueLength), now, now + _lifetime);
        await _store.AddAsync(challenge, cancellationToken).ConfigureAwait(false);
        SmartCardLog.ChallengeIssued(_logger, challenge.Id, challenge.ExpiresAt);
        return challenge;
    }
}
