using CarteAuth.SmartCard.Pkcs11;

namespace CarteAuth.SmartCard.Tests.Pkcs11;

public sealed class InMemoryCardChallengeStoreContractTests : CardChallengeStoreContract
{
    protected override ICardChallengeStore CreateStore() => new InMemoryCardChallengeStore();
}
