using Microsoft.Extensions.Logging;

namespace CarteAuth.Gateway;

/// <summary>
/// Every source-generated log message of CarteAuth.Gateway: forward auth and YARP (event ids 3100-3199) and the RADIUS
/// server (3200-3299).
/// One class per assembly on purpose: the .NET 10 LoggerMessage source generator writes the log classes of an assembly
/// into one generated file in an order that varies between builds (dotnet/runtime#119587); that file is embedded in the
/// PDB, so with two classes two builds of one commit can get different MVIDs and PDB ids. With one class the output
/// cannot vary (a test in CarteAuth.Docs.Tests keeps it that way). The ILogger category stays the caller's.
/// </summary>
internal static partial class GatewayLog
{
    // Forward auth and YARP: event ids 3100-3199.
    [LoggerMessage(EventId = 3100, Level = LogLevel.Debug, Message = "Gateway (forward auth or YARP) allowed {Method} {Host}{Path} for {Subject} (policy {Policy}).")]
    public static partial void Allowed(ILogger logger, string method, string? host, string path, string subject, string policy);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Gateway (forward auth or YARP) challenged {Method} {Host}{Path} (policy {Policy}, {ReasonCode}).")]
    public static partial void Challenged(ILogger logger, string method, string? host, string path, string policy, string reasonCode);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Gateway (forward auth or YARP) denied {Method} {Host}{Path} (policy {Policy}, {ReasonCode}).")]
    public static partial void Denied(ILogger logger, string method, string? host, string path, string policy, string reasonCode);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Forward-auth request refused ({ReasonCode}) from {RemoteAddress}.")]
    public static partial void BadRequest(ILogger logger, string reasonCode, string? remoteAddress);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Error, Message = "Gateway (forward auth or YARP) could not issue the upstream assertion ({ReasonCode}).")]
    public static partial void AssertionFailed(ILogger logger, Exception exception, string reasonCode);

    [LoggerMessage(EventId = 3110, Level = LogLevel.Warning, Message = "YARP request refused on route {RouteId} ({ReasonCode}): {Problem}.")]
    public static partial void ProxyRouteRefused(ILogger logger, string routeId, string reasonCode, string? problem);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Error, Message = "YARP route {RouteId} rejected: {Problem} The proxy keeps its previous configuration (or does not start).")]
    public static partial void ProxyRouteRejected(ILogger logger, string routeId, string problem);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Warning, Message = "YARP refused {Method} {Host}{Path}: the TLS client certificate ({Presented}) is not the card of session {SessionId} ({SessionCard}).")]
    public static partial void ClientCertificateMismatch(ILogger logger, string method, string? host, string path, string presented, string sessionId, string sessionCard);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Error, Message = "The refusal of a card session used with another card could not be audited ({ReasonCode}); the request was refused all the same.")]
    public static partial void RefusalNotAudited(ILogger logger, Exception exception, string reasonCode);

    // RADIUS server (Radius/): event ids 3200-3299.
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
