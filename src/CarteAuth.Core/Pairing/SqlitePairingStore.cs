using CarteAuth.Authentication;
using CarteAuth.Storage;
using Microsoft.Data.Sqlite;

namespace CarteAuth.Pairing;

/// <summary>
/// The embedded pairing store: HOSPI-Connect pairings in a SQLite file (may be the FIDO2 credential file).
/// </summary>
/// <remarks>
/// <para><b>Schema (version 1).</b> <c>carteauth_pairing_meta(key TEXT PRIMARY KEY, value TEXT)</c> holds
/// <c>schema_version = 1</c>. <c>carteauth_pairings</c> has one row per pairing, active or ended: <c>id INTEGER PRIMARY
/// KEY</c>, <c>local_account TEXT</c>, <c>national_id TEXT</c>, <c>paired_ms INTEGER</c> (Unix milliseconds, UTC),
/// <c>authenticator TEXT</c>, <c>methods TEXT</c>, <c>assurance TEXT</c> (<c>low</c>/<c>substantial</c>/<c>high</c>),
/// <c>unpaired_ms INTEGER NULL</c>, <c>unpair_reason TEXT NULL</c>. Two partial unique indexes (on
/// <c>local_account</c> and on <c>national_id</c>, <c>WHERE unpaired_ms IS NULL</c>) let the database itself refuse a
/// second active pairing of either side.</para>
/// <para><b>Concurrency.</b> WAL journal; a pairing runs in a <c>BEGIN IMMEDIATE</c> transaction that reads both
/// sides' active pairings and inserts, so concurrent pairings (across processes too) cannot both win.</para>
/// <para>Creating the store does no I/O; the file is created and checked on first use. A file of another schema
/// version is refused with <see cref="ReasonCodes.PairingStoreUnavailable"/>.</para>
/// </remarks>
public sealed class SqlitePairingStore : IPairingStore
{
    /// <summary>The schema version this code reads and writes.</summary>
    internal const int SchemaVersion = 1;

    private const string Columns = PairingRows.Columns;

    private const string CreateSchemaSql = """
        CREATE TABLE IF NOT EXISTS carteauth_pairing_meta (
            key   TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        );
        INSERT OR IGNORE INTO carteauth_pairing_meta (key, value) VALUES ('schema_version', '1');
        CREATE TABLE IF NOT EXISTS carteauth_pairings (
            id            INTEGER PRIMARY KEY,
            local_account TEXT NOT NULL,
            national_id   TEXT NOT NULL,
            paired_ms     INTEGER NOT NULL,
            authenticator TEXT NOT NULL,
            methods       TEXT NOT NULL,
            assurance     TEXT NOT NULL,
            unpaired_ms   INTEGER NULL,
            unpair_reason TEXT NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS carteauth_pairings_active_account ON carteauth_pairings (local_account) WHERE unpaired_ms IS NULL;
        CREATE UNIQUE INDEX IF NOT EXISTS carteauth_pairings_active_idnat ON carteauth_pairings (national_id) WHERE unpaired_ms IS NULL;
        CREATE INDEX IF NOT EXISTS carteauth_pairings_account ON carteauth_pairings (local_account);
        CREATE INDEX IF NOT EXISTS carteauth_pairings_idnat ON carteauth_pairings (national_id);
        """;

    /// <summary>Active first, then the most recently ended.</summary>
    private const string LatestOrder = "ORDER BY unpaired_ms IS NOT NULL, unpaired_ms DESC, id DESC LIMIT 1";

    private readonly SqliteStoreDatabase _db;

    /// <summary>Creates the store over the SQLite file <paramref name="path"/> (created on first use).</summary>
    public SqlitePairingStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _db = new SqliteStoreDatabase(Path, ReasonCodes.PairingStoreUnavailable, "pairing store", InitializeAsync, pooling: false);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public ValueTask<PairingRecord?> GetByLocalAccountAsync(string localAccountId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(localAccountId);
        return RunAsync(c => QueryOneAsync(c, $"SELECT {Columns} FROM carteauth_pairings WHERE local_account = $p {LatestOrder}", localAccountId, ct), ct);
    }

