using CarteAuth.Authentication;
using CarteAuth.Pairing;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CarteAuth.Stores.PostgreSql;

/// <summary>
/// HOSPI-Connect pairings in PostgreSQL, shared by several nodes.
/// </summary>
/// <remarks>
/// <para><b>Schema (component <c>pairing</c>, version 1).</b> <c>carteauth_pairings</c> has one row per pairing, active or
/// ended: <c>id bigint identity</c>, <c>local_account</c>, <c>national_id</c>, <c>paired_ms</c> (Unix milliseconds),
/// <c>authenticator</c>, <c>methods</c>, <c>assurance</c> (<c>low</c>/<c>substantial</c>/<c>high</c>),
/// <c>unpaired_ms</c> and <c>unpair_reason</c> (NULL while active). Two partial unique indexes (on
/// <c>local_account</c> and on <c>national_id</c>, <c>WHERE unpaired_ms IS NULL</c>) make the database itself refuse a
/// second active pairing of either side, across nodes.</para>
/// <para><b>Concurrency.</b> A pairing reads both sides' active pairings and inserts in one transaction; when a
/// concurrent pairing commits first, the insert hits a unique index and the decision is taken again on the committed
/// state, so exactly one wins and the others get the same typed errors as with the other stores.</para>
/// <para>Failures: <see cref="CarteAuthException"/> with <see cref="ReasonCodes.PairingStoreUnavailable"/> (fail closed).</para>
/// </remarks>
public sealed class PostgreSqlPairingStore : IPairingStore
{
    private const string Columns = PairingRows.Columns;

    /// <summary>Active first, then the most recently ended.</summary>
    private const string LatestOrder = "ORDER BY unpaired_ms IS NOT NULL, unpaired_ms DESC, id DESC LIMIT 1";

