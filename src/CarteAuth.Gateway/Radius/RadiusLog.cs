using Microsoft.Extensions.Logging;

namespace CarteAuth.Gateway.Radius;

/// <summary>Log messages of the RADIUS server: event ids 3200-3299.</summary>
internal static partial class RadiusLog
{
    [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "RADIUS server listening on {Endpoint}.")]
    public static partial void Listening(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "RADIUS packet from {Source} discarded ({ReasonCode}): {Message}")]
    public static partial void Discarded(ILogger logger, string source, string reasonCode, string message);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Debug, Message = "RADIUS duplicate request {Identifier} from {Source}: {Action}.")]
    public static partial void Duplicate(ILogger logger, byte identifier, string source, string action);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Information, Message = "RADIUS {Reply} to {Source} (client {Client}, {ReasonCode}, correlation {CorrelationId}).")]
    public static partial void Replied(ILogger logger, string reply, string source, string client, string reasonCode, string correlationId);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Error, Message = "RADIUS request from {Source} failed; no reply sent (the NAS retransmits).")]
    public static partial void Failed(ILogger logger, Exception exception, string source);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Information, Message = "RADIUS accounting {Status} from {Client} (session {SessionId}).")]
    public static partial void Accounting(ILogger logger, string status, string client, string? sessionId);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Error, Message = "RADIUS receive loop on {Endpoint} failed.")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception, string endpoint);
}
