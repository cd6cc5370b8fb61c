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

    /// <summary>
    /// What a committed append survives (default <see cref="SqliteAuditDurability.PowerLoss"/>). Either way an append's
    /// task completes only after its event is committed, and a failure to write fails the caller (fail closed).
    /// </summary>
    public SqliteAuditDurability Durability { get; set; } = SqliteAuditDurability.PowerLoss;
}

/// <summary>What a committed audit event survives in <see cref="SqliteAuditStore"/> (SQLite's <c>synchronous</c> setting in WAL mode).</summary>
public enum SqliteAuditDurability
{
    /// <summary>
    /// A crash of the process, of the operating system or a power loss (<c>PRAGMA synchronous = FULL</c>: every commit
    /// waits for the disk, one fsync per group-committed batch). The default, and what an audit trail that must lose
    /// nothing needs.
    /// </summary>
    PowerLoss = 0,

    /// <summary>
    /// A crash of the process, not of the operating system nor a power loss (<c>PRAGMA synchronous = NORMAL</c> in WAL
    /// mode: commits reach the operating system, the disk is synchronized at checkpoints). The last events before a
    /// power loss may be missing (the chain of those written still verifies); for high-volume decisions (a gateway's
    /// per-request authorizations) on hosts with a reliable power supply, where waiting for the disk on every batch
    /// would bound throughput.
    /// </summary>
    ProcessCrash = 1,
}
