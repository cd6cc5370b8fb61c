using System.Globalization;
using Microsoft.Data.Sqlite;

namespace CarteAuth.Storage;

/// <summary>
/// The SQLite file behind one embedded CarteAuth store (pairings, sessions, FIDO2 credentials): one connection per
/// operation (pooled), the schema created once per process on first use (WAL journal, then the store's own
/// initializer), and every SQLite failure turned into the store's typed, actionable error (fail closed).
/// </summary>
internal sealed class SqliteStoreDatabase
{
    private readonly string _connectionString;
    private readonly string _reasonCode;
    private readonly string _what;
    private readonly Func<SqliteConnection, CancellationToken, Task> _initialize;
    private readonly Func<string, string, Exception, CarteAuthException> _error;
    private readonly SemaphoreSlim _init = new(1, 1);
    private readonly SemaphoreSlim _write = new(1, 1);
    private volatile bool _initialized;

    /// <param name="path">The database file (created on first use).</param>
    /// <param name="reasonCode">The store's "unavailable" reason code.</param>
    /// <param name="what">What the file is, for messages: e.g. "pairing store".</param>
    /// <param name="initialize">Creates or checks the schema (after WAL is set); runs once per instance.</param>
    /// <param name="error">Builds the typed error (reason code, message, cause); default <see cref="CarteAuthException"/>.</param>
    /// <param name="pooling">Pool connections (faster; the file stays open while the pool holds it).</param>
    /// <param name="busyTimeout">How long a statement waits for another writer's lock (default 30 s).</param>
    public SqliteStoreDatabase(
        string path,
        string reasonCode,
        string what,
        Func<SqliteConnection, CancellationToken, Task> initialize,
        Func<string, string, Exception, CarteAuthException>? error = null,
        bool pooling = true,
        TimeSpan? busyTimeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = pooling, DefaultTimeout = (int)Math.Ceiling((busyTimeout ?? TimeSpan.FromSeconds(30)).TotalSeconds) }.ToString();
        _reasonCode = reasonCode;
        _what = what;
        _initialize = initialize;
        _error = error ?? (static (code, message, cause) => new CarteAuthException(code, message, cause));
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Runs <paramref name="action"/> on an open, initialized connection; SQLite failures become the store's typed error.</summary>
    public async ValueTask<T> RunAsync<T>(Func<SqliteConnection, Task<T>> action, CancellationToken ct)
    {
        try
        {
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(ct).ConfigureAwait(false);
            if (!_initialized)
            {
                await InitializeAsync(connection, ct).ConfigureAwait(false);
            }

            return await action(connection).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw _error(
                _reasonCode,
                string.Create(CultureInfo.InvariantCulture, $"The {_what} '{Path}' cannot be used (SQLite error {e.SqliteErrorCode}: {e.Message}). Check that the directory exists and is writable by this process, that the disk is not full and that the file is a CarteAuth database."),
                e);
        }
    }

    /// <summary>
    /// <see cref="RunAsync"/> for an operation that writes, one at a time in this process. SQLite lets one writer in at
    /// once and Microsoft.Data.Sqlite makes the others poll for the lock (every 150 ms) until the busy timeout: under
    /// load (the load test: 32 users, sessions created and touched concurrently on a busy 2-core machine) a writer
    /// could miss the lock for the whole timeout and fail with "database is locked". Queued here, this process's
    /// writers take turns and the busy timeout only covers other processes (WAL readers are not blocked).
    /// </summary>
    public async ValueTask<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> action, CancellationToken ct)
    {
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await RunAsync(action, ct).ConfigureAwait(false);
        }
        finally
        {
            _write.Release();
        }
    }

    /// <summary>Runs one statement.</summary>
    public static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Refuses a file whose <c>schema_version</c> row of <paramref name="metaTable"/> is not <paramref name="version"/>
    /// (a file of another CarteAuth version), with the store's typed error.
    /// </summary>
    public async Task RequireSchemaVersionAsync(SqliteConnection connection, string metaTable, int version, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT value FROM {metaTable} WHERE key = 'schema_version'";
        var value = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
        if (value != version.ToString(CultureInfo.InvariantCulture))
        {
            throw _error(
                _reasonCode,
                string.Create(CultureInfo.InvariantCulture, $"The {_what} '{Path}' has schema version '{value}'; this CarteAuth reads version {version}. Use a matching CarteAuth version or migrate the file."),
                new InvalidDataException($"schema_version '{value}' in {metaTable}"));
        }
    }

    private async Task InitializeAsync(SqliteConnection connection, CancellationToken ct)
    {
        await _init.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            await ExecuteAsync(connection, "PRAGMA journal_mode = WAL;", ct).ConfigureAwait(false);
            await _initialize(connection, ct).ConfigureAwait(false);
            _initialized = true;
        }
        finally
        {
            _init.Release();
        }
    }
}
