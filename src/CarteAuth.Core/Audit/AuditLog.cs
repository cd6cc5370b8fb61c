using Microsoft.Extensions.Logging;

namespace CarteAuth.Audit;

/// <summary>Source-generated log messages of the audit trail (event ids 1300-1399).</summary>
internal static partial class AuditLog
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Created the CarteAuth audit schema (version {SchemaVersion}) in {Path}")]
    public static partial void SchemaCreated(ILogger logger, int schemaVersion, string path);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Debug, Message = "Opened the audit store {Path} (read-only: {ReadOnly})")]
    public static partial void StoreOpened(ILogger logger, string path, bool readOnly);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "The audit store {Path} uses the SQLite journal mode '{JournalMode}' instead of WAL; concurrent readers may wait for writers")]
    public static partial void NotWal(ILogger logger, string path, string journalMode);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Error, Message = "Could not record an audit event in {Path} ({ReasonCode}); the event was not recorded")]
    public static partial void AppendFailed(ILogger logger, Exception exception, string path, string reasonCode);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Error, Message = "Could not open the audit store {Path} ({ReasonCode})")]
    public static partial void OpenFailed(ILogger logger, Exception exception, string path, string reasonCode);
}
