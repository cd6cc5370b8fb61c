using Microsoft.Extensions.Logging;

namespace CarteAuth.Gateway;

/// <summary>Log messages of CarteAuth.Gateway: event ids 3100-3199.</summary>
internal static partial class GatewayLog
{
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
}
