using CarteAuth.Authentication.Attempts;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Core.Tests.Authentication;

/// <summary>
/// The contract of every <see cref="IAuthenticationAttemptLimiter"/>: subclass with <see cref="CreateLimiter"/> (in-memory
/// here; CarteAuth.Stores.Redis.Tests links this file for Redis). Self-contained so it can be linked. Time is a
/// <see cref="FakeTimeProvider"/>: implementations must take "now" from the given clock.
/// </summary>
public abstract class AttemptLimiterContract
{
    /// <summary>A new limiter with empty counters (keys unique to the test), on <paramref name="time"/>.</summary>
    protected abstract IAuthenticationAttemptLimiter CreateLimiter(AttemptLimiterOptions options, TimeProvider time);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private static AttemptLimiterOptions Limits() => new()
    {
        MaxFailuresPerIdentity = 3,
        MaxFailuresPerSource = 5,
        Window = TimeSpan.FromMinutes(10),
        LockoutDuration = TimeSpan.FromMinutes(15),
    };

    private static string Unique(string name) => name + "-" + Guid.NewGuid().ToString("n");

    [Fact]
    public async Task Identity_IsLockedAfterMaxFailures_ThenUnlockedAfterTheLockout()
    {
        var limiter = CreateLimiter(Limits(), _time);
        var key = AttemptKey.Identity(Unique("radius-password:alice"));
        Assert.Equal(new AttemptStatus(1, null), await limiter.RecordFailureAsync(key));
        Assert.Equal(new AttemptStatus(2, null), await limiter.RecordFailureAsync(key));
        Assert.False((await limiter.GetStatusAsync(key)).IsLocked);
        var third = await limiter.RecordFailureAsync(key);
        Assert.True(third.IsLocked);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(15), third.LockedUntil!.Value, TimeSpan.FromMilliseconds(1));
        Assert.True((await limiter.GetStatusAsync(key)).IsLocked);

        // Failures during the lockout are not counted and do not extend it.
        _time.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(third.LockedUntil, (await limiter.RecordFailureAsync(key)).LockedUntil);

        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.Equal(AttemptStatus.Clear, await limiter.GetStatusAsync(key));
        Assert.Equal(new AttemptStatus(1, null), await limiter.RecordFailureAsync(key));
    }

    [Fact]
    public async Task Source_HasItsOwnMaximum()
    {
        var limiter = CreateLimiter(Limits(), _time);
        var source = AttemptKey.Source(Unique("10.1.2.3"));
        for (var i = 1; i <= 4; i++)
        {
            Assert.False((await limiter.RecordFailureAsync(source)).IsLocked);
        }

        Assert.True((await limiter.RecordFailureAsync(source)).IsLocked);
        Assert.True((await limiter.GetStatusAsync(source)).IsLocked);
    }

    [Fact]
    public async Task IdentityAndSource_WithTheSameValue_AreCountedApart()
    {
        var limiter = CreateLimiter(Limits(), _time);
        var value = Unique("same");
        for (var i = 0; i < 3; i++)
        {
            await limiter.RecordFailureAsync(AttemptKey.Identity(value));
        }

        Assert.True((await limiter.GetStatusAsync(AttemptKey.Identity(value))).IsLocked);
        Assert.Equal(AttemptStatus.Clear, await limiter.GetStatusAsync(AttemptKey.Source(value)));
    }

    [Fact]
    public async Task FailuresOutsideTheWindow_StartANewCount()
    {
        var limiter = CreateLimiter(Limits(), _time);
        var key = AttemptKey.Identity(Unique("bob"));
        await limiter.RecordFailureAsync(key);
        await limiter.RecordFailureAsync(key);
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        Assert.Equal(AttemptStatus.Clear, await limiter.GetStatusAsync(key));
        Assert.Equal(new AttemptStatus(1, null), await limiter.RecordFailureAsync(key));
        Assert.Equal(new AttemptStatus(2, null), await limiter.RecordFailureAsync(key));
    }

    [Fact]
    public async Task Reset_ForgetsFailures_ButNotALockoutInForce()
    {
        var limiter = CreateLimiter(Limits(), _time);
        var key = AttemptKey.Identity(Unique("carole"));
        await limiter.RecordFailureAsync(key);
        await limiter.RecordFailureAsync(key);
        await limiter.ResetAsync(key);
        Assert.Equal(AttemptStatus.Clear, await limiter.GetStatusAsync(key));
        Assert.Equal(new AttemptStatus(1, null), await limiter.RecordFailureAsync(key));

        await limiter.RecordFailureAsync(key);
        await limiter.RecordFailureAsync(key);
        await limiter.ResetAsync(key);
        Assert.True((await limiter.GetStatusAsync(key)).IsLocked);
    }

    [Fact]
    public async Task ConcurrentFailures_AreAllCounted()
    {
        var options = Limits();
        options.MaxFailuresPerSource = 1000;
        var limiter = CreateLimiter(options, _time);
        var key = AttemptKey.Source(Unique("10.9.9.9"));
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(async () => await limiter.RecordFailureAsync(key))));
        Assert.Equal(Enumerable.Range(1, 50), results.Select(static r => r.Failures).Order());
        Assert.Equal(50, (await limiter.GetStatusAsync(key)).Failures);
    }

    [Fact]
    public async Task ConcurrentFailures_LockExactlyOnce()
    {
        var limiter = CreateLimiter(Limits(), _time);
        var key = AttemptKey.Identity(Unique("dave"));
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () => await limiter.RecordFailureAsync(key))));
        Assert.Single(results.Select(static r => r.LockedUntil).Where(static l => l is not null).Distinct());
        Assert.Equal(2, results.Count(static r => !r.IsLocked));
    }
}
