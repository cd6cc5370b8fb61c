using CarteAuth.Tokens;

namespace CarteAuth.Core.Tests.Tokens;

/// <summary>
/// The contract of every <see cref="IRevocationEpochStore"/>: subclass with <see cref="CreateStore"/> (in-memory here;
/// CarteAuth.Stores.Redis.Tests links this file for Redis). Self-contained so it can be linked.
/// </summary>
public abstract class RevocationEpochStoreContract
{
    /// <summary>A new, empty store.</summary>
    protected abstract IRevocationEpochStore CreateStore();

    [Fact]
    public async Task StartsAtZero_IncrementsPerSubject()
    {
        var store = CreateStore();
        Assert.Equal(0, await store.GetEpochAsync("810002813839"));
        Assert.Equal(1, await store.RevokeAllAsync("810002813839"));
        Assert.Equal(2, await store.RevokeAllAsync("810002813839"));
        Assert.Equal(2, await store.GetEpochAsync("810002813839"));
        Assert.Equal(0, await store.GetEpochAsync("899700075122"));
    }

    [Fact]
    public async Task ConcurrentRevocations_AreAllCounted()
    {
        var store = CreateStore();
        var epochs = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => store.RevokeAllAsync("810002813839").AsTask()));
        Assert.Equal(Enumerable.Range(1, 20).Select(static i => (long)i), epochs.Order());
        Assert.Equal(20, await store.GetEpochAsync("810002813839"));
    }
}

/// <summary>
/// The contract of every <see cref="IReplayCache"/>: subclass with <see cref="CreateCache"/> (in-memory here;
/// CarteAuth.Stores.Redis.Tests links this file for Redis). Uses the real clock (a shared cache expires entries by its own).
/// </summary>
public abstract class ReplayCacheContract
{
    /// <summary>A new, empty cache on the real clock.</summary>
    protected abstract IReplayCache CreateCache();

    [Fact]
    public async Task AcceptsEachIdOnce()
    {
        var cache = CreateCache();
        var id = Guid.NewGuid().ToString("n");
        var expires = DateTimeOffset.UtcNow.AddMinutes(5);
        Assert.True(await cache.TryAddAsync(id, expires));
        Assert.False(await cache.TryAddAsync(id, expires));
        Assert.True(await cache.TryAddAsync(id + "-other", expires));
    }

    [Fact]
    public async Task ConcurrentAdds_OnlyOneWins()
    {
        var cache = CreateCache();
        var id = Guid.NewGuid().ToString("n");
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => cache.TryAddAsync(id, DateTimeOffset.UtcNow.AddMinutes(5)).AsTask()));
        Assert.Single(results, r => r);
    }

    [Fact]
    public async Task ForgetsIdsAfterTheirExpiry()
    {
        var cache = CreateCache();
        var id = Guid.NewGuid().ToString("n");
        Assert.True(await cache.TryAddAsync(id, DateTimeOffset.UtcNow.AddMilliseconds(300)));
        await Task.Delay(700);
        Assert.True(await cache.TryAddAsync(id, DateTimeOffset.UtcNow.AddMinutes(5)));
    }
}
