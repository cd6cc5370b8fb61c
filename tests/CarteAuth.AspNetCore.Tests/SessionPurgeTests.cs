using System.Diagnostics;
using System.Net;
using CarteAuth.AspNetCore.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>The background purge of ended and expired sessions, on the fake clock.</summary>
public sealed class SessionPurgeTests
{
    [Fact]
    public async Task EndedSessions_ArePurgedAfterTheRetention_ByTheBackgroundService()
    {
        await using var host = await TestHost.StartAsync(carteAuth: b => b.ConfigureSessionPurge(o =>
        {
            o.Retention = TimeSpan.FromHours(1);
            o.Interval = TimeSpan.FromMinutes(20);
        }));
        var store = host.Services.GetRequiredService<ICarteAuthSessionStore>();
        using var ended = host.NewBrowser();
        using var active = host.NewBrowser();
        await ended.SignInAsync(TestHost.Evidence());
        await active.SignInAsync(TestHost.Evidence(TestHost.Pharmacist, "21"));
        var endedId = Assert.Single(await store.ListAsync(TestHost.Doctor)).Id;
        var activeId = Assert.Single(await store.ListAsync(TestHost.Pharmacist)).Id;
        Assert.Equal(HttpStatusCode.NoContent, (await ended.PostAsync("/carteauth/logout")).StatusCode);

        // Within the retention: kept (several purge runs).
        for (var i = 0; i < 3; i++)
        {
            host.Time.Advance(TimeSpan.FromMinutes(20));
            await Task.Delay(50);
            Assert.Equal(HttpStatusCode.OK, (await active.GetApiAsync("/me")).StatusCode);
        }

        Assert.NotNull(await store.GetAsync(endedId));

        // Past the retention: the next run deletes the ended session, not the active one.
        host.Time.Advance(TimeSpan.FromMinutes(20));
        var watch = Stopwatch.StartNew();
        while (await store.GetAsync(endedId) is not null && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }

        Assert.Null(await store.GetAsync(endedId));
        Assert.NotNull(await store.GetAsync(activeId));
    }

    [Fact]
    public async Task PurgeOnce_ReportsAStoreFailure_WithoutThrowing()
    {
        using var dir = new CarteAuth.Testing.TempDirectory();
        var notADatabase = dir.File("sessions.db", new string('x', 4096));
        await using var host = await TestHost.StartAsync(carteAuth: b => b.UseSqliteSessionStore(o => o.Path = notADatabase));
        Assert.Equal(-1, await host.Services.GetRequiredService<CarteAuthSessionPurgeService>().PurgeOnceAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData(0, 60, "Retention")]
    [InlineData(1440, 0, "Interval")]
    [InlineData(1440, 2000, "Interval")]
    public async Task BadPurgeOptions_FailAtStart(int retentionMinutes, int intervalMinutes, string expected)
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(carteAuth: b => b.ConfigureSessionPurge(o =>
        {
            o.Retention = TimeSpan.FromMinutes(retentionMinutes);
            o.Interval = TimeSpan.FromMinutes(intervalMinutes);
        })));
        Assert.Contains("Invalid CarteAuth session purge options: " + expected, e.ToString(), StringComparison.Ordinal);
        var o = new CarteAuthSessionPurgeOptions { Retention = TimeSpan.FromMinutes(retentionMinutes), Interval = TimeSpan.FromMinutes(intervalMinutes) };
        Assert.Equal(ReasonCodes.SessionInvalidOptions, Assert.Throws<CarteAuthException>(o.Validate).ReasonCode);
    }
}
