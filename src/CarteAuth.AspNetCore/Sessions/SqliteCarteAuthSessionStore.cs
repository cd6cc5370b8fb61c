using System.Globalization;
using CarteAuth.Storage;
using Microsoft.Data.Sqlite;

namespace CarteAuth.AspNetCore.Sessions;

/// <summary>
/// An <see cref="ICarteAuthSessionStore"/> in a SQLite file (the embedded default: survives restarts, one host).
/// Times are stored as Unix milliseconds. Every SQLite failure is a <see cref="CarteAuthException"/> with
/// <see cref="ReasonCodes.SessionStoreUnavailable"/> naming the file. Thread-safe (one connection per call; writes
/// queued in this process, so concurrent sign-ins do not fail on SQLite's lock).
/// </summary>
public sealed class SqliteCarteAuthSessionStore : ICarteAuthSessionStore
{
    private const string Columns = "id, idnat, evidence, authenticator, created_ms, last_seen_ms, idle_ms, absolute_ms, client_address, user_agent, provider_sid, ended_ms, end_reason, local_account";
    private readonly SqliteStoreDatabase _db;

    /// <summary>Creates the store; the file and its table are created on first use.</summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.SessionInvalidOptions"/>: invalid options.</exception>
    public SqliteCarteAuthSessionStore(SqliteSessionStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _db = new SqliteStoreDatabase(
            System.IO.Path.GetFullPath(options.Path),
            ReasonCodes.SessionStoreUnavailable,
            "session store",
            InitializeAsync,
            pooling: false,
            busyTimeout: options.BusyTimeout);
    }

