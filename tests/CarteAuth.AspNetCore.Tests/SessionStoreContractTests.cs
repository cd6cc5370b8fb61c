using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Testing;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>The same contract for every <see cref="ICarteAuthSessionStore"/>.</summary>
public sealed class SessionStoreContractTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 7, 8, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    public static TheoryData<string> Stores => ["memory", "sqlite"];

    public void Dispose() => _dir.Dispose();

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task CreateGetTouchEnd(string kind)
    {
        var store = Create(kind);
        var s = Session("s1", TestHost.Doctor, "psc-sid-1");
        await store.CreateAsync(s);
        Assert.Equal(s, await store.GetAsync("s1"));
        Assert.Null(await store.GetAsync("nope"));

        await store.TouchAsync("s1", T0.AddMinutes(5));
        Assert.Equal(T0.AddMinutes(5), (await store.GetAsync("s1"))!.LastSeenAt);
        await store.TouchAsync("s1", T0.AddMinutes(1));
        Assert.Equal(T0.AddMinutes(5), (await store.GetAsync("s1"))!.LastSeenAt);

        Assert.True(await store.EndAsync("s1", T0.AddMinutes(6), "sign-out"));
        Assert.False(await store.EndAsync("s1", T0.AddMinutes(7), "sign-out"));
        Assert.False(await store.EndAsync("nope", T0, "sign-out"));
        var ended = (await store.GetAsync("s1"))!;
        Assert.Equal(T0.AddMinutes(6), ended.EndedAt);
        Assert.Equal("sign-out", ended.EndReason);
        Assert.False(ended.IsActive(T0.AddMinutes(6)));
        await store.TouchAsync("s1", T0.AddMinutes(8));
        Assert.Equal(T0.AddMinutes(5), (await store.GetAsync("s1"))!.LastSeenAt);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task ListEndAllAndProviderSessions(string kind)
    {
        var store = Create(kind);
        await store.CreateAsync(Session("a", TestHost.Doctor, "sid-x"));
        await store.CreateAsync(Session("b", TestHost.Doctor, null, 1));
        await store.CreateAsync(Session("c", TestHost.Pharmacist, "sid-x", 2));
        Assert.Equal(["a", "b"], (await store.ListAsync(TestHost.Doctor)).Select(s => s.Id));
        Assert.Equal(["a", "c"], (await store.FindByProviderSessionAsync("sid-x")).Select(s => s.Id));
        Assert.Empty(await store.FindByProviderSessionAsync("other"));

        Assert.Equal(2, await store.EndAllAsync(TestHost.Doctor, T0, "sign-out-everywhere"));
        Assert.Equal(0, await store.EndAllAsync(TestHost.Doctor, T0, "sign-out-everywhere"));
        Assert.Empty(await store.ListAsync(TestHost.Doctor));
        Assert.Equal(["c"], (await store.FindByProviderSessionAsync("sid-x")).Select(s => s.Id));
        Assert.Single(await store.ListAsync(TestHost.Pharmacist));
    }

    [Fact]
    public async Task Sqlite_SurvivesReopening()
    {
        var path = Path.Combine(_dir.Path, "sessions.db");
        await new SqliteCarteAuthSessionStore(new SqliteSessionStoreOptions { Path = path }).CreateAsync(Session("s", TestHost.Doctor, null));
        var reopened = new SqliteCarteAuthSessionStore(new SqliteSessionStoreOptions { Path = path });
        Assert.Equal(Session("s", TestHost.Doctor, null), await reopened.GetAsync("s"));
    }

    [Fact]
    public async Task Sqlite_UnusableFile_IsStoreUnavailable()
    {
        var path = Path.Combine(_dir.Path, "not-a-db");
        await File.WriteAllTextAsync(path, new string('x', 4096));
        var store = new SqliteCarteAuthSessionStore(new SqliteSessionStoreOptions { Path = path });
        var e = await Assert.ThrowsAsync<CarteAuthException>(async () => await store.GetAsync("s"));
        Assert.Equal(ReasonCodes.SessionStoreUnavailable, e.ReasonCode);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);

        var missingDir = new SqliteCarteAuthSessionStore(new SqliteSessionStoreOptions { Path = Path.Combine(_dir.Path, "no", "such", "dir.db") });
        Assert.Equal(ReasonCodes.SessionStoreUnavailable, (await Assert.ThrowsAsync<CarteAuthException>(async () => await missingDir.ListAsync(TestHost.Doctor))).ReasonCode);
    }

    [Fact]
    public void Sqlite_InvalidOptions()
    {
        var e = Assert.Throws<CarteAuthException>(() => new SqliteCarteAuthSessionStore(new SqliteSessionStoreOptions { Path = "x.db", BusyTimeout = TimeSpan.Zero }));
        Assert.Equal(ReasonCodes.SessionInvalidOptions, e.ReasonCode);
        Assert.Contains("BusyTimeout", e.Message, StringComparison.Ordinal);
    }

    private ICarteAuthSessionStore Create(string kind) => kind == "memory"
        ? new InMemoryCarteAuthSessionStore()
        : new SqliteCarteAuthSessionStore(new SqliteSessionStoreOptions { Path = Path.Combine(_dir.Path, Guid.NewGuid().ToString("n") + ".db") });

    private static CarteAuthSession Session(string id, string idNat, string? providerSid, int minutes = 0) => new()
    {
        Id = id,
        NationalId = idNat,
        EvidenceJson = TestHost.Evidence(idNat),
        Authenticator = "smartcard",
        CreatedAt = T0.AddMinutes(minutes),
        LastSeenAt = T0.AddMinutes(minutes),
        IdleTimeout = TimeSpan.FromMinutes(30),
        AbsoluteExpiresAt = T0.AddHours(12),
        ClientAddress = "127.0.0.1",
        UserAgent = "test",
        ProviderSessionId = providerSid,
    };
}
