using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Core.Tests.Audit;
using CarteAuth.Fido2;
using CarteAuth.Fido2.Stores;
using CarteAuth.Fido2.Tests.Stores;
using CarteAuth.Pairing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CarteAuth.Stores.PostgreSql.Tests;

/// <summary>What only a shared database store has: several nodes on one schema, migrations, registration.</summary>
[Collection(PostgreSqlCollection.Name)]
public sealed class PostgreSqlStoreTests(PostgreSqlServer server)
{
    private static readonly PairingRecord Pairing = new()
    {
        LocalAccountId = "acct-1",
        NationalId = "810002813839",
        PairedAt = new DateTimeOffset(2030, 1, 7, 8, 0, 0, TimeSpan.Zero),
        PairedByAuthenticator = "smartcard",
        PairedByMethods = "sc pin hwk",
        PairedByAssurance = AssuranceLevel.High,
    };

    [Fact]
    public async Task Two_audit_stores_on_two_pools_appending_concurrently_make_one_verifiable_chain()
    {
        var schema = server.NewSchema();
        var nodeA = new PostgreSqlAuditStore(server.DataSource(schema));
        var nodeB = new PostgreSqlAuditStore(server.DataSource(schema));
        const int PerTask = 40;

        await Task.WhenAll(new[] { nodeA, nodeB }.SelectMany((node, n) => Enumerable.Range(0, 3).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < PerTask; i++)
            {
                await node.AppendAsync(AuditTestData.Entry(i) with { CorrelationId = $"n{n}-t{t}-{i}" });
            }
        }))));

        var result = await AuditChainVerifier.VerifyAsync(new PostgreSqlAuditStore(server.DataSource(schema)));
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(2 * 3 * PerTask, result.EventsChecked);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var e in nodeB.ReadAsync())
        {
            Assert.True(ids.Add(e.CorrelationId!));
        }

        Assert.Equal(2 * 3 * PerTask, ids.Count);
    }

    [Fact]
    public async Task Concurrent_pairings_of_one_identity_on_several_nodes_have_one_winner()
    {
        var schema = server.NewSchema();
        var nodes = Enumerable.Range(0, 4).Select(_ => new PostgreSqlPairingStore(server.DataSource(schema))).ToList();

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
        {
            try
            {
                await nodes[i % nodes.Count].PairAsync(Pairing with { LocalAccountId = $"acct-{i}" });
                return true;
            }
            catch (CarteAuthException e) when (e.ReasonCode == ReasonCodes.PairingIdentityAlreadyPaired)
            {
                return false;
            }
        })));

        Assert.Equal(1, results.Count(r => r));
        var winner = await nodes[0].GetByNationalIdAsync(Pairing.NationalId);
        Assert.NotNull(winner);
        Assert.Equal(winner, await nodes[3].GetByLocalAccountAsync(winner.LocalAccountId));
    }

    [Fact]
    public async Task Concurrent_uses_of_one_credential_on_several_nodes_have_one_winner()
    {
        var schema = server.NewSchema();
        var nodes = Enumerable.Range(0, 4).Select(_ => new PostgreSqlFido2CredentialStore(server.DataSource(schema))).ToList();
        var record = CredentialStoreContractTests.Record();
        await nodes[0].AddAsync(record);

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
            await nodes[i % nodes.Count].UpdateAfterAssertionAsync(record.Id, 7, (uint)(8 + i), false, DateTimeOffset.UnixEpoch))));

        Assert.Equal(1, results.Count(r => r));
        var stored = await nodes[2].FindAsync(record.Id);
        Assert.Equal(8 + (uint)Array.IndexOf(results, true), stored!.SignCount);
        var duplicate = await Assert.ThrowsAsync<WebAuthnException>(async () => await nodes[1].AddAsync(record));
        Assert.Equal(ReasonCodes.WebAuthnCredentialExists, duplicate.ReasonCode);
    }

    [Fact]
    public async Task Audit_chain_longer_than_a_page_reads_back_in_order()
    {
        var store = new PostgreSqlAuditStore(server.NewDataSource());
        for (var i = 0; i < 520; i++)
        {
            await store.AppendAsync(new AuditEntry { Kind = "k", Result = "r" });
        }

        var result = await AuditChainVerifier.VerifyAsync(store);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(520, result.EventsChecked);
        Assert.Equal(519, await store.ReadAsync(2).CountAsync());
    }

    [Fact]
    public async Task Audit_events_cannot_be_changed_or_deleted_in_the_database()
    {
        var schema = server.NewSchema();
        var store = new PostgreSqlAuditStore(server.DataSource(schema));
        await store.AppendAsync(AuditTestData.Entry(0));
        foreach (var sql in new[] { "UPDATE carteauth_audit SET detail = 'x'", "DELETE FROM carteauth_audit", "TRUNCATE carteauth_audit" })
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(schema, sql));
            Assert.Contains("append-only", e.MessageText, StringComparison.Ordinal);
        }

        Assert.Equal(1, (await store.GetLastAsync())?.Sequence);
    }

    [Fact]
    public async Task Audit_entry_with_a_nul_character_is_a_typed_error()
    {
        var store = new PostgreSqlAuditStore(server.NewDataSource());
        var e = await Assert.ThrowsAsync<AuditFormatException>(async () => await store.AppendAsync(new AuditEntry { Kind = "k", Result = "r", Detail = "a\0b" }));
        Assert.Equal(ReasonCodes.AuditInvalidEntry, e.ReasonCode);
        Assert.Contains("Detail", e.Message, StringComparison.Ordinal);
        Assert.Null(await store.GetLastAsync());
    }

    [Fact]
    public async Task Migrations_run_from_empty_record_their_versions_and_are_idempotent()
    {
        var schema = server.NewSchema();
        await new PostgreSqlAuditStore(server.DataSource(schema)).MigrateAsync();
        await new PostgreSqlPairingStore(server.DataSource(schema)).MigrateAsync();
        await new PostgreSqlFido2CredentialStore(server.DataSource(schema)).MigrateAsync();
        Assert.Equal(["audit=1", "fido2=1", "pairing=1"], await VersionsAsync(schema));

        // Data written, then every store started again (a new node or a restart): nothing re-applied, nothing lost.
        var audit = new PostgreSqlAuditStore(server.DataSource(schema));
        await audit.AppendAsync(AuditTestData.Entry(0));
        await new PostgreSqlPairingStore(server.DataSource(schema)).PairAsync(Pairing);
        var credential = CredentialStoreContractTests.Record();
        await new PostgreSqlFido2CredentialStore(server.DataSource(schema)).AddAsync(credential);

        var auditAgain = new PostgreSqlAuditStore(server.DataSource(schema));
        await auditAgain.MigrateAsync();
        await new PostgreSqlPairingStore(server.DataSource(schema)).MigrateAsync();
        await new PostgreSqlFido2CredentialStore(server.DataSource(schema)).MigrateAsync();
        Assert.Equal(["audit=1", "fido2=1", "pairing=1"], await VersionsAsync(schema));
        Assert.Equal(2, (await auditAgain.AppendAsync(AuditTestData.Entry(1))).Sequence);
        Assert.True((await AuditChainVerifier.VerifyAsync(auditAgain)).IsValid);
        Assert.Equal(Pairing, await new PostgreSqlPairingStore(server.DataSource(schema)).GetByLocalAccountAsync("acct-1"));
        Assert.NotNull(await new PostgreSqlFido2CredentialStore(server.DataSource(schema)).FindAsync(credential.Id));
    }

    [Fact]
    public async Task Nodes_starting_together_apply_each_migration_once()
    {
        var schema = server.NewSchema();
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => (i % 3) switch
        {
            0 => new PostgreSqlAuditStore(server.DataSource(schema)).MigrateAsync(),
            1 => new PostgreSqlPairingStore(server.DataSource(schema)).MigrateAsync(),
            _ => new PostgreSqlFido2CredentialStore(server.DataSource(schema)).MigrateAsync(),
        })));

        Assert.Equal(["audit=1", "fido2=1", "pairing=1"], await VersionsAsync(schema));
    }

    [Fact]
    public async Task A_schema_newer_than_the_code_is_refused_with_a_typed_error()
    {
        var schema = server.NewSchema();
        await new PostgreSqlAuditStore(server.DataSource(schema)).MigrateAsync();
        await new PostgreSqlPairingStore(server.DataSource(schema)).MigrateAsync();
        await new PostgreSqlFido2CredentialStore(server.DataSource(schema)).MigrateAsync();
        await ExecuteAsync(schema, "UPDATE carteauth_schema SET version = 7");

        var audit = await Assert.ThrowsAsync<AuditStoreException>(async () => await new PostgreSqlAuditStore(server.DataSource(schema)).AppendAsync(AuditTestData.Entry(0)));
        var pairing = await Assert.ThrowsAnyAsync<CarteAuthException>(async () => await new PostgreSqlPairingStore(server.DataSource(schema)).GetByLocalAccountAsync("acct-1"));
        var fido2 = await Assert.ThrowsAsync<WebAuthnException>(async () => await new PostgreSqlFido2CredentialStore(server.DataSource(schema)).FindAsync(new byte[] { 1 }));
        foreach (var (e, component) in new (CarteAuthException, string)[] { (audit, "audit"), (pairing, "pairing"), (fido2, "fido2") })
        {
            Assert.Equal(ReasonCodes.StoreSchemaTooNew, e.ReasonCode);
            Assert.Contains($"{component} schema", e.Message, StringComparison.Ordinal);
            Assert.Contains("version 7", e.Message, StringComparison.Ordinal);
            Assert.Contains("version 1", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(["audit=7", "fido2=7", "pairing=7"], await VersionsAsync(schema));
    }

    [Fact]
    public async Task A_missing_schema_is_store_unavailable_naming_the_database()
    {
        var source = server.DataSource("no_such_schema");
        var e = await Assert.ThrowsAnyAsync<CarteAuthException>(async () => await new PostgreSqlPairingStore(source).GetByNationalIdAsync("810002813839"));
        Assert.Equal(ReasonCodes.PairingStoreUnavailable, e.ReasonCode);
        Assert.Contains($"127.0.0.1:{server.Port}", e.Message, StringComparison.Ordinal);
        Assert.Contains("no_such_schema", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Database=carteauth")]
    [InlineData("Host=db;NoSuchKeyword=1")]
    public void A_malformed_connection_string_is_refused_at_registration(string connectionString)
    {
        var services = new ServiceCollection();
        foreach (var register in new Action[]
        {
            () => services.AddCarteAuthPostgreSqlAudit(connectionString),
            () => services.AddCarteAuthPostgreSqlPairing(connectionString),
            () => services.AddCarteAuthFido2(o => o.RpId = "example.org").UsePostgreSqlCredentialStore(connectionString),
        })
        {
            var e = Assert.ThrowsAny<CarteAuthException>(register);
            Assert.Equal(ReasonCodes.StoreInvalidOptions, e.ReasonCode);
        }
    }

    [Fact]
    public async Task Registered_stores_resolve_share_one_pool_and_work()
    {
        var connectionString = server.ConnectionString(server.NewSchema());
        var services = new ServiceCollection();
        services.AddCarteAuthCore();
        services.AddCarteAuthSqliteAudit(o => o.Path = "/nonexistent/replaced.db");
        services.AddCarteAuthPostgreSqlAudit(connectionString);
        services.AddCarteAuthPostgreSqlPairing(connectionString);
        services.AddCarteAuthFido2(o => o.RpId = "example.org").UsePostgreSqlCredentialStore(connectionString);
        await using var provider = services.BuildServiceProvider();

        var trail = provider.GetRequiredService<IAuditTrail>();
        Assert.IsType<PostgreSqlAuditStore>(trail);
        Assert.Equal(1, (await trail.AppendAsync(AuditTestData.Entry(0))).Sequence);
        var pairing = Assert.IsType<PostgreSqlPairingStore>(provider.GetRequiredService<IPairingStore>());
        Assert.Equal(Pairing, await pairing.PairAsync(Pairing));
        var credentials = Assert.IsType<PostgreSqlFido2CredentialStore>(provider.GetRequiredService<IFido2CredentialStore>());
        var record = CredentialStoreContractTests.Record();
        await credentials.AddAsync(record);
        Assert.NotNull(await credentials.FindAsync(record.Id));
    }

    private async Task<string[]> VersionsAsync(string schema)
    {
        await using var source = NpgsqlDataSource.Create(server.ConnectionString(schema));
        await using var command = source.CreateCommand("SELECT component || '=' || version FROM carteauth_schema ORDER BY component");
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<string>();
        while (await reader.ReadAsync())
        {
            list.Add(reader.GetString(0));
        }

        return [.. list];
    }

    private async Task ExecuteAsync(string schema, string sql)
    {
        await using var source = NpgsqlDataSource.Create(server.ConnectionString(schema));
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
