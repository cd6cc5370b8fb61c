using CarteAuth.Tokens;

namespace CarteAuth.Core.Tests.Tokens;

public sealed class InMemoryRevocationEpochStoreContractTests : RevocationEpochStoreContract
{
    protected override IRevocationEpochStore CreateStore() => new InMemoryRevocationEpochStore();
}

public sealed class InMemoryReplayCacheContractTests : ReplayCacheContract
{
    protected override IReplayCache CreateCache() => new InMemoryReplayCache(TimeProvider.System);
}
