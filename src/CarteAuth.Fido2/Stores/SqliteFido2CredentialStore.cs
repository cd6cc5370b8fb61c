using System.Buffers.Binary;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Identity;
using CarteAuth.Storage;
using Microsoft.Data.Sqlite;

namespace CarteAuth.Fido2.Stores;

/// <summary>
/// The embedded credential store: WebAuthn credentials in a SQLite file.
/// </summary>
/// <remarks>
/// <para><b>Schema (version 1).</b> <c>carteauth_fido2_meta(key TEXT PRIMARY KEY, value TEXT)</c> holds
/// <c>schema_version = 1</c>. <c>carteauth_fido2_credentials</c> has one row per credential: <c>credential_id BLOB
/// PRIMARY KEY</c> (uniqueness enforced by the database), <c>user_handle BLOB</c> (indexed), the owner's
/// <c>national_id</c> (indexed; the owner index is created on open, so version 1 files gain it without migration), <c>family_name</c>, <c>given_name</c>, <c>public_key BLOB</c> (COSE_Key), <c>sign_count
/// INTEGER</c>, <c>aaguid TEXT</c>, <c>transports TEXT</c> (comma-separated), <c>backup_eligible</c>,
/// <c>backed_up</c>, <c>uv_at_registration</c>, <c>attestation_trusted</c> (0/1), <c>attestation_format TEXT</c>,
/// <c>attestation_type TEXT</c>, <c>trust_path BLOB</c> (each DER certificate preceded by its 4-byte big-endian
/// length), <c>created_at</c> and <c>last_used_at</c> (Unix milliseconds, UTC).</para>
/// <para><b>Concurrency.</b> WAL journal; the sign count update is one <c>UPDATE … WHERE sign_count = expected</c>
/// statement, so of two concurrent uses only one wins, across processes too.</para>
/// <para>Creating the store does no I/O; the file is created and checked on first use.</para>
/// </remarks>
public sealed class SqliteFido2CredentialStore : IFido2CredentialStore
{
    /// <summary>The schema version this code reads and writes.</summary>
    internal const int SchemaVersion = 1;

    private const string Columns =
        "credential_id, user_handle, national_id, family_name, given_name, public_key, sign_count, aaguid, transports, backup_eligible, backed_up, uv_at_registration, attestation_trusted, attestation_format, attestation_type, trust_path, created_at, last_used_at";

    private const string CreateSchemaSql = """
        CREATE TABLE IF NOT EXISTS carteauth_fido2_meta (
            key   TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        );
        INSERT OR IGNORE INTO carteauth_fido2_meta (key, value) VALUES ('schema_version', '1');
        CREATE TABLE IF NOT EXISTS carteauth_fido2_credentials (
            credential_id       BLOB PRIMARY KEY NOT NULL,
            user_handle         BLOB NOT NULL,
            national_id         TEXT NOT NULL,
            family_name         TEXT NOT NULL,
            given_name          TEXT,
            public_key          BLOB NOT NULL,
            sign_count          INTEGER NOT NULL,
            aaguid              TEXT NOT NULL,
            transports          TEXT NOT NULL,
            backup_eligible     INTEGER NOT NULL,
            backed_up           INTEGER NOT NULL,
            uv_at_registration  INTEGER NOT NULL,
            attestation_trusted INTEGER NOT NULL,
            attestation_format  TEXT NOT NULL,
            attestation_type    TEXT NOT NULL,
            trust_path          BLOB NOT NULL,
            created_at          INTEGER NOT NULL,
            last_used_at        INTEGER
        );
        CREATE INDEX IF NOT EXISTS carteauth_fido2_credentials_user ON carteauth_fido2_credentials (user_handle);
        CREATE INDEX IF NOT EXISTS carteauth_fido2_credentials_owner ON carteauth_fido2_credentials (national_id);
        """;

    private readonly SqliteStoreDatabase _db;

