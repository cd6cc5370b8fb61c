using CarteAuth.Authentication;
using CarteAuth.Pairing;
using CarteAuth.Testing;
using Microsoft.Data.Sqlite;

namespace CarteAuth.Core.Tests.Pairing;

/// <summary>The contract against <see cref="InMemoryPairingStore"/>.</summary>
public sealed class InMemoryPairingStoreTests : PairingStoreContractTests
{
    protected override IPairingStore CreateStore() => new InMemoryPairingStore();
}

/// <summary>The contract against <see cref="SqlitePairingStore"/>, plus persistence and schema checks.</summary>
public sealed class SqlitePairingStoreTests : PairingStoreContractTests, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override IPairingStore CreateStore() => new SqlitePairingStore(Path.Combine(_dir.Path, Guid.NewGuid().ToString("n") + ".db"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public async Task Pairings_SurviveANewInstance_AndTwoInstancesShareTheRule()
    {
        var path = Path.Combine(_dir.Path, "pairings.db");
        var record = new PairingRecord { LocalAccountId = "acct-1", NationalId = "810002813839", PairedAt = DateTimeOffset.UnixEpoch, PairedByAuthenticator = "psc", PairedByMethods = "mfa", PairedByAssurance = AssuranceLevel.Substantial };
        await new SqlitePairingStore(path).PairAsync(record);
        Assert.Equal(record, await new SqlitePairingStore(path).GetByLocalAccountAsync("acct-1"));
        var e = await Assert.ThrowsAnyAsync<CarteAuthException>(async () => await new SqlitePairingStore(path).PairAsync(record with { LocalAccountId = "acct-2" }));
        Assert.Equal(ReasonCodes.PairingIdentityAlreadyPaired, e.ReasonCode);
    }

    [Fact]
    public async Task OtherSchemaVersion_OrNotADatabase_IsStoreUnavailable()
    {
        var path = Path.Combine(_dir.Path, "v2.db");
        await new SqlitePairingStore(path).GetByNationalIdAsync("810002813839");
        await using (var c = new SqliteConnection($"Data Source={path};Pooling=false"))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE carteauth_pairing_meta SET value = '2'";
            await cmd.ExecuteNonQueryAsync();
        }

        var e = await Assert.ThrowsAnyAsync<CarteAuthException>(async () => await new SqlitePairingStore(path).GetByNationalIdAsync("810002813839"));
        Assert.Equal(ReasonCodes.PairingStoreUnavailable, e.ReasonCode);
        Assert.Contains("schema version '2'", e.Message, StringComparison.Ordinal);

        var garbage = Path.Combine(_dir.Path, "garbage.db");
        await File.WriteAllTextAsync(garbage, new string('x', 4096));
        var g = await Assert.ThrowsAnyAsync<CarteAuthException>(async () => await new SqlitePairingStore(garbage).GetByNationalIdAsync("810002813839"));
        Assert.Equal(ReasonCodes.PairingStoreUnavailable, g.ReasonCode);
        Assert.Contains(garbage, g.Message, StringComparison.Ordinal);
    }
}