    /// <inheritdoc/>
    public ValueTask CreateAsync(CarteAuthSession session, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        return _db.WriteAsync(async c =>
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = $"INSERT INTO carteauth_sessions ({Columns}) VALUES ($id, $idnat, $evidence, $authenticator, $created, $lastSeen, $idle, $absolute, $address, $agent, $sid, NULL, NULL, $account)";
            cmd.Parameters.AddWithValue("$id", session.Id);
            cmd.Parameters.AddWithValue("$idnat", session.NationalId);
            cmd.Parameters.AddWithValue("$evidence", session.EvidenceJson);
            cmd.Parameters.AddWithValue("$authenticator", session.Authenticator);
            cmd.Parameters.AddWithValue("$created", session.CreatedAt.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$lastSeen", session.LastSeenAt.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$idle", (long)session.IdleTimeout.TotalMilliseconds);
            cmd.Parameters.AddWithValue("$absolute", session.AbsoluteExpiresAt.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$address", (object?)session.ClientAddress ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$agent", (object?)session.UserAgent ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$sid", (object?)session.ProviderSessionId ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$account", (object?)session.LocalAccountId ?? DBNull.Value);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return true;
        }, ct).AsValueTaskVoid();
    }

    /// <inheritdoc/>
    public async ValueTask<CarteAuthSession?> GetAsync(string sessionId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        var list = await QueryAsync("id = $p", sessionId, ct).ConfigureAwait(false);
        return list.Count == 0 ? null : list[0];
    }

    /// <inheritdoc/>
    public async ValueTask TouchAsync(string sessionId, DateTimeOffset lastSeenAt, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        await ExecuteAsync("UPDATE carteauth_sessions SET last_seen_ms = $t WHERE id = $p AND ended_ms IS NULL AND last_seen_ms < $t", sessionId, lastSeenAt, null, ct).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> EndAsync(string sessionId, DateTimeOffset endedAt, string reason, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(reason);
        return await ExecuteAsync("UPDATE carteauth_sessions SET ended_ms = $t, end_reason = $r WHERE id = $p AND ended_ms IS NULL", sessionId, endedAt, reason, ct).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc/>
    public ValueTask<int> EndAllAsync(string nationalId, DateTimeOffset endedAt, string reason, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(nationalId);
        ArgumentNullException.ThrowIfNull(reason);
        return ExecuteAsync("UPDATE carteauth_sessions SET ended_ms = $t, end_reason = $r WHERE idnat = $p AND ended_ms IS NULL", nationalId, endedAt, reason, ct);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<CarteAuthSession>> ListAsync(string nationalId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(nationalId);
        return await QueryAsync("idnat = $p AND ended_ms IS NULL", nationalId, ct).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<CarteAuthSession>> FindByProviderSessionAsync(string providerSessionId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(providerSessionId);
        return await QueryAsync("provider_sid = $p AND ended_ms IS NULL", providerSessionId, ct).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask<int> PurgeAsync(DateTimeOffset before, CancellationToken ct = default) => _db.WriteAsync(async c =>
    {
        // Same rule as InMemoryCarteAuthSessionStore.PurgeableBefore: ended, absolute or idle expiry before the cut-off.
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "DELETE FROM carteauth_sessions WHERE ended_ms < $t OR absolute_ms < $t OR last_seen_ms + idle_ms < $t";
        cmd.Parameters.AddWithValue("$t", before.ToUnixTimeMilliseconds());
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }, ct);

    private ValueTask<int> ExecuteAsync(string sql, string key, DateTimeOffset time, string? reason, CancellationToken ct) => _db.WriteAsync(async c =>
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$p", key);
        cmd.Parameters.AddWithValue("$t", time.ToUnixTimeMilliseconds());
        if (reason is not null)
        {
            cmd.Parameters.AddWithValue("$r", reason);
        }

        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }, ct);

    private ValueTask<List<CarteAuthSession>> QueryAsync(string where, string key, CancellationToken ct) => RunAsync(async c =>
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {Columns} FROM carteauth_sessions WHERE {where} ORDER BY created_ms, id";
        cmd.Parameters.AddWithValue("$p", key);
        var list = new List<CarteAuthSession>();
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add(new CarteAuthSession
            {
                Id = reader.GetString(0),
                NationalId = reader.GetString(1),
                EvidenceJson = reader.GetString(2),
                Authenticator = reader.GetString(3),
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                LastSeenAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                IdleTimeout = TimeSpan.FromMilliseconds(reader.GetInt64(6)),
                AbsoluteExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                ClientAddress = reader.IsDBNull(8) ? null : reader.GetString(8),
                UserAgent = reader.IsDBNull(9) ? null : reader.GetString(9),
                ProviderSessionId = reader.IsDBNull(10) ? null : reader.GetString(10),
                EndedAt = reader.IsDBNull(11) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(11)),
                EndReason = reader.IsDBNull(12) ? null : reader.GetString(12),
                LocalAccountId = reader.IsDBNull(13) ? null : reader.GetString(13),
            });
        }

        return list;
    }, ct);

    private ValueTask<T> RunAsync<T>(Func<SqliteConnection, Task<T>> action, CancellationToken ct) => _db.RunAsync(action, ct);

    private async Task InitializeAsync(SqliteConnection connection, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = """
            CREATE TABLE IF NOT EXISTS carteauth_sessions (
                id TEXT NOT NULL PRIMARY KEY,
                idnat TEXT NOT NULL,
                evidence TEXT NOT NULL,
                authenticator TEXT NOT NULL,
                created_ms INTEGER NOT NULL,
                last_seen_ms INTEGER NOT NULL,
                idle_ms INTEGER NOT NULL,
                absolute_ms INTEGER NOT NULL,
                client_address TEXT NULL,
                user_agent TEXT NULL,
                provider_sid TEXT NULL,
                ended_ms INTEGER NULL,
                end_reason TEXT NULL,
                local_account TEXT NULL);
            CREATE INDEX IF NOT EXISTS carteauth_sessions_idnat ON carteauth_sessions (idnat);
            CREATE INDEX IF NOT EXISTS carteauth_sessions_provider_sid ON carteauth_sessions (provider_sid);
            """;
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);

        // Files written before pairing have no local_account column: add it (NULL for their sessions).
        await using var columns = connection.CreateCommand();
        columns.CommandText = "SELECT COUNT(*) FROM pragma_table_info('carteauth_sessions') WHERE name = 'local_account'";
        if (Convert.ToInt64(await columns.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
        {
            await using var alter = connection.CreateCommand();
            alter.CommandText = "ALTER TABLE carteauth_sessions ADD COLUMN local_account TEXT NULL";
            await alter.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }
}

internal static class ValueTaskExtensions
{
    public static async ValueTask AsValueTaskVoid<T>(this ValueTask<T> task) => await task.ConfigureAwait(false);
}
