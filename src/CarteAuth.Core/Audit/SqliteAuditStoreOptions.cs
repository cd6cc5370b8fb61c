namespace CarteAuth.Audit;

/// <summary>Options of <see cref="SqliteAuditStore"/>.</summary>
public sealed class SqliteAuditStoreOptions
{
    /// <summary>The default <see cref="BusyTimeout"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultBusyTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The audit database file, e.g. <c>/var/lib/carteauth/audit.db</c> (relative paths are resolved against the
    /// current directory). Use a file dedicated to the audit trail: CarteAuth creates its tables only in a new or
    /// empty database. SQLite also writes <c>&lt;file&gt;-wal</c> and <c>&lt;file&gt;-shm</c> next to it.
    /// </summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>
    /// Opens the file read-only (for verification and export): the file must exist and is never created or changed;
    /// appends fail with <see cref="ReasonCodes.AuditStoreUnavailable"/>.
    /// </summary>
    public bool ReadOnly { get; set; }

    /// <summary>
    /// How long an append waits for another connection or process holding the database's write lock before failing
    /// with <see cref="ReasonCodes.AuditStoreUnavailable"/>. SQLite waits in whole seconds: the value is rounded up to
    /// the next second, and is at least one second.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = DefaultBusyTimeout;
}
