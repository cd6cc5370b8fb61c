using CarteAuth.Fido2.Challenges;

namespace CarteAuth.Fido2.Tests.Stores;

public sealed class InMemoryWebAuthnChallengeStoreContractTests : WebAuthnChallengeStoreContract
{
    protected override IWebAuthnChallengeStore CreateStore() => new InMemoryWebAuthnChallengeStore();
}
