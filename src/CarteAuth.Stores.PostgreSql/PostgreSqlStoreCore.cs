using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CarteAuth.Stores.PostgreSql;

/// <summary>
/// What the PostgreSQL stores share: the data source, the versioned migrations of one component (applied once, on
/// first use), and the mapping of connection failures to the component's typed store-unavailable error (fail closed).
/// </summary>
/// <remarks>
/// <para><b>Migrations.</b> Table <c>carteauth_schema(component text primary key, version integer)</c> holds one row per
/// component (<c>audit</c>, <c>pairing</c>, <c>fido2</c>). Pending migrations run in order in one transaction that
/// first takes a transaction-level advisory lock (per schema), so two nodes starting together apply each migration
/// once. A database whose version is newer than this code is refused with <see cref="ReasonCodes.StoreSchemaTooNew"/>.</para>
/// <para><b>Failures.</b> When the connection breaks (server restarted, network), the pool is cleared so stale
/// connections are not reused, and the operation is tried once more on a new connection when the caller says it is
/// safe; then the error is the component's store-unavailable code. Nothing is cached across a failure, so the same
/// store instance works again as soon as the server is back.</para>
/// </remarks>
internal sealed class PostgreSqlStoreCore
{
    private const string SchemaTableSql = """
        CREATE TABLE IF NOT EXISTS carteauth_schema (
            component  text PRIMARY KEY,
            version    integer NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """;

    /// <summary>The advisory lock class of CarteAuth migrations ("CAmg"); the second key is the schema's hash.</summary>
    private const int MigrationLockClass = 0x43416D67;

    private readonly NpgsqlDataSource _dataSource;
    private readonly IReadOnlyList<string> _migrations;
    private readonly Func<string, string, Exception?, CarteAuthException> _error;
    private readonly string _unavailableCode;
    private readonly string _fix;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _migrationGate = new(1, 1);
    private volatile bool _migrated;

    /// <param name="dataSource">Where the store lives.</param>
    /// <param name="component">The component's name in <c>carteauth_schema</c>.</param>
    /// <param name="migrations">The component's migrations: index 0 brings version 0 (nothing) to 1, and so on. Never edit a released one; append.</param>
    /// <param name="error">Builds the component's typed error from a reason code, a message and the cause.</param>
    /// <param name="unavailableCode">The component's store-unavailable reason code.</param>
    /// <param name="fix">What the operator should check, appended to unavailable messages.</param>
    /// <param name="logger">Where to log.</param>
    public PostgreSqlStoreCore(
        NpgsqlDataSource dataSource,
        string component,
        IReadOnlyList<string> migrations,
        Func<string, string, Exception?, CarteAuthException> error,
        string unavailableCode,
        string fix,
        ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        Component = component;
        _migrations = migrations;
        _error = error;
        _unavailableCode = unavailableCode;
        _fix = fix;
        _logger = logger ?? NullLogger.Instance;
        Database = Describe(dataSource);
    }

    /// <summary>The component's name in <c>carteauth_schema</c>.</summary>
    public string Component { get; }

    /// <summary>The schema version this code reads and writes.</summary>
    public int LatestVersion => _migrations.Count;

    /// <summary>The database, for messages: host, port, database and search path, never the password.</summary>
    public string Database { get; }

    /// <summary>Applies pending migrations now (otherwise done on first use).</summary>
    public Task MigrateAsync(CancellationToken ct) => RunAsync(static (_, _) => Task.FromResult(true), "apply its migrations", ct);

    /// <summary>
    /// Runs <paramref name="action"/> on an open connection of a migrated database. Connection failures become the
    /// component's store-unavailable error; the action is tried once more on a new connection when the connection broke
    /// and <paramref name="mayRetry"/> (default: always) says nothing may have been done yet.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> action, string operation, CancellationToken ct, Func<bool>? mayRetry = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                if (!_migrated)
                {
                    await MigrateCoreAsync(connection, ct).ConfigureAwait(false);
                }

