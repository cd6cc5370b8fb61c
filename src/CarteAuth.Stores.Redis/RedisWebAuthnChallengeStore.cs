using System.Text.Json;
using CarteAuth.Authentication;
using CarteAuth.Fido2;
using CarteAuth.Fido2.Challenges;
using StackExchange.Redis;

namespace CarteAuth.Stores.Redis;

/// <summary>
/// <see cref="IWebAuthnChallengeStore"/> in Redis, so a ceremony started on one node can finish on another: one key per
/// challenge (<c>{prefix}webauthn-challenge:{base64url}</c>, <c>SET NX PXAT</c> its expiry), consumed with <c>GETDEL</c>
/// (atomic: a challenge is answered at most once across nodes, and burnt even by a wrong ceremony). The professional's
/// identity is kept in CarteAuth's evidence JSON form. Needs Redis 6.2 or later. Failures are
/// <see cref="WebAuthnException"/>s with <see cref="ReasonCodes.WebAuthnChallengeStoreUnavailable"/>.
/// </summary>
public sealed class RedisWebAuthnChallengeStore(RedisConnection redis, TimeProvider time) : IWebAuthnChallengeStore
{
    /// <inheritdoc/>
    public async ValueTask StoreAsync(WebAuthnChallengeState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        cancellationToken.ThrowIfCancellationRequested();
        var json = JsonSerializer.Serialize(Stored.From(state));
        var added = await RunAsync("store the challenge", () => redis.Database.StringSetAsync(redis.Challenge(state.Challenge), json, new Expiration(state.ExpiresAt.UtcDateTime), ValueCondition.NotExists)).ConfigureAwait(false);
        if (!added)
        {
            throw new ArgumentException("This challenge is already stored; challenges must be fresh random bytes.", nameof(state));
        }
    }

    /// <inheritdoc/>
    public async ValueTask<WebAuthnChallengeState?> ConsumeAsync(ReadOnlyMemory<byte> challenge, WebAuthnCeremony ceremony, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var value = await RunAsync("consume the challenge", () => redis.Database.StringGetDeleteAsync(redis.Challenge(challenge.Span))).ConfigureAwait(false);
        if (value.IsNull)
        {
            return null;
        }

        var state = JsonSerializer.Deserialize<Stored>(value.ToString())?.ToState();
        return state is not null && state.Ceremony == ceremony && time.GetUtcNow() < state.ExpiresAt ? state : null;
    }

    private static async Task<T> RunAsync<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await RedisConnection.RunAsync(ReasonCodes.WebAuthnChallengeStoreUnavailable, what, call).ConfigureAwait(false);
        }
        catch (CarteAuthException e) when (e is not WebAuthnException)
        {
            throw new WebAuthnException(e.ReasonCode, e.Message, e.InnerException);
        }
    }

    /// <summary>The stored form (JSON).</summary>
    private sealed record Stored(
        byte[] Challenge,
        WebAuthnCeremony Ceremony,
        DateTimeOffset ExpiresAt,
        string? Binding,
        byte[]? UserHandle,
        string? User,
        AssuranceLevel Level,
        bool UserVerificationRequired,
        CoseAlgorithm[] Algorithms,
        byte[][] AllowedCredentialIds)
    {
        public static Stored From(WebAuthnChallengeState s) => new(
            s.Challenge, s.Ceremony, s.ExpiresAt, s.Binding, s.UserHandle,
            // The identity in the evidence JSON form sessions use (its methods and level are placeholders, not read back).
            s.User is null ? null : EvidenceJson.Serialize(new AuthenticationEvidence(s.User, AuthenticationMethods.Hwk, AssuranceLevel.Low, s.ExpiresAt, "webauthn-challenge")),
            s.Level, s.UserVerificationRequired, [.. s.Algorithms], [.. s.AllowedCredentialIds]);

        public WebAuthnChallengeState ToState() => new()
        {
            Challenge = Challenge,
            Ceremony = Ceremony,
            ExpiresAt = ExpiresAt,
            Binding = Binding,
            UserHandle = UserHandle,
            User = User is null ? null : EvidenceJson.Parse(User).Identity,
            Level = Level,
            UserVerificationRequired = UserVerificationRequired,
            Algorithms = Algorithms,
            AllowedCredentialIds = AllowedCredentialIds,
        };
    }
}