    /// <summary>Creates the store over the SQLite file <paramref name="path"/> (created on first use).</summary>
    public SqliteFido2CredentialStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
        _db = new SqliteStoreDatabase(
            path,
            ReasonCodes.WebAuthnCredentialStoreUnavailable,
            "FIDO2 credential store",
            InitializeAsync,
            static (code, message, cause) => new WebAuthnException(code, message, cause));
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public async ValueTask AddAsync(Fido2CredentialRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await _db.RunAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"INSERT INTO carteauth_fido2_credentials ({Columns}) VALUES ($id, $user, $nat, $family, $given, $key, $count, $aaguid, $transports, $be, $bs, $uv, $trusted, $fmt, $type, $path, $created, $used)";
            command.Parameters.AddWithValue("$id", record.Id);
            command.Parameters.AddWithValue("$user", record.UserHandle);
            command.Parameters.AddWithValue("$nat", record.Owner.NationalId.Value);
            command.Parameters.AddWithValue("$family", record.Owner.FamilyName);
            command.Parameters.AddWithValue("$given", (object?)record.Owner.GivenName ?? DBNull.Value);
            command.Parameters.AddWithValue("$key", record.PublicKey);
            command.Parameters.AddWithValue("$count", (long)record.SignCount);
            command.Parameters.AddWithValue("$aaguid", record.Aaguid.ToString("D"));
            command.Parameters.AddWithValue("$transports", string.Join(',', record.Transports));
            command.Parameters.AddWithValue("$be", record.BackupEligible ? 1 : 0);
            command.Parameters.AddWithValue("$bs", record.BackedUp ? 1 : 0);
            command.Parameters.AddWithValue("$uv", record.UserVerifiedAtRegistration ? 1 : 0);
            command.Parameters.AddWithValue("$trusted", record.AttestationTrusted ? 1 : 0);
            command.Parameters.AddWithValue("$fmt", record.AttestationFormat);
            command.Parameters.AddWithValue("$type", record.AttestationType.ToString());
            command.Parameters.AddWithValue("$path", EncodeTrustPath(record.AttestationTrustPath));
            command.Parameters.AddWithValue("$created", record.CreatedAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$used", record.LastUsedAt is { } used ? used.ToUnixTimeMilliseconds() : DBNull.Value);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19) // SQLITE_CONSTRAINT: the primary key
            {
                throw Fido2CredentialStoreErrors.Exists(record.IdText);
            }
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<Fido2CredentialRecord?> FindAsync(ReadOnlyMemory<byte> credentialId, CancellationToken cancellationToken = default)
    {
        return await _db.RunAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM carteauth_fido2_credentials WHERE credential_id = $id";
            command.Parameters.AddWithValue("$id", credentialId.ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<Fido2CredentialRecord>> ListByUserHandleAsync(ReadOnlyMemory<byte> userHandle, int max = 64, CancellationToken cancellationToken = default)
    {
        return await _db.RunAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM carteauth_fido2_credentials WHERE user_handle = $user ORDER BY created_at, credential_id LIMIT $max";
            command.Parameters.AddWithValue("$user", userHandle.ToArray());
            command.Parameters.AddWithValue("$max", max);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var list = new List<Fido2CredentialRecord>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(Read(reader));
            }

            return list;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<Fido2CredentialRecord>> ListByOwnerAsync(string nationalId, int max = 64, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nationalId);
        return await _db.RunAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM carteauth_fido2_credentials WHERE national_id = $nat ORDER BY created_at, credential_id LIMIT $max";
            command.Parameters.AddWithValue("$nat", nationalId);
            command.Parameters.AddWithValue("$max", max);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var list = new List<Fido2CredentialRecord>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(Read(reader));
            }

            return list;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> UpdateAfterAssertionAsync(ReadOnlyMemory<byte> credentialId, uint expectedSignCount, uint newSignCount, bool backedUp, DateTimeOffset usedAt, CancellationToken cancellationToken = default)
    {
        return await _db.RunAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE carteauth_fido2_credentials SET sign_count = $new, backed_up = $bs, last_used_at = $used WHERE credential_id = $id AND sign_count = $expected";
            command.Parameters.AddWithValue("$id", credentialId.ToArray());
            command.Parameters.AddWithValue("$new", (long)newSignCount);
            command.Parameters.AddWithValue("$expected", (long)expectedSignCount);
            command.Parameters.AddWithValue("$bs", backedUp ? 1 : 0);
            command.Parameters.AddWithValue("$used", usedAt.ToUnixTimeMilliseconds());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteAsync(ReadOnlyMemory<byte> credentialId, CancellationToken cancellationToken = default)
    {
        return await _db.RunAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM carteauth_fido2_credentials WHERE credential_id = $id";
            command.Parameters.AddWithValue("$id", credentialId.ToArray());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task InitializeAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await SqliteStoreDatabase.ExecuteAsync(connection, CreateSchemaSql, cancellationToken).ConfigureAwait(false);
        await _db.RequireSchemaVersionAsync(connection, "carteauth_fido2_meta", SchemaVersion, cancellationToken).ConfigureAwait(false);
    }

    private static Fido2CredentialRecord Read(SqliteDataReader r)
    {
        var identity = new ProfessionalIdentity(NationalId.Parse(r.GetString(2)), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4));
        var transports = r.GetString(8);
        return new Fido2CredentialRecord
        {
            Id = (byte[])r.GetValue(0),
            UserHandle = (byte[])r.GetValue(1),
            Owner = identity,
            PublicKey = (byte[])r.GetValue(5),
            SignCount = checked((uint)r.GetInt64(6)),
            Aaguid = Guid.Parse(r.GetString(7)),
            Transports = transports.Length == 0 ? [] : transports.Split(','),
            BackupEligible = r.GetInt64(9) != 0,
            BackedUp = r.GetInt64(10) != 0,
            UserVerifiedAtRegistration = r.GetInt64(11) != 0,
            AttestationTrusted = r.GetInt64(12) != 0,
            AttestationFormat = r.GetString(13),
            AttestationType = Enum.Parse<AttestationType>(r.GetString(14)),
            AttestationTrustPath = DecodeTrustPath((byte[])r.GetValue(15)),
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(16)),
            LastUsedAt = r.IsDBNull(17) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(17)),
        };
    }

    private static byte[] EncodeTrustPath(IReadOnlyList<byte[]> path)
    {
        var result = new byte[path.Sum(c => 4 + c.Length)];
        var offset = 0;
        foreach (var cert in path)
        {
            BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(offset), cert.Length);
            cert.CopyTo(result, offset + 4);
            offset += 4 + cert.Length;
        }

        return result;
    }

    private static List<byte[]> DecodeTrustPath(byte[] data)
    {
        var list = new List<byte[]>();
        var offset = 0;
        while (offset + 4 <= data.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(offset));
            list.Add(data.AsSpan(offset + 4, length).ToArray());
            offset += 4 + length;
        }

        return list;
    }
}
