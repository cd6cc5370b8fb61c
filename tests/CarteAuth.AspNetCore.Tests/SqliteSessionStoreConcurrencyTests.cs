using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Testing;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>
/// Concurrent sign-ins on the SQLite session store (found by benchmarks/CarteAuth.LoadTest: under 32 users a session
/// create failed with "database is locked" after the busy timeout, so a verified login answered 500).
/// </summary>
public sealed class SqliteSessionStoreConcurrencyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ConcurrentWrites_AllSucceed_WithinTheShortestBusyTimeout()
    {
        var store = new SqliteCarteAuthSessionStore(new SqliteSessionStoreOptions { Path = Path.Combine(_dir.Path, "sessions.db"), BusyTimeout = TimeSpan.FromSeconds(1) });
        var now = DateTimeOffset.UtcNow;
        const int writers = 64;
        const int perWriter = 8;
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                var id = $"s-{w}-{i}";
                await store.CreateAsync(new CarteAuthSession
                {
                    Id = id,
                    NationalId = TestHost.Doctor,
                    EvidenceJson = TestHost.Evidence(),
                    Authenticator = "smartcard",
                    CreatedAt = now,
                    LastSeenAt = now,
                    IdleTimeout = TimeSpan.FromMinutes(30),
                    AbsoluteExpiresAt = now.AddHours(10),
                });
                await store.TouchAsync(id, now.AddSeconds(1));
                if (i % 2 == 1)
                {
                    Assert.True(await store.EndAsync(id, now.AddSeconds(2), "sign-out"));
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);

        var open = await store.ListAsync(TestHost.Doctor);
        Assert.Equal(writers * perWriter / 2, open.Count);
        Assert.Equal(open.Count, open.Select(s => s.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.All(open, s => Assert.Equal(now.AddSeconds(1).ToUnixTimeMilliseconds(), s.LastSeenAt.ToUnixTimeMilliseconds()));
    }
}
