using CarteAuth.AspNetCore.Sessions;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>
/// The same contract for every <see cref="ICarteAuthSessionStore"/>: each store's tests subclass it with
/// <see cref="CreateStore"/> (in-memory and SQLite here; CarteAuth.Stores.Redis.Tests links this file for Redis).
/// Self-contained on purpose (no other test helper), so it can be linked.
/// </summary>
public abstract class SessionStoreContract
{
    protected const string Doctor = "810002813839";
    protected const string Pharmacist = "899700075122";
    protected static readonly DateTimeOffset T0 = new(2030, 1, 7, 8, 0, 0, TimeSpan.Zero);

    /// <summary>A new, empty store.</summary>
    protected abstract ICarteAuthSessionStore CreateStore();

    [Fact]
    public async Task CreateGetTouchEnd()
    {
        var store = CreateStore();
        var s = Session("s1", Doctor, "psc-sid-1");
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

    [Fact]
    public async Task LocalAccountId_RoundTrips()
    {
        var store = CreateStore();
        await store.CreateAsync(Session("paired", Doctor, null) with { LocalAccountId = "la-paired" });
        await store.CreateAsync(Session("unpaired", Doctor, null, 1));
        Assert.Equal("la-paired", (await store.GetAsync("paired"))!.LocalAccountId);
        Assert.Null((await store.GetAsync("unpaired"))!.LocalAccountId);
        Assert.Equal(["la-paired", null], (await store.ListAsync(Doctor)).Select(s => s.LocalAccountId));
    }

    [Fact]
    public async Task ListEndAllAndProviderSessions()
    {
        var store = CreateStore();
        await store.CreateAsync(Session("a", Doctor, "sid-x"));
        await store.CreateAsync(Session("b", Doctor, null, 1));
        await store.CreateAsync(Session("c", Pharmacist, "sid-x", 2));
        Assert.Equal(["a", "b"], (await store.ListAsync(Doctor)).Select(s => s.Id));
        Assert.Equal(["a", "c"], (await store.FindByProviderSessionAsync("sid-x")).Select(s => s.Id));
        Assert.Empty(await store.FindByProviderSessionAsync("other"));

        Assert.Equal(2, await store.EndAllAsync(Doctor, T0, "sign-out-everywhere"));
        Assert.Equal(0, await store.EndAllAsync(Doctor, T0, "sign-out-everywhere"));
        Assert.Empty(await store.ListAsync(Doctor));
        Assert.Equal(["c"], (await store.FindByProviderSessionAsync("sid-x")).Select(s => s.Id));
        Assert.Single(await store.ListAsync(Pharmacist));
    }

    protected static CarteAuthSession Session(string id, string idNat, string? providerSid, int minutes = 0) => new()
    {
        Id = id,
        NationalId = idNat,
        EvidenceJson = $$"""{ "subject": "{{idNat}}", "familyName": "DUPONT", "amr": [ "sc", "pin" ], "assurance": "high", "authTime": "2026-11-23T08:00:00Z", "authenticator": "smartcard" }""",
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
