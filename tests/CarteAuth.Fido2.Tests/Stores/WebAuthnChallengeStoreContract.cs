using CarteAuth.Authentication;
using CarteAuth.Fido2.Challenges;
using CarteAuth.Identity;

namespace CarteAuth.Fido2.Tests.Stores;

/// <summary>
/// The contract of every <see cref="IWebAuthnChallengeStore"/> (real clock): subclass with <see cref="CreateStore"/>
/// (in-memory here; CarteAuth.Stores.Redis.Tests links this file for Redis). Self-contained so it can be linked.
/// </summary>
public abstract class WebAuthnChallengeStoreContract
{
    /// <summary>A new, empty store on the real clock.</summary>
    protected abstract IWebAuthnChallengeStore CreateStore();

    protected static WebAuthnChallengeState State(WebAuthnCeremony ceremony = WebAuthnCeremony.Authentication, TimeSpan? lifetime = null) => new()
    {
        Challenge = Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray(),
        Ceremony = ceremony,
        ExpiresAt = DateTimeOffset.UtcNow + (lifetime ?? TimeSpan.FromMinutes(5)),
    };

    [Fact]
    public async Task ConsumedOnce_WithEveryField()
    {
        var store = CreateStore();
        var state = State(WebAuthnCeremony.Registration) with
        {
            Binding = "session-1",
            UserHandle = [1, 2, 3],
            User = new ProfessionalIdentity(NationalId.Parse("810002813839"), "DUPONT", "JEANNE") { ProfessionCode = "10" },
            Level = AssuranceLevel.High,
            UserVerificationRequired = false,
            Algorithms = [CoseAlgorithm.ES256, CoseAlgorithm.RS256],
            AllowedCredentialIds = [[9, 9], [8]],
        };
        await store.StoreAsync(state);
        var back = await store.ConsumeAsync(state.Challenge, WebAuthnCeremony.Registration);
        Assert.NotNull(back);
        Assert.Equal(state.Challenge, back.Challenge);
        Assert.Equal(state.ExpiresAt, back.ExpiresAt);
        Assert.Equal("session-1", back.Binding);
        Assert.Equal(state.UserHandle, back.UserHandle);
        Assert.Equal("810002813839", back.User!.NationalId.Value);
        Assert.Equal(("DUPONT", "JEANNE", "10"), (back.User.FamilyName, back.User.GivenName, back.User.ProfessionCode));
        Assert.Equal(AssuranceLevel.High, back.Level);
        Assert.False(back.UserVerificationRequired);
        Assert.Equal(state.Algorithms, back.Algorithms);
        Assert.Equal(state.AllowedCredentialIds, back.AllowedCredentialIds);
        Assert.Null(await store.ConsumeAsync(state.Challenge, WebAuthnCeremony.Registration));
    }

    [Fact]
    public async Task OtherCeremony_IsNullAndBurnt_UnknownIsNull()
    {
        var store = CreateStore();
        var state = State();
        await store.StoreAsync(state);
        Assert.Null(await store.ConsumeAsync(state.Challenge, WebAuthnCeremony.Registration));
        Assert.Null(await store.ConsumeAsync(state.Challenge, WebAuthnCeremony.Authentication));
        Assert.Null(await store.ConsumeAsync(new byte[32], WebAuthnCeremony.Authentication));
    }

    [Fact]
    public async Task Expired_IsNull()
    {
        var store = CreateStore();
        var state = State(lifetime: TimeSpan.FromMilliseconds(300));
        await store.StoreAsync(state);
        await Task.Delay(700);
        Assert.Null(await store.ConsumeAsync(state.Challenge, WebAuthnCeremony.Authentication));
    }

    [Fact]
    public async Task ConcurrentConsumers_OnlyOneGetsIt()
    {
        var store = CreateStore();
        var state = State();
        await store.StoreAsync(state);
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => store.ConsumeAsync(state.Challenge, WebAuthnCeremony.Authentication).AsTask()));
        Assert.Single(results, r => r is not null);
    }
}
