using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Testing;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>The session store contract on the in-memory store.</summary>
public sealed class InMemorySessionStoreContractTests : SessionStoreContract
{
    protected override ICarteAuthSessionStore CreateStore() => new InMemoryCarteAuthSessionStore();
}

/// <summary>The session store contract on the SQLite store, and its own behaviour (file, errors, options).</summary>
public sealed class SessionStoreContractTests : SessionStoreContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override ICarteAuthSessionStore CreateStore() =>
        new SqliteCarteAuthSessionStore(new SqliteSessionStoreOptions { Path = Path.Combine(_dir.Path, Guid.NewGuid().ToString("n") + ".db") });

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
}
