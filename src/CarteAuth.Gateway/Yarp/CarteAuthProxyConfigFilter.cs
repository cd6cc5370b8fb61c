using CarteAuth.Policies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace CarteAuth.Gateway.Yarp;

/// <summary>
/// Checks every YARP route's CarteAuth metadata when the proxy configuration is loaded or reloaded: the policy must be
/// a registered CarteAuth policy and the zone a <see cref="NetworkZone"/>. A bad route throws
/// <see cref="ReasonCodes.GatewayInvalidOptions"/>: at start the host does not start; on a hot reload YARP rejects the
/// new configuration and keeps serving the previous one (never fail open).
/// </summary>
internal sealed class CarteAuthProxyConfigFilter(IPolicyProvider policies, IOptionsMonitor<CarteAuthProxyOptions> options, ILogger<CarteAuthProxyConfigFilter> logger) : IProxyConfigFilter
{
    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel) => ValueTask.FromResult(cluster);

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(route);
        var settings = options.CurrentValue;
        if (!CarteAuthProxyMiddleware.TryReadRoute(route.Metadata, settings, out var read, out var problem))
        {
            throw Invalid(route.RouteId, problem!);
        }

        if (read is not null && !policies.TryGetPolicy(read.Policy, out _))
        {
            throw Invalid(route.RouteId, $"{CarteAuthProxyDefaults.PolicyMetadata} '{read.Policy}' is not a registered CarteAuth policy (known: {string.Join(", ", policies.PolicyNames.Order(StringComparer.Ordinal))}).");
        }

        return ValueTask.FromResult(route);
    }

    private CarteAuthException Invalid(string routeId, string problem)
    {
        GatewayLog.ProxyRouteRejected(logger, routeId, problem);
        return new CarteAuthException(ReasonCodes.GatewayInvalidOptions, $"YARP route '{routeId}': {problem}");
    }
}
