using System.Runtime.CompilerServices;
using CarteAuth.Audit;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace CarteAuth.Stores.PostgreSql;

/// <summary>
/// The hash-chained audit trail in PostgreSQL, for several nodes writing one chain.
/// </summary>
/// <remarks>
/// <para><b>Schema (component <c>audit</c>, version 1).</b> <c>carteauth_audit</c> has one row per event: <c>seq bigint
/// primary key</c>, <c>timestamp_ms bigint</c> (Unix milliseconds, UTC), the text columns <c>kind</c>, <c>result</c>,
/// <c>subject</c>, <c>methods</c>, <c>authenticator</c>, <c>policy</c>, <c>reason_code</c>, <c>client_address</c>,
/// <c>correlation_id</c>, <c>detail</c> (NULL when absent, distinct from the empty string) and the 32-byte
/// <c>prev_hash</c> and <c>hash</c> (<see cref="AuditChain"/>); a trigger refuses UPDATE and DELETE.
/// <c>carteauth_audit_head</c> holds one row: the last sequence and hash.</para>
/// <para><b>One chain, several writers.</b> Each append is one transaction that locks the head row
/// (<c>SELECT … FOR UPDATE</c>), chains the event after it, inserts it and moves the head: appends from any number of
/// store instances or nodes are serialized by the database and make one contiguous chain.</para>
/// <para><b>Failures.</b> When PostgreSQL cannot be reached the append throws <see cref="AuditStoreException"/> with
/// <see cref="ReasonCodes.AuditStoreUnavailable"/> and nothing is recorded (fail closed); the same instance works again
/// once the server is back.</para>
/// </remarks>
public sealed class PostgreSqlAuditStore : IAuditStore
{
    private const string SelectColumns =
        "seq, timestamp_ms, kind, result, subject, methods, authenticator, policy, reason_code, client_address, correlation_id, detail, prev_hash, hash";

