using Microsoft.Extensions.Logging;

namespace CarteAuth.Fido2.Metadata;

/// <summary>FIDO Metadata Service log messages (event ids 2500-2549).</summary>
internal static partial class FidoMetadataLog
{
    [LoggerMessage(EventId = 2500, Level = LogLevel.Information, Message = "Loaded the FIDO metadata BLOB no {Number} from {Source}: {Entries} entries, next update {NextUpdate:yyyy-MM-dd}.")]
    public static partial void Loaded(ILogger logger, long number, string source, int entries, DateTimeOffset nextUpdate);

    [LoggerMessage(EventId = 2501, Level = LogLevel.Information, Message = "The FIDO metadata BLOB from {Source} is no {Number}, the one in use: nothing new.")]
    public static partial void NotNewer(ILogger logger, string source, long number);

    [LoggerMessage(EventId = 2502, Level = LogLevel.Warning, Message = "The FIDO metadata BLOB from {Source} is no {Number}, older than the one in use (no {Current}): ignored as a rollback (FIDO MDS 3.0 §3.2).")]
    public static partial void RolledBack(ILogger logger, string source, long number, long current);

    [LoggerMessage(EventId = 2503, Level = LogLevel.Warning, Message = "FIDO metadata refresh from {Source} failed ({ReasonCode}): {Detail} Keeping BLOB no {Current} (next update {NextUpdate:yyyy-MM-dd}); next attempt after {NextAttempt:u}.")]
    public static partial void RefreshFailedKeeping(ILogger logger, string source, string reasonCode, string detail, long current, DateTimeOffset nextUpdate, DateTimeOffset nextAttempt);

    [LoggerMessage(EventId = 2504, Level = LogLevel.Error, Message = "FIDO metadata refresh from {Source} failed ({ReasonCode}) and no BLOB is loaded: {Detail} Next attempt after {NextAttempt:u}.")]
    public static partial void RefreshFailedEmpty(ILogger logger, string source, string reasonCode, string detail, DateTimeOffset nextAttempt);

    [LoggerMessage(EventId = 2505, Level = LogLevel.Error, Message = "The FIDO metadata BLOB no {Current} is past its next update {NextUpdate:yyyy-MM-dd} by more than {Grace} and no newer one could be loaded: metadata lookups now fail.")]
    public static partial void PastGrace(ILogger logger, long current, DateTimeOffset nextUpdate, TimeSpan grace);

    [LoggerMessage(EventId = 2506, Level = LogLevel.Warning, Message = "FIDO metadata BLOB no {Number}: {Count} malformed entries, skipped or kept without their unreadable parts, e.g. {Examples}.")]
    public static partial void MalformedEntries(ILogger logger, long number, int count, string examples);

    [LoggerMessage(EventId = 2507, Level = LogLevel.Information, Message = "Loaded the cached FIDO metadata BLOB no {Number} from {Path} (next update {NextUpdate:yyyy-MM-dd}).")]
    public static partial void CacheLoaded(ILogger logger, long number, string path, DateTimeOffset nextUpdate);

    [LoggerMessage(EventId = 2508, Level = LogLevel.Warning, Message = "The cached FIDO metadata BLOB {Path} is not used ({ReasonCode}): {Detail}")]
    public static partial void CacheRefused(ILogger logger, string path, string reasonCode, string detail);

    [LoggerMessage(EventId = 2509, Level = LogLevel.Warning, Message = "The FIDO metadata BLOB could not be written to the cache file {Path}: {Detail}")]
    public static partial void CacheWriteFailed(ILogger logger, string path, string detail);

    [LoggerMessage(EventId = 2510, Level = LogLevel.Debug, Message = "Fetching the FIDO metadata BLOB from {Source}.")]
    public static partial void Fetching(ILogger logger, string source);
}
