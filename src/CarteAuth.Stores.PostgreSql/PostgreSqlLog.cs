using Microsoft.Extensions.Logging;

namespace CarteAuth.Stores.PostgreSql;

/// <summary>Source-generated log messages of the PostgreSQL stores (event ids 5600-5699).</summary>
internal static partial class PostgreSqlLog
{
    [LoggerMessage(EventId = 5600, Level = LogLevel.Information, Message = "Migrated the CarteAuth {Component} schema in {Database} from version {From} to {To}")]
    public static partial void Migrated(ILogger logger, string component, string database, int from, int to);

    [LoggerMessage(EventId = 5601, Level = LogLevel.Error, Message = "The CarteAuth {Component} store in {Database} could not {Operation} ({ReasonCode}); failing closed")]
    public static partial void Failed(ILogger logger, Exception exception, string component, string database, string operation, string reasonCode);

    [LoggerMessage(EventId = 5602, Level = LogLevel.Warning, Message = "The connection to {Database} broke while the CarteAuth {Component} store tried to {Operation}; the pool was cleared and the operation is tried once more on a new connection")]
    public static partial void Retrying(ILogger logger, Exception exception, string component, string database, string operation);
}