    /// <summary>The migrations of the audit component, in order (never edit a released one: append).</summary>
    internal static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE carteauth_audit (
            seq            bigint PRIMARY KEY CHECK (seq >= 1),
            timestamp_ms   bigint NOT NULL,
            kind           text NOT NULL,
            result         text NOT NULL,
            subject        text,
            methods        text,
            authenticator  text,
            policy         text,
            reason_code    text,
            client_address text,
            correlation_id text,
            detail         text,
            prev_hash      bytea NOT NULL CHECK (octet_length(prev_hash) = 32),
            hash           bytea NOT NULL CHECK (octet_length(hash) = 32)
        );
        CREATE TABLE carteauth_audit_head (
            id   integer PRIMARY KEY CHECK (id = 1),
            seq  bigint NOT NULL,
            hash bytea NOT NULL
        );
        INSERT INTO carteauth_audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
        CREATE FUNCTION carteauth_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'CarteAuth audit events are append-only'; END $$;
        CREATE TRIGGER carteauth_audit_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON carteauth_audit
            FOR EACH STATEMENT EXECUTE FUNCTION carteauth_audit_append_only();
        """,
    ];

    private readonly PostgreSqlStoreCore _core;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the store; nothing is done until first use (or <see cref="MigrateAsync"/>).</summary>
    /// <param name="dataSource">The database (its search path chooses the schema).</param>
    /// <param name="timeProvider">The clock for entries without a timestamp; the system clock when null.</param>
    /// <param name="logger">Where to log; nothing is logged when null.</param>
    public PostgreSqlAuditStore(NpgsqlDataSource dataSource, TimeProvider? timeProvider = null, ILogger<PostgreSqlAuditStore>? logger = null)
    {
        _core = new PostgreSqlStoreCore(
            dataSource,
            "audit",
            Migrations,
            static (code, message, inner) => new AuditStoreException(code, message, innerException: inner),
            ReasonCodes.AuditStoreUnavailable,
            "Check that PostgreSQL is up and reachable with the connection string given to AddCarteAuthPostgreSqlAudit; until then no authentication can be recorded: alert the operators.",
            logger);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The database, for messages (host, port, database, search path; never the password).</summary>
    public string Database => _core.Database;

    /// <summary>Applies pending schema migrations now, so a wrong database is reported at start rather than at the first append.</summary>
    /// <exception cref="AuditStoreException">The database cannot be reached, or its schema is newer than this code (<see cref="ReasonCodes.StoreSchemaTooNew"/>).</exception>
    public Task MigrateAsync(CancellationToken ct = default) => _core.MigrateAsync(ct);

    /// <inheritdoc/>
    public async ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        AuditChain.ValidateEntry(entry);
        CheckNoNul(entry);
        ct.ThrowIfCancellationRequested();
        var commitStarted = false;
        return await _core.RunAsync(
            async (connection, token) =>
            {
                await using var tx = await connection.BeginTransactionAsync(token).ConfigureAwait(false);
                long last;
                byte[] previousHash;
                // Serialize every writer of this chain on the head row; READ COMMITTED re-reads it after the wait.
                await using (var head = new NpgsqlCommand("SELECT seq, hash FROM carteauth_audit_head WHERE id = 1 FOR UPDATE", connection, tx))
                await using (var reader = await head.ExecuteReaderAsync(token).ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(token).ConfigureAwait(false))
                    {
                        throw _core.Error(ReasonCodes.AuditStoreCorrupt, $"The audit head row of PostgreSQL {Database} is missing (table carteauth_audit_head was altered outside CarteAuth), so no event can be chained. Run `carteauth audit verify`, then restore the database from a backup.");
                    }

                    last = reader.GetInt64(0);
                    previousHash = (byte[])reader.GetValue(1);
                }

                if (previousHash.Length != AuditChain.HashSize)
                {
                    throw _core.Error(ReasonCodes.AuditStoreCorrupt, $"The audit head of PostgreSQL {Database} has a hash of {previousHash.Length} bytes, so no event can be chained after it. Restore the database from a backup.");
                }

                var auditEvent = AuditChain.CreateEventFromValidatedEntry(entry, last + 1, previousHash, _timeProvider);
                // Once writing starts it completes: the rest ignores the caller's cancellation (IAuditTrail.AppendAsync).
                await using (var insert = new NpgsqlCommand(
                    $"INSERT INTO carteauth_audit ({SelectColumns}) VALUES (@seq, @ts, @kind, @result, @subject, @methods, @authenticator, @policy, @reason_code, @client_address, @correlation_id, @detail, @prev_hash, @hash)",
                    connection,
                    tx))
                {
                    var p = insert.Parameters;
                    p.AddWithValue("seq", auditEvent.Sequence);
                    p.AddWithValue("ts", auditEvent.Timestamp.ToUnixTimeMilliseconds());
                    AddText(p, "kind", auditEvent.Kind);
                    AddText(p, "result", auditEvent.Result);
                    AddText(p, "subject", auditEvent.Subject);
                    AddText(p, "methods", auditEvent.Methods);
                    AddText(p, "authenticator", auditEvent.Authenticator);
                    AddText(p, "policy", auditEvent.Policy);
                    AddText(p, "reason_code", auditEvent.ReasonCode);
                    AddText(p, "client_address", auditEvent.ClientAddress);
                    AddText(p, "correlation_id", auditEvent.CorrelationId);
                    AddText(p, "detail", auditEvent.Detail);
                    p.AddWithValue("prev_hash", auditEvent.PreviousHash.ToArray());
                    p.AddWithValue("hash", auditEvent.Hash.ToArray());
                    await insert.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                }

                await using (var move = new NpgsqlCommand("UPDATE carteauth_audit_head SET seq = @seq, hash = @hash WHERE id = 1", connection, tx))
                {
                    move.Parameters.AddWithValue("seq", auditEvent.Sequence);
                    move.Parameters.AddWithValue("hash", auditEvent.Hash.ToArray());
                    await move.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                }

                // After COMMIT is sent the event may be recorded even if the answer is lost: never retried.
                commitStarted = true;
                await tx.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                return auditEvent;
            },
            "record an audit event",
            ct,
            () => !commitStarted).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<AuditEvent> ReadAsync(long fromSequence = 1, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fromSequence, 1);
        const int Page = 500;
        var next = fromSequence;
        while (true)
        {
            // Pages on short connections: a long verification does not hold a connection or a snapshot.
            var from = next;
            var page = await _core.RunAsync(
                (connection, token) => QueryAsync(connection, $"SELECT {SelectColumns} FROM carteauth_audit WHERE seq >= @from ORDER BY seq LIMIT {Page}", from, token),
                "read audit events",
                ct).ConfigureAwait(false);
            foreach (var auditEvent in page)
            {
                yield return auditEvent;
            }

            if (page.Count < Page)
            {
                yield break;
            }

            next = page[^1].Sequence + 1;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<AuditEvent?> GetLastAsync(CancellationToken ct = default)
    {
        var last = await _core.RunAsync(
            (connection, token) => QueryAsync(connection, $"SELECT {SelectColumns} FROM carteauth_audit WHERE seq >= @from ORDER BY seq DESC LIMIT 1", 1, token),
            "read the last audit event",
            ct).ConfigureAwait(false);
        return last.Count == 0 ? null : last[0];
    }

    private async Task<List<AuditEvent>> QueryAsync(NpgsqlConnection connection, string sql, long from, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("from", from);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var list = new List<AuditEvent>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add(Decode(reader));
        }

        return list;
    }

    private AuditEvent Decode(NpgsqlDataReader r)
    {
        var sequence = r.GetInt64(0);
        return new AuditEvent
        {
            Sequence = sequence,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)),
            Kind = r.GetString(2),
            Result = r.GetString(3),
            Subject = Text(r, 4),
            Methods = Text(r, 5),
            Authenticator = Text(r, 6),
            Policy = Text(r, 7),
            ReasonCode = Text(r, 8),
            ClientAddress = Text(r, 9),
            CorrelationId = Text(r, 10),
            Detail = Text(r, 11),
            PreviousHash = Hash(r, 12, "prev_hash", sequence),
            Hash = Hash(r, 13, "hash", sequence),
        };
    }

    private static string? Text(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    private byte[] Hash(NpgsqlDataReader r, int ordinal, string column, long sequence)
    {
        var hash = (byte[])r.GetValue(ordinal);
        return hash.Length == AuditChain.HashSize
            ? hash
            : throw new AuditStoreException(
                ReasonCodes.AuditMalformedEvent,
                $"Audit event {sequence} in PostgreSQL {Database} cannot be read: its {column} is {hash.Length} bytes instead of {AuditChain.HashSize}. The row was changed outside CarteAuth; restore the database from a backup and investigate.",
                sequence: sequence);
    }

    private static void AddText(NpgsqlParameterCollection parameters, string name, string? value) =>
        parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value });

    /// <summary>PostgreSQL text cannot hold U+0000: refused with a typed error rather than a database error.</summary>
    private static void CheckNoNul(AuditEntry entry)
    {
        ReadOnlySpan<(string? Value, string Field)> fields =
        [
            (entry.Kind, nameof(AuditEntry.Kind)), (entry.Result, nameof(AuditEntry.Result)), (entry.Subject, nameof(AuditEntry.Subject)),
            (entry.Methods, nameof(AuditEntry.Methods)), (entry.Authenticator, nameof(AuditEntry.Authenticator)), (entry.Policy, nameof(AuditEntry.Policy)),
            (entry.ReasonCode, nameof(AuditEntry.ReasonCode)), (entry.ClientAddress, nameof(AuditEntry.ClientAddress)),
            (entry.CorrelationId, nameof(AuditEntry.CorrelationId)), (entry.Detail, nameof(AuditEntry.Detail)),
        ];
        foreach (var (value, field) in fields)
        {
            if (value is not null && value.Contains('\0', StringComparison.Ordinal))
            {
                throw new AuditFormatException(
                    ReasonCodes.AuditInvalidEntry,
                    $"The audit entry's {field} contains the NUL character (U+0000), which PostgreSQL text cannot store. Remove it, or encode binary data as hex or base64 first.");
            }
        }
    }
}
