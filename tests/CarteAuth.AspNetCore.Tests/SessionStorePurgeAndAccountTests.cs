using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Testing;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>
/// The purge (<see cref="ICarteAuthSessionStore.PurgeAsync"/>) of the stores that purge (in-memory, SQLite; Redis
/// expires its records itself) and the SQLite upgrade for <see cref="CarteAuthSession.LocalAccountId"/>; the local
/// account round trip is in the shared <see cref="SessionStoreContract"/>.
/// </summary>
public sealed class SessionStorePurgeAndAccountTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 7, 8, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    public static TheoryData<string> Stores => ["memory", "sqlite"];

    public void Dispose() => _dir.Dispose();

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Purge_DeletesSessionsEndedOrExpiredBeforeTheCutOff(string kind)
    {
        var store = Create(kind);
        await store.CreateAsync(Session("ended-early", TestHost.Doctor));
        await store.CreateAsync(Session("ended-late", TestHost.Doctor));
        await store.CreateAsync(Session("idle", TestHost.Doctor));
        await store.CreateAsync(Session("absolute", TestHost.Doctor) with { AbsoluteExpiresAt = T0.AddHours(1) });
        await store.CreateAsync(Session("active", TestHost.Pharmacist));
        await store.EndAsync("ended-early", T0.AddMinutes(1), "sign-out");
        await store.TouchAsync("ended-late", T0.AddMinutes(170));
        await store.EndAsync("ended-late", T0.AddHours(3), "sign-out");
        await store.TouchAsync("absolute", T0.AddMinutes(50));
        await store.TouchAsync("active", T0.AddMinutes(170));

        // Cut-off T0+2h: "idle" expired at T0+30min, "absolute" at T0+1h, "ended-early" ended at T0+1min.
        Assert.Equal(3, await store.PurgeAsync(T0.AddHours(2)));
        Assert.Null(await store.GetAsync("ended-early"));
        Assert.Null(await store.GetAsync("idle"));
        Assert.Null(await store.GetAsync("absolute"));
        Assert.NotNull(await store.GetAsync("ended-late"));
        Assert.NotNull(await store.GetAsync("active"));
        Assert.Equal(0, await store.PurgeAsync(T0.AddHours(2)));

        // T0+4h: "ended-late" ended at T0+3h, "active" idle since T0+170min (+30).
        Assert.Equal(2, await store.PurgeAsync(T0.AddHours(4)));
    }

    [Fact]
    public async Task Sqlite_FileWithoutTheLocalAccountColumn_IsUpgraded()
    {
        var path = Path.Combine(_dir.Path, "old.db");
        await using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=false"))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE carteauth_sessions (id TEXT NOT NULL PRIMARY KEY, idnat TEXT NOT NULL, evidence TEXT NOT NULL, authenticator TEXT NOT NULL, created_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL, idle_ms INTEGER NOT NULL, absolute_ms INTEGER NOT NULL, client_address TEXT NULL, user_agent TEXT NULL, provider_sid TEXT NULL, ended_ms INTEGER NULL, end_reason TEXT NULL)";
            await cmd.ExecuteNonQueryAsync();
        }

        var store = new SqliteCarteAuthSessionStore(new SqliteSessionStoreOptions { Path = path });
        await store.CreateAsync(Session("s", TestHost.Doctor) with { LocalAccountId = "la-s" });
        Assert.Equal("la-s", (await store.GetAsync("s"))!.LocalAccountId);
    }

    private ICarteAuthSessionStore Create(string kind) => kind == "memory"
        ? new InMemoryCarteAuthSessionStore()
        : new SqliteCarteAuthSessionStore(new SqliteSessionStoreOptions { Path = Path.Combine(_dir.Path, Guid.NewGuid().ToString("n") + ".db") });

    private static CarteAuthSession Session(string id, string idNat) => new()
    {
        Id = id,
        NationalId = idNat,
        EvidenceJson = TestHost.Evidence(idNat),
        Authenticator = "smartcard",
        CreatedAt = T0,
        LastSeenAt = T0,
        IdleTimeout = TimeSpan.FromMinutes(30),
        AbsoluteExpiresAt = T0.AddHours(12),
    };
}
