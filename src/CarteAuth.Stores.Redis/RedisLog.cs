using Microsoft.Extensions.Logging;

namespace CarteAuth.Stores.Redis;

/// <summary>The log messages of CarteAuth.Stores.Redis (event ids 5500-5599; one class per assembly, see README "Packages").</summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 5500, EventName = "RedisServerChecked", Level = LogLevel.Information, Message = "The Redis server {EndPoint} suits CarteAuth: version 7.0 or later, primary, no eviction, persistent or replicated.")]
    public static partial void ServerChecked(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 5501, EventName = "RedisServerUnsafe", Level = LogLevel.Warning, Message = "{ReasonCode}: {Detail}")]
    public static partial void ServerUnsafe(ILogger logger, string reasonCode, string detail);

    [LoggerMessage(EventId = 5502, EventName = "RedisServerUnsupported", Level = LogLevel.Error, Message = "{ReasonCode}: {Detail}")]
    public static partial void ServerUnsupported(ILogger logger, string reasonCode, string detail);

    [LoggerMessage(EventId = 5503, EventName = "RedisServerNotChecked", Level = LogLevel.Warning, Message = "The Redis server's configuration could not be checked at start ({ReasonCode}): {Detail} The health check carteauth-redis checks it again.")]
    public static partial void ServerNotChecked(ILogger logger, string reasonCode, string detail);
}
