using CarteAuth.AspNetCore;
using CarteAuth.Gateway;
using CarteAuth.Policies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers and maps the CarteAuth forward-auth endpoint.</summary>
public static class CarteAuthGatewayExtensions
{
    /// <summary>
    /// Adds the forward-auth endpoint's services: the route table (compiled and checked at start against the registered
    /// CarteAuth policies, <see cref="CarteAuth.ReasonCodes.GatewayInvalidOptions"/>), the assertion issuer, and session tokens
    /// accepted from <c>Authorization: Bearer</c> as well as the cookie (<see cref="CarteAuth.AspNetCore.Sessions.CarteAuthSessionOptions.AcceptBearerTokens"/>).
    /// Map it with <see cref="MapCarteAuthForwardAuth"/>.
    /// </summary>
    public static CarteAuthBuilder AddForwardAuth(this CarteAuthBuilder builder, Action<ForwardAuthOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<ForwardAuthOptions>().Configure(configure);
        builder.ConfigureSessions(static o => o.AcceptBearerTokens = true);
        services.TryAddSingleton(static sp => new ForwardAuthRouteTable(sp.GetRequiredService<IOptions<ForwardAuthOptions>>().Value, sp.GetRequiredService<IPolicyProvider>().PolicyNames));
        services.TryAddSingleton<ForwardAuthAssertionIssuer>();
        services.TryAddSingleton<GatewayAuthorizer>();
        services.TryAddSingleton<ForwardAuthEndpoint>();
        services.AddHostedService<ForwardAuthStartupCheck>();
        return builder;
    }

    /// <summary>
    /// Adds the forward-auth endpoint configured from a configuration section (<c>Routes</c> list of
    /// <c>{ Host, PathPrefix, Policy, Zone }</c>, <c>DefaultPolicy</c>, <c>DefaultZone</c>, <c>TrustedProxies</c> (added to
    /// loopback), <c>UpstreamAudience</c>, <c>AssertionLifetime</c>), then <paramref name="configure"/>.
    /// </summary>
    public static CarteAuthBuilder AddForwardAuth(this CarteAuthBuilder builder, IConfiguration configuration, Action<ForwardAuthOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return builder.AddForwardAuth(o =>
        {
            configuration.Bind(o);
            configure?.Invoke(o);
        });
    }

    /// <summary>
    /// Maps <c>GET</c> (any method) <see cref="ForwardAuthDefaults.Path"/>: the forward-auth endpoint for nginx
    /// <c>auth_request</c>, Traefik ForwardAuth and Caddy <c>forward_auth</c>. Anonymous at the ASP.NET level: it makes
    /// its own decision per route.
    /// </summary>
    public static IEndpointConventionBuilder MapCarteAuthForwardAuth(this IEndpointRouteBuilder endpoints, string path = ForwardAuthDefaults.Path)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.Map(path, static (HttpContext http, ForwardAuthEndpoint endpoint) => endpoint.HandleAsync(http))
            .AllowAnonymous()
            .WithName("CarteAuthForwardAuth");
    }
}