                return await action(connection, ct).ConfigureAwait(false);
            }
            catch (NpgsqlException e) when (!ct.IsCancellationRequested)
            {
                var broken = IsConnectionFailure(e);
                if (broken)
                {
                    // Pooled connections to a server that restarted are dead: drop them all, new ones are opened on demand.
                    _dataSource.Clear();
                    if (attempt == 0 && (mayRetry is null || mayRetry()))
                    {
                        PostgreSqlLog.Retrying(_logger, e, Component, Database, operation);
                        continue;
                    }
                }

                var error = _error(
                    _unavailableCode,
                    string.Create(CultureInfo.InvariantCulture, $"The CarteAuth {Component} store in PostgreSQL {Database} could not {operation}: {e.Message}{(e is PostgresException pg ? $" (SQLSTATE {pg.SqlState})" : string.Empty)}. {_fix} Nothing was changed by this request (fail closed); the store works again as soon as the database is back, without a restart."),
                    e);
                PostgreSqlLog.Failed(_logger, e, Component, Database, operation, error.ReasonCode);
                throw error;
            }
        }
    }

    /// <summary>A connection-level failure (server down or restarting, network), as opposed to an error in a statement.</summary>
    internal static bool IsConnectionFailure(NpgsqlException e) => e switch
    {
        // Class 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now (starting up).
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState is "57P01" or "57P02" or "57P03",
        _ => true,
    };

    /// <summary>Creates a typed error of this component (for statement-level problems the caller detects itself).</summary>
    public CarteAuthException Error(string reasonCode, string message, Exception? inner = null) => _error(reasonCode, message, inner);

    private async Task MigrateCoreAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await _migrationGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_migrated)
            {
                return;
            }

            await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            // Two nodes starting together: the second waits here, then sees the first's version and has nothing to do.
            await ExecuteAsync(connection, tx, $"SELECT pg_advisory_xact_lock({MigrationLockClass}, hashtext(coalesce(current_schema(), '')))", ct).ConfigureAwait(false);
            await ExecuteAsync(connection, tx, SchemaTableSql, ct).ConfigureAwait(false);
            int current;
            await using (var read = new NpgsqlCommand("SELECT version FROM carteauth_schema WHERE component = @component", connection, tx))
            {
                read.Parameters.AddWithValue("component", Component);
                current = await read.ExecuteScalarAsync(ct).ConfigureAwait(false) is int v ? v : 0;
            }

            if (current > LatestVersion)
            {
                throw _error(
                    ReasonCodes.StoreSchemaTooNew,
                    string.Create(CultureInfo.InvariantCulture, $"The CarteAuth {Component} schema in PostgreSQL {Database} is at version {current}, newer than this CarteAuth knows (version {LatestVersion}): a newer CarteAuth migrated it. Run that version (or newer) on every node; do not downgrade a migrated database without restoring a backup."),
                    null);
            }

            for (var version = current + 1; version <= LatestVersion; version++)
            {
                await ExecuteAsync(connection, tx, _migrations[version - 1], ct).ConfigureAwait(false);
            }

            if (current < LatestVersion)
            {
                await using var write = new NpgsqlCommand(
                    "INSERT INTO carteauth_schema (component, version) VALUES (@component, @version) ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version, updated_at = now()",
                    connection,
                    tx);
                write.Parameters.AddWithValue("component", Component);
                write.Parameters.AddWithValue("version", LatestVersion);
                await write.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
            if (current < LatestVersion)
            {
                PostgreSqlLog.Migrated(_logger, Component, Database, current, LatestVersion);
            }

            _migrated = true;
        }
        finally
        {
            _migrationGate.Release();
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static string Describe(NpgsqlDataSource dataSource)
    {
        var b = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        var text = string.Create(CultureInfo.InvariantCulture, $"{b.Host}:{b.Port}/{b.Database ?? b.Username}");
        return string.IsNullOrEmpty(b.SearchPath) ? text : $"{text} (search path {b.SearchPath})";
    }
}
