using CarteAuth.Audit;

namespace CarteAuth.Core.Tests.Audit;

public sealed class InMemoryAuditStoreTests : AuditStoreContractTests
{
    protected override ValueTask<IAuditStore> CreateStoreCoreAsync() => ValueTask.FromResult<IAuditStore>(new InMemoryAuditStore(Clock));

    [Fact]
    public async Task Count_follows_appends()
    {
        var store = new InMemoryAuditStore(Clock);
        await store.AppendAsync(AuditTestData.Entry(0));
        await store.AppendAsync(AuditTestData.Entry(1));

        Assert.Equal(2, store.Count);
    }
}