    /// <inheritdoc/>
    public ValueTask<PairingRecord?> GetByNationalIdAsync(string nationalId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(nationalId);
        return RunAsync(c => QueryOneAsync(c, $"SELECT {Columns} FROM carteauth_pairings WHERE national_id = $p {LatestOrder}", nationalId, ct), ct);
    }

    /// <inheritdoc/>
    public ValueTask<PairingRecord> PairAsync(PairingRecord record, CancellationToken ct = default)
    {
        PairingStoreErrors.CheckNew(record);
        return RunAsync(async c =>
        {
            await ExecuteAsync(c, "BEGIN IMMEDIATE", ct).ConfigureAwait(false);
            var committed = false;
            try
            {
                var existing = PairingStoreErrors.Decide(
                    record,
                    await QueryOneAsync(c, $"SELECT {Columns} FROM carteauth_pairings WHERE local_account = $p AND unpaired_ms IS NULL", record.LocalAccountId, ct).ConfigureAwait(false),
                    await QueryOneAsync(c, $"SELECT {Columns} FROM carteauth_pairings WHERE national_id = $p AND unpaired_ms IS NULL", record.NationalId, ct).ConfigureAwait(false));
                if (existing is null)
                {
                    await using var insert = c.CreateCommand();
                    insert.CommandText = $"INSERT INTO carteauth_pairings ({Columns}) VALUES ($account, $idnat, $paired, $authenticator, $methods, $assurance, NULL, NULL)";
                    insert.Parameters.AddWithValue("$account", record.LocalAccountId);
                    insert.Parameters.AddWithValue("$idnat", record.NationalId);
                    insert.Parameters.AddWithValue("$paired", record.PairedAt.ToUnixTimeMilliseconds());
                    insert.Parameters.AddWithValue("$authenticator", record.PairedByAuthenticator);
                    insert.Parameters.AddWithValue("$methods", record.PairedByMethods);
                    insert.Parameters.AddWithValue("$assurance", Acr.ToValue(record.PairedByAssurance));
                    await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await ExecuteAsync(c, "COMMIT", ct).ConfigureAwait(false);
                committed = true;
                return existing ?? record;
            }
            finally
            {
                if (!committed)
                {
                    await ExecuteAsync(c, "ROLLBACK", CancellationToken.None).ConfigureAwait(false);
                }
            }
        }, ct);
    }

    /// <inheritdoc/>
    public ValueTask<PairingRecord?> UnpairAsync(string localAccountId, DateTimeOffset unpairedAt, string reason, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(localAccountId);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return RunAsync(async c =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = $"UPDATE carteauth_pairings SET unpaired_ms = $t, unpair_reason = $r WHERE local_account = $p AND unpaired_ms IS NULL RETURNING {Columns}";
            cmd.Parameters.AddWithValue("$p", localAccountId);
            cmd.Parameters.AddWithValue("$t", unpairedAt.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$r", reason);
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false) ? PairingRows.Read(reader) : null;
        }, ct);
    }

    private static async Task<PairingRecord?> QueryOneAsync(SqliteConnection c, string sql, string key, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$p", key);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? PairingRows.Read(reader) : null;
    }

    private static Task ExecuteAsync(SqliteConnection c, string sql, CancellationToken ct) => SqliteStoreDatabase.ExecuteAsync(c, sql, ct);

    private ValueTask<T> RunAsync<T>(Func<SqliteConnection, Task<T>> action, CancellationToken ct) => _db.RunAsync(action, ct);

    private async Task InitializeAsync(SqliteConnection connection, CancellationToken ct)
    {
        await ExecuteAsync(connection, CreateSchemaSql, ct).ConfigureAwait(false);
        await _db.RequireSchemaVersionAsync(connection, "carteauth_pairing_meta", SchemaVersion, ct).ConfigureAwait(false);
    }
}
