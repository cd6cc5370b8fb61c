using CarteAuth.Fido2.Stores;

namespace CarteAuth.Fido2.Tests.Stores;

/// <summary>The contract against <see cref="InMemoryFido2CredentialStore"/>.</summary>
public sealed class InMemoryCredentialStoreTests : CredentialStoreContractTests
{
    protected override IFido2CredentialStore CreateStore() => new InMemoryFido2CredentialStore();
}

/// <summary>The contract against <see cref="SqliteFido2CredentialStore"/>, plus persistence.</summary>
public sealed class SqliteCredentialStoreTests : CredentialStoreContractTests, IDisposable
{
    private readonly TempDirectory _dir = new();
    private int _n;

    protected override IFido2CredentialStore CreateStore() => new SqliteFido2CredentialStore(Path.Combine(_dir.Path, $"fido2-{Interlocked.Increment(ref _n)}.db"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public async Task Credentials_survive_a_new_store_instance()
    {
        var path = Path.Combine(_dir.Path, "persist.db");
        var record = Record();
        await new SqliteFido2CredentialStore(path).AddAsync(record);
        var read = await new SqliteFido2CredentialStore(path).FindAsync(record.Id);
        Assert.Equal(record.UserHandle, read!.UserHandle);
        var second = new SqliteFido2CredentialStore(path);
        var ex = await Assert.ThrowsAsync<WebAuthnException>(async () => await second.AddAsync(record));
        Assert.Equal(ReasonCodes.WebAuthnCredentialExists, ex.ReasonCode);
    }
}

/// <summary>SQLite schema versioning.</summary>
public sealed class SqliteCredentialStoreSchemaTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public async Task Unknown_schema_version_is_refused_with_the_fix()
    {
        var path = Path.Combine(_dir.Path, "v2.db");
        await new SqliteFido2CredentialStore(path).FindAsync(new byte[] { 1 });
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE carteauth_fido2_meta SET value = '2' WHERE key = 'schema_version'";
            command.ExecuteNonQuery();
        }

        var ex = await Assert.ThrowsAsync<WebAuthnException>(async () => await new SqliteFido2CredentialStore(path).FindAsync(new byte[] { 1 }));
        Assert.Equal(ReasonCodes.WebAuthnCredentialStoreUnavailable, ex.ReasonCode);
        Assert.Contains("schema version '2'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_a_typed_error_naming_the_file()
    {
        var path = Path.Combine(_dir.Path, "not-a-db.db");
        await File.WriteAllTextAsync(path, "this is not an SQLite database, it is a text file of more than a hundred bytes.......................");
        var ex = await Assert.ThrowsAsync<WebAuthnException>(async () => await new SqliteFido2CredentialStore(path).FindAsync(new byte[] { 1 }));
        Assert.Equal(ReasonCodes.WebAuthnCredentialStoreUnavailable, ex.ReasonCode);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.IsType<Microsoft.Data.Sqlite.SqliteException>(ex.InnerException);
    }
}
