using CarteAuth.Authentication;
using CarteAuth.Fido2.Challenges;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Stores;
using CarteAuth.Identity;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Fido2.Tests.TestSupport;

/// <summary>A relying party for example.org with in-memory stores, a fake clock and the test attestation verifier.</summary>
internal sealed class RpHarness
{
    public RpHarness(Action<Fido2Options>? configure = null, IFido2CredentialStore? store = null)
    {
        Options = DefaultOptions();
        configure?.Invoke(Options);
        Challenges = new InMemoryWebAuthnChallengeStore(Time, 1000);
        Store = store ?? new InMemoryFido2CredentialStore();
        Rp = new Fido2RelyingParty(Options, Challenges, Store, Attestation, Time);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));

    public Fido2Options Options { get; }

    public InMemoryWebAuthnChallengeStore Challenges { get; }

    public IFido2CredentialStore Store { get; }

    public TestAttestationVerifier Attestation { get; } = new();

    public Fido2RelyingParty Rp { get; }

    public static ProfessionalIdentity Identity { get; } = new(NationalId.Parse("899700075122"), "PHARMACH0007512", "CAROLE");

    public Fido2User User { get; } = new(Identity, Fido2User.NewUserHandle());

    public static Fido2Options DefaultOptions()
    {
        var o = new Fido2Options { RpId = "example.org", RpName = "Example" };
        o.Origins.Add("https://example.org");
        return o;
    }

    /// <summary>Registers <paramref name="authenticator"/> for <see cref="User"/>; asserts success.</summary>
    public async Task<Fido2CredentialRecord> RegisterAsync(SoftAuthenticator authenticator, AssuranceLevel level = AssuranceLevel.Substantial)
    {
        var options = await Rp.CreateRegistrationOptionsAsync(User, level);
        var result = await Rp.VerifyRegistrationAsync(authenticator.Register(options.Challenge));
        Assert.True(result.Succeeded, result.ToString());
        return result.Credential!;
    }

    public async Task<PublicKeyCredentialRequestOptionsJSON> AssertionOptionsAsync(bool identified = true, AssuranceLevel level = AssuranceLevel.Substantial) =>
        await Rp.CreateAssertionOptionsAsync(identified ? User.UserHandle : null, level);
}
