namespace CarteAuth.SmartCard.Pkcs11;

/// <summary>What a store knows of a challenge id when a response consumes it.</summary>
public enum CardChallengeStatus
{
    /// <summary>The store never issued this id, or forgot it after it expired.</summary>
    Unknown = 0,

    /// <summary>First use: the challenge is returned and is now marked used.</summary>
    FirstUse = 1,

    /// <summary>The challenge was already used: a replay.</summary>
    AlreadyUsed = 2,
}

/// <summary>The outcome of <see cref="ICardChallengeStore.ConsumeAsync"/>.</summary>
/// <param name="Status">First use, already used or unknown.</param>
/// <param name="Challenge">The challenge on first use (null otherwise).</param>
public readonly record struct CardChallengeLookup(CardChallengeStatus Status, CardChallenge? Challenge);

/// <summary>
/// Where issued card challenges wait for their response. Consuming is atomic: of two concurrent consumers of the same
/// id, exactly one sees <see cref="CardChallengeStatus.FirstUse"/>. <see cref="InMemoryCardChallengeStore"/> is the
/// single-node default; several nodes share one store (e.g. Redis) behind this interface.
/// </summary>
public interface ICardChallengeStore
{
    /// <summary>Records a newly issued challenge.</summary>
    /// <param name="challenge">The challenge.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="CarteAuthException"><c>pkcs11.challenge-store-full</c> when the store cannot take more challenges.</exception>
    ValueTask AddAsync(CardChallenge challenge, CancellationToken cancellationToken = default);

    /// <summary>Marks the challenge used and returns it if this is its first use.</summary>
    /// <param name="id">The challenge id the response names.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    ValueTask<CardChallengeLookup> ConsumeAsync(string id, CancellationToken cancellationToken = default);
}
