using CarteAuth.Authentication.Attempts;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Core.Tests.Authentication;

public sealed class InMemoryAttemptLimiterContractTests : AttemptLimiterContract
{
    protected override IAuthenticationAttemptLimiter CreateLimiter(AttemptLimiterOptions options, TimeProvider time) =>
        new InMemoryAuthenticationAttemptLimiter(options, time);
}

public sealed class InMemoryAttemptLimiterTests
{
    [Fact]
    public async Task AMillionDistinctSources_StayWithinTheCap_AndLockoutsSurvive()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var limiter = new InMemoryAuthenticationAttemptLimiter(new AttemptLimiterOptions { MaxTrackedKeys = 10_000, MaxFailuresPerIdentity = 2 }, time);
        var victim = AttemptKey.Identity("radius-password:alice");
        await limiter.RecordFailureAsync(victim);
        await limiter.RecordFailureAsync(victim);
        Assert.True((await limiter.GetStatusAsync(victim)).IsLocked);

        for (var i = 0; i < 1_000_000; i++)
        {
            await limiter.RecordFailureAsync(AttemptKey.Source("src-" + i));
            Assert.True(limiter.Count <= 10_000);
        }

        // The spray did not flush the lockout away.
        Assert.True((await limiter.GetStatusAsync(victim)).IsLocked);
    }

    [Fact]
    public async Task ExpiredKeys_AreDroppedFirst()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var limiter = new InMemoryAuthenticationAttemptLimiter(new AttemptLimiterOptions { MaxTrackedKeys = 100, Window = TimeSpan.FromMinutes(1) }, time);
        for (var i = 0; i < 100; i++)
        {
            await limiter.RecordFailureAsync(AttemptKey.Source("old-" + i));
        }

        time.Advance(TimeSpan.FromMinutes(2));
        await limiter.RecordFailureAsync(AttemptKey.Source("new"));
        Assert.Equal(1, limiter.Count);
    }

    [Theory]
    [InlineData(0, 5, 15, 15, 100, "MaxFailuresPerIdentity")]
    [InlineData(5, 0, 15, 15, 100, "MaxFailuresPerSource")]
    [InlineData(5, 5, 0, 15, 100, "Window")]
    [InlineData(5, 5, 15, 0, 100, "LockoutDuration")]
    [InlineData(5, 5, 15, 15, 10, "MaxTrackedKeys")]
    public void InvalidOptions_AreRefusedWithTheirCode(int identity, int source, int windowMinutes, int lockoutMinutes, int keys, string named)
    {
        var options = new AttemptLimiterOptions
        {
            MaxFailuresPerIdentity = identity,
            MaxFailuresPerSource = source,
            Window = TimeSpan.FromMinutes(windowMinutes),
            LockoutDuration = TimeSpan.FromMinutes(lockoutMinutes),
            MaxTrackedKeys = keys,
        };
        var e = Assert.Throws<CarteAuthException>(() => new InMemoryAuthenticationAttemptLimiter(options, TimeProvider.System));
        Assert.Equal(ReasonCodes.AuthInvalidAttemptLimits, e.ReasonCode);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }
}
