using CarteAuth.Authentication;
using CarteAuth.Pairing;

namespace CarteAuth.Core.Tests.Pairing;

/// <summary>The contract every <see cref="IPairingStore"/> meets; run against each implementation (in memory, SQLite, PostgreSQL).</summary>
public abstract class PairingStoreContractTests
{
    private const string Doctor = "810002813839";
    private const string Pharmacist = "899700075122";
    private static readonly DateTimeOffset T0 = new(2030, 1, 7, 8, 0, 0, TimeSpan.Zero);

    protected abstract IPairingStore CreateStore();

    private static PairingRecord Record(string account, string idNat, int minutes = 0) => new()
    {
        LocalAccountId = account,
        NationalId = idNat,
        PairedAt = T0.AddMinutes(minutes),
        PairedByAuthenticator = "smartcard",
        PairedByMethods = "sc pin hwk",
        PairedByAssurance = AssuranceLevel.High,
    };

    [Fact]
    public async Task Pair_ReadsBackBothWays_AndIsIdempotent()
    {
        var store = CreateStore();
        Assert.Null(await store.GetByLocalAccountAsync("acct-1"));
        Assert.Null(await store.GetByNationalIdAsync(Doctor));
        var record = Record("acct-1", Doctor);
        Assert.Equal(record, await store.PairAsync(record));
        Assert.Equal(record, await store.GetByLocalAccountAsync("acct-1"));
        Assert.Equal(record, await store.GetByNationalIdAsync(Doctor));
        Assert.True(record.IsActive);

        // The same pair again: the existing record, unchanged.
        Assert.Equal(record, await store.PairAsync(Record("acct-1", Doctor, 5)));
        Assert.Equal(T0, (await store.GetByNationalIdAsync(Doctor))!.PairedAt);
    }

    [Fact]
    public async Task SecondActivePairing_OfEitherSide_IsATypedError()
    {
        var store = CreateStore();
        await store.PairAsync(Record("acct-1", Doctor));
        var account = await Assert.ThrowsAnyAsync<CarteAuthException>(async () => await store.PairAsync(Record("acct-1", Pharmacist)));
        Assert.Equal(ReasonCodes.PairingAccountAlreadyPaired, account.ReasonCode);
        var identity = await Assert.ThrowsAnyAsync<CarteAuthException>(async () => await store.PairAsync(Record("acct-2", Doctor)));
        Assert.Equal(ReasonCodes.PairingIdentityAlreadyPaired, identity.ReasonCode);
        Assert.Null(await store.GetByNationalIdAsync(Pharmacist));
        Assert.Null(await store.GetByLocalAccountAsync("acct-2"));
    }

    [Fact]
    public async Task Unpair_EndsThePairing_KeepsHistory_AndAllowsANewOne()
    {
        var store = CreateStore();
        await store.PairAsync(Record("acct-1", Doctor));
        var ended = await store.UnpairAsync("acct-1", T0.AddHours(1), "unpaired-by-user");
        Assert.NotNull(ended);
        Assert.False(ended.IsActive);
        Assert.Equal(T0.AddHours(1), ended.UnpairedAt);
        Assert.Equal("unpaired-by-user", ended.UnpairReason);
        Assert.Null(await store.UnpairAsync("acct-1", T0.AddHours(2), "unpaired-by-user"));
        Assert.Null(await store.UnpairAsync("nobody", T0, "unpaired-by-user"));
        Assert.Equal(ended, await store.GetByNationalIdAsync(Doctor));
        Assert.Equal(ended, await store.GetByLocalAccountAsync("acct-1"));

        // Both sides are free again; the active pairing wins over the history.
        var again = await store.PairAsync(Record("acct-2", Doctor, 120));
        Assert.Equal(again, await store.GetByNationalIdAsync(Doctor));
        await store.PairAsync(Record("acct-1", Pharmacist, 121));
        Assert.Equal(Pharmacist, (await store.GetByLocalAccountAsync("acct-1"))!.NationalId);

        // The latest ended pairing is returned when there is no active one.
        await store.UnpairAsync("acct-2", T0.AddHours(3), "unpaired-by-user");
        Assert.Equal(T0.AddHours(3), (await store.GetByNationalIdAsync(Doctor))!.UnpairedAt);
    }

    [Theory]
    [InlineData("", Doctor)]
    [InlineData("acct\n1", Doctor)]
    [InlineData("acct-1", "12345")]
    public async Task MalformedRecord_IsATypedError(string account, string idNat)
    {
        var e = await Assert.ThrowsAnyAsync<CarteAuthException>(async () => await CreateStore().PairAsync(Record(account, idNat)));
        Assert.StartsWith(account.Length == 0 || account.Contains('\n', StringComparison.Ordinal) ? "pairing." : "identity.", e.ReasonCode, StringComparison.Ordinal);
        var ended = await Assert.ThrowsAnyAsync<CarteAuthException>(async () => await CreateStore().PairAsync(Record("acct-1", Doctor) with { UnpairedAt = T0, UnpairReason = "x" }));
        Assert.Equal(ReasonCodes.PairingInvalidRecord, ended.ReasonCode);
    }

    [Fact]
    public async Task ConcurrentPairings_OfOneIdentity_HaveOneWinner()
    {
        var store = CreateStore();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await store.PairAsync(Record($"acct-{i}", Doctor));
                return true;
            }
            catch (CarteAuthException e) when (e.ReasonCode == ReasonCodes.PairingIdentityAlreadyPaired)
            {
                return false;
            }
        })));
        Assert.Equal(1, results.Count(r => r));
    }
}
