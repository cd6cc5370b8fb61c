using CarteAuth.Fido2;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Fido2.Stores;
using CarteAuth.Identity;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CarteAuth.Stores.PostgreSql;

/// <summary>
/// Registered WebAuthn credentials in PostgreSQL, shared by several nodes.
/// </summary>
/// <remarks>
/// <para><b>Schema (component <c>fido2</c>, version 1).</b> <c>carteauth_fido2_credentials</c> has one row per
/// credential: <c>credential_id bytea primary key</c> (uniqueness enforced by the database, WebAuthn §7.1 step 26),
/// <c>user_handle bytea</c> and the owner's <c>national_id</c> (both indexed), <c>family_name</c>, <c>given_name</c>,
/// <c>public_key bytea</c> (COSE_Key), <c>sign_count bigint</c>, <c>aaguid uuid</c>, <c>transports text[]</c>, the
/// flags <c>backup_eligible</c>, <c>backed_up</c>, <c>uv_at_registration</c>, <c>attestation_trusted</c> (boolean),
/// <c>attestation_format</c>, <c>attestation_type</c>, <c>trust_path bytea[]</c> (DER, attestation certificate first),
/// <c>created_ms</c> and <c>last_used_ms</c> (Unix milliseconds).</para>
/// <para><b>Concurrency.</b> The sign count update is one <c>UPDATE … WHERE sign_count = expected</c> statement
/// (compare-and-set, WebAuthn §7.2 step 22): of two concurrent uses of one credential, on any nodes, one wins.</para>
/// <para>Failures: <see cref="WebAuthnException"/> with <see cref="ReasonCodes.WebAuthnCredentialStoreUnavailable"/> (fail closed).</para>
/// </remarks>
public sealed class PostgreSqlFido2CredentialStore : IFido2CredentialStore
{
    private const string Columns =
        "credential_id, user_handle, national_id, family_name, given_name, public_key, sign_count, aaguid, transports, backup_eligible, backed_up, uv_at_registration, attestation_trusted, attestation_format, attestation_type, trust_path, created_ms, last_used_ms";

