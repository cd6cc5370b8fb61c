using CarteAuth.Authentication;
using CarteAuth.Identity;

namespace CarteAuth.Fido2.Challenges;

/// <summary>The two WebAuthn ceremonies.</summary>
public enum WebAuthnCeremony
{
    /// <summary>Registration (<c>navigator.credentials.create</c>, §7.1).</summary>
    Registration,
    /// <summary>Authentication (<c>navigator.credentials.get</c>, §7.2).</summary>
    Authentication,
}

/// <summary>
/// What the server remembers of the options it sent, keyed by their challenge: the ceremony, who it is for and what
/// the response must satisfy. Stored by <see cref="Fido2RelyingParty"/> when it creates options; consumed once when the
/// response comes back.
/// </summary>
public sealed record WebAuthnChallengeState
{
    /// <summary>The challenge bytes (32 random bytes).</summary>
    public required byte[] Challenge { get; init; }

    /// <summary>The ceremony the challenge was issued for.</summary>
    public required WebAuthnCeremony Ceremony { get; init; }

    /// <summary>When the challenge stops being accepted.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The session (or other caller binding) the challenge was issued to; null when not bound.</summary>
    public string? Binding { get; init; }

    /// <summary>The user handle of the account (registration; authentication when the user was identified first).</summary>
    public byte[]? UserHandle { get; init; }

    /// <summary>The professional registering (registration only).</summary>
    public ProfessionalIdentity? User { get; init; }

    /// <summary>The assurance level asked for.</summary>
    public AssuranceLevel Level { get; init; } = AssuranceLevel.Substantial;

    /// <summary>True when the response must have the UV flag.</summary>
    public bool UserVerificationRequired { get; init; } = true;

    /// <summary>The algorithms offered in <c>pubKeyCredParams</c> (registration).</summary>
    public IReadOnlyList<CoseAlgorithm> Algorithms { get; init; } = [];

    /// <summary>The credential ids of <c>allowCredentials</c> (authentication; empty = any of the user's or discoverable).</summary>
    public IReadOnlyList<byte[]> AllowedCredentialIds { get; init; } = [];
}

/// <summary>
/// Keeps issued WebAuthn challenges until they are answered: each is single use and expires. The default
/// <see cref="InMemoryWebAuthnChallengeStore"/> serves one node; several nodes share one store (e.g. Redis) behind
/// this interface.
/// </summary>
public interface IWebAuthnChallengeStore
{
    /// <summary>Stores a new challenge.</summary>
    /// <exception cref="WebAuthnException">The store cannot take more challenges (fail closed).</exception>
    ValueTask StoreAsync(WebAuthnChallengeState state, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes and returns the state of <paramref name="challenge"/> when it was issued for <paramref name="ceremony"/>
    /// and has not expired; null when unknown, expired, already consumed or issued for the other ceremony.
    /// </summary>
    ValueTask<WebAuthnChallengeState?> ConsumeAsync(ReadOnlyMemory<byte> challenge, WebAuthnCeremony ceremony, CancellationToken cancellationToken = default);
}