    /// <summary>The migrations of the pairing component, in order (never edit a released one: append).</summary>
    internal static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE carteauth_pairings (
            id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            local_account text NOT NULL,
            national_id   text NOT NULL,
            paired_ms     bigint NOT NULL,
            authenticator text NOT NULL,
            methods       text NOT NULL,
            assurance     text NOT NULL,
            unpaired_ms   bigint NULL,
            unpair_reason text NULL
        );
        CREATE UNIQUE INDEX carteauth_pairings_active_account ON carteauth_pairings (local_account) WHERE unpaired_ms IS NULL;
        CREATE UNIQUE INDEX carteauth_pairings_active_idnat ON carteauth_pairings (national_id) WHERE unpaired_ms IS NULL;
        CREATE INDEX carteauth_pairings_account ON carteauth_pairings (local_account);
        CREATE INDEX carteauth_pairings_idnat ON carteauth_pairings (national_id);
        """,
    ];

    private readonly PostgreSqlStoreCore _core;

    /// <summary>Creates the store; nothing is done until first use (or <see cref="MigrateAsync"/>).</summary>
    /// <param name="dataSource">The database (its search path chooses the schema).</param>
    /// <param name="logger">Where to log; nothing is logged when null.</param>
    public PostgreSqlPairingStore(NpgsqlDataSource dataSource, ILogger<PostgreSqlPairingStore>? logger = null)
    {
        _core = new PostgreSqlStoreCore(
            dataSource,
            "pairing",
            Migrations,
            static (code, message, inner) => new CarteAuthException(code, message, inner),
            ReasonCodes.PairingStoreUnavailable,
            "Check that PostgreSQL is up and reachable with the connection string given to AddCarteAuthPostgreSqlPairing.",
            logger);
    }

    /// <summary>The database, for messages (host, port, database, search path; never the password).</summary>
    public string Database => _core.Database;

    /// <summary>Applies pending schema migrations now, so a wrong database is reported at start.</summary>
    /// <exception cref="CarteAuthException">The database cannot be reached, or its schema is newer than this code (<see cref="ReasonCodes.StoreSchemaTooNew"/>).</exception>
    public Task MigrateAsync(CancellationToken ct = default) => _core.MigrateAsync(ct);

    /// <inheritdoc/>
    public async ValueTask<PairingRecord?> GetByLocalAccountAsync(string localAccountId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(localAccountId);
        return await _core.RunAsync((c, t) => QueryOneAsync(c, null, $"SELECT {Columns} FROM carteauth_pairings WHERE local_account = @p {LatestOrder}", localAccountId, t), "read a pairing", ct).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<PairingRecord?> GetByNationalIdAsync(string nationalId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(nationalId);
        return await _core.RunAsync((c, t) => QueryOneAsync(c, null, $"SELECT {Columns} FROM carteauth_pairings WHERE national_id = @p {LatestOrder}", nationalId, t), "read a pairing", ct).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<PairingRecord> PairAsync(PairingRecord record, CancellationToken ct = default)
    {
        PairingStoreErrors.CheckNew(record);
        return await _core.RunAsync(
            async (c, t) =>
            {
                // A concurrent pairing that commits between our reads and our insert makes the insert hit a partial
                // unique index: decide again on the committed state (a few rounds at most; each loser sees a winner).
                for (var round = 0; ; round++)
                {
                    await using var tx = await c.BeginTransactionAsync(t).ConfigureAwait(false);
                    var existing = PairingStoreErrors.Decide(
                        record,
                        await QueryOneAsync(c, tx, $"SELECT {Columns} FROM carteauth_pairings WHERE local_account = @p AND unpaired_ms IS NULL", record.LocalAccountId, t).ConfigureAwait(false),
                        await QueryOneAsync(c, tx, $"SELECT {Columns} FROM carteauth_pairings WHERE national_id = @p AND unpaired_ms IS NULL", record.NationalId, t).ConfigureAwait(false));
                    if (existing is not null)
                    {
                        return existing;
                    }

                    await using var insert = new NpgsqlCommand($"INSERT INTO carteauth_pairings ({Columns}) VALUES (@account, @idnat, @paired, @authenticator, @methods, @assurance, NULL, NULL)", c, tx);
                    insert.Parameters.AddWithValue("account", record.LocalAccountId);
                    insert.Parameters.AddWithValue("idnat", record.NationalId);
                    insert.Parameters.AddWithValue("paired", record.PairedAt.ToUnixTimeMilliseconds());
                    insert.Parameters.AddWithValue("authenticator", record.PairedByAuthenticator);
                    insert.Parameters.AddWithValue("methods", record.PairedByMethods);
                    insert.Parameters.AddWithValue("assurance", Acr.ToValue(record.PairedByAssurance));
                    try
                    {
                        await insert.ExecuteNonQueryAsync(t).ConfigureAwait(false);
                        await tx.CommitAsync(t).ConfigureAwait(false);
                        return record;
                    }
                    catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && round < 5)
                    {
                        await tx.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                }
            },
            "record a pairing",
            ct).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<PairingRecord?> UnpairAsync(string localAccountId, DateTimeOffset unpairedAt, string reason, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(localAccountId);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return await _core.RunAsync(
            async (c, t) =>
            {
                await using var cmd = new NpgsqlCommand($"UPDATE carteauth_pairings SET unpaired_ms = @t, unpair_reason = @r WHERE local_account = @p AND unpaired_ms IS NULL RETURNING {Columns}", c);
                cmd.Parameters.AddWithValue("p", localAccountId);
                cmd.Parameters.AddWithValue("t", unpairedAt.ToUnixTimeMilliseconds());
                cmd.Parameters.AddWithValue("r", reason);
                await using var reader = await cmd.ExecuteReaderAsync(t).ConfigureAwait(false);
                return await reader.ReadAsync(t).ConfigureAwait(false) ? PairingRows.Read(reader) : null;
            },
            "end a pairing",
            ct).ConfigureAwait(false);
    }

    private static async Task<PairingRecord?> QueryOneAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string sql, string key, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        cmd.Parameters.AddWithValue("p", key);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? PairingRows.Read(reader) : null;
    }
}