    /// <summary>The migrations of the fido2 component, in order (never edit a released one: append).</summary>
    internal static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE carteauth_fido2_credentials (
            credential_id       bytea PRIMARY KEY,
            user_handle         bytea NOT NULL,
            national_id         text NOT NULL,
            family_name         text NOT NULL,
            given_name          text,
            public_key          bytea NOT NULL,
            sign_count          bigint NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
            aaguid              uuid NOT NULL,
            transports          text[] NOT NULL,
            backup_eligible     boolean NOT NULL,
            backed_up           boolean NOT NULL,
            uv_at_registration  boolean NOT NULL,
            attestation_trusted boolean NOT NULL,
            attestation_format  text NOT NULL,
            attestation_type    text NOT NULL,
            trust_path          bytea[] NOT NULL,
            created_ms          bigint NOT NULL,
            last_used_ms        bigint
        );
        CREATE INDEX carteauth_fido2_credentials_user ON carteauth_fido2_credentials (user_handle);
        CREATE INDEX carteauth_fido2_credentials_owner ON carteauth_fido2_credentials (national_id);
        """,
    ];

    private readonly PostgreSqlStoreCore _core;

    /// <summary>Creates the store; nothing is done until first use (or <see cref="MigrateAsync"/>).</summary>
    /// <param name="dataSource">The database (its search path chooses the schema).</param>
    /// <param name="logger">Where to log; nothing is logged when null.</param>
    public PostgreSqlFido2CredentialStore(NpgsqlDataSource dataSource, ILogger<PostgreSqlFido2CredentialStore>? logger = null)
    {
        _core = new PostgreSqlStoreCore(
            dataSource,
            "fido2",
            Migrations,
            static (code, message, inner) => new WebAuthnException(code, message, inner),
            ReasonCodes.WebAuthnCredentialStoreUnavailable,
            "Check that PostgreSQL is up and reachable with the connection string given to UsePostgreSqlCredentialStore.",
            logger);
    }

    /// <summary>The database, for messages (host, port, database, search path; never the password).</summary>
    public string Database => _core.Database;

    /// <summary>Applies pending schema migrations now, so a wrong database is reported at start.</summary>
    /// <exception cref="WebAuthnException">The database cannot be reached, or its schema is newer than this code (<see cref="ReasonCodes.StoreSchemaTooNew"/>).</exception>
    public Task MigrateAsync(CancellationToken ct = default) => _core.MigrateAsync(ct);

    /// <inheritdoc/>
    public async ValueTask AddAsync(Fido2CredentialRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await _core.RunAsync(
            async (c, t) =>
            {
                await using var command = new NpgsqlCommand(
                    $"INSERT INTO carteauth_fido2_credentials ({Columns}) VALUES (@id, @user, @nat, @family, @given, @key, @count, @aaguid, @transports, @be, @bs, @uv, @trusted, @fmt, @type, @path, @created, @used)",
                    c);
                var p = command.Parameters;
                p.AddWithValue("id", record.Id);
                p.AddWithValue("user", record.UserHandle);
                p.AddWithValue("nat", record.Owner.NationalId.Value);
                p.AddWithValue("family", record.Owner.FamilyName);
                p.Add(new NpgsqlParameter("given", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)record.Owner.GivenName ?? DBNull.Value });
                p.AddWithValue("key", record.PublicKey);
                p.AddWithValue("count", (long)record.SignCount);
                p.AddWithValue("aaguid", record.Aaguid);
                p.AddWithValue("transports", record.Transports.ToArray());
                p.AddWithValue("be", record.BackupEligible);
                p.AddWithValue("bs", record.BackedUp);
                p.AddWithValue("uv", record.UserVerifiedAtRegistration);
                p.AddWithValue("trusted", record.AttestationTrusted);
                p.AddWithValue("fmt", record.AttestationFormat);
                p.AddWithValue("type", record.AttestationType.ToString());
                p.AddWithValue("path", record.AttestationTrustPath.ToArray());
                p.AddWithValue("created", record.CreatedAt.ToUnixTimeMilliseconds());
                p.Add(new NpgsqlParameter("used", NpgsqlTypes.NpgsqlDbType.Bigint) { Value = record.LastUsedAt is { } used ? used.ToUnixTimeMilliseconds() : DBNull.Value });
                try
                {
                    await command.ExecuteNonQueryAsync(t).ConfigureAwait(false);
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
                {
                    throw Fido2CredentialStoreErrors.Exists(record.IdText);
                }

                return true;
            },
            "register a credential",
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<Fido2CredentialRecord?> FindAsync(ReadOnlyMemory<byte> credentialId, CancellationToken cancellationToken = default)
    {
        var id = credentialId.ToArray();
        var list = await _core.RunAsync((c, t) => QueryAsync(c, $"SELECT {Columns} FROM carteauth_fido2_credentials WHERE credential_id = @k", id, 1, t), "read a credential", cancellationToken).ConfigureAwait(false);
        return list.Count == 0 ? null : list[0];
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<Fido2CredentialRecord>> ListByUserHandleAsync(ReadOnlyMemory<byte> userHandle, int max = 64, CancellationToken cancellationToken = default)
    {
        var handle = userHandle.ToArray();
        return await _core.RunAsync((c, t) => QueryAsync(c, $"SELECT {Columns} FROM carteauth_fido2_credentials WHERE user_handle = @k ORDER BY created_ms, credential_id LIMIT @max", handle, max, t), "list credentials", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<Fido2CredentialRecord>> ListByOwnerAsync(string nationalId, int max = 64, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nationalId);
        return await _core.RunAsync((c, t) => QueryAsync(c, $"SELECT {Columns} FROM carteauth_fido2_credentials WHERE national_id = @k ORDER BY created_ms, credential_id LIMIT @max", nationalId, max, t), "list credentials", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> UpdateAfterAssertionAsync(ReadOnlyMemory<byte> credentialId, uint expectedSignCount, uint newSignCount, bool backedUp, DateTimeOffset usedAt, CancellationToken cancellationToken = default)
    {
        var id = credentialId.ToArray();
        return await _core.RunAsync(
            async (c, t) =>
            {
                // Compare-and-set (WebAuthn §7.2 step 22): only the use that still sees the expected count wins.
                await using var command = new NpgsqlCommand("UPDATE carteauth_fido2_credentials SET sign_count = @new, backed_up = @bs, last_used_ms = @used WHERE credential_id = @id AND sign_count = @expected", c);
                command.Parameters.AddWithValue("id", id);
                command.Parameters.AddWithValue("new", (long)newSignCount);
                command.Parameters.AddWithValue("expected", (long)expectedSignCount);
                command.Parameters.AddWithValue("bs", backedUp);
                command.Parameters.AddWithValue("used", usedAt.ToUnixTimeMilliseconds());
                return await command.ExecuteNonQueryAsync(t).ConfigureAwait(false) == 1;
            },
            "record a credential use",
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteAsync(ReadOnlyMemory<byte> credentialId, CancellationToken cancellationToken = default)
    {
        var id = credentialId.ToArray();
        return await _core.RunAsync(
            async (c, t) =>
            {
                await using var command = new NpgsqlCommand("DELETE FROM carteauth_fido2_credentials WHERE credential_id = @id", c);
                command.Parameters.AddWithValue("id", id);
                return await command.ExecuteNonQueryAsync(t).ConfigureAwait(false) == 1;
            },
            "delete a credential",
            cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<Fido2CredentialRecord>> QueryAsync(NpgsqlConnection c, string sql, object key, int max, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, c);
        command.Parameters.AddWithValue("k", key);
        command.Parameters.AddWithValue("max", Math.Max(0, max));
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var list = new List<Fido2CredentialRecord>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    private static Fido2CredentialRecord Read(NpgsqlDataReader r) => new()
    {
        Id = r.GetFieldValue<byte[]>(0),
        UserHandle = r.GetFieldValue<byte[]>(1),
        Owner = new ProfessionalIdentity(NationalId.Parse(r.GetString(2)), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4)),
        PublicKey = r.GetFieldValue<byte[]>(5),
        SignCount = checked((uint)r.GetInt64(6)),
        Aaguid = r.GetGuid(7),
        Transports = r.GetFieldValue<string[]>(8),
        BackupEligible = r.GetBoolean(9),
        BackedUp = r.GetBoolean(10),
        UserVerifiedAtRegistration = r.GetBoolean(11),
        AttestationTrusted = r.GetBoolean(12),
        AttestationFormat = r.GetString(13),
        AttestationType = Enum.Parse<AttestationType>(r.GetString(14)),
        AttestationTrustPath = r.GetFieldValue<byte[][]>(15),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(16)),
        LastUsedAt = r.IsDBNull(17) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(17)),
    };
}
