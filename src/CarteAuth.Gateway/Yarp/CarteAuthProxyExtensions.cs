using CarteAuth.Gateway;
using CarteAuth.Gateway.Yarp;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds CarteAuth per-route policies to a YARP reverse proxy.</summary>
public static class CarteAuthProxyExtensions
{
    /// <summary>
    /// Adds the CarteAuth YARP services: route metadata checked on every (re)load (<see cref="CarteAuthProxyDefaults.PolicyMetadata"/>
    /// must name a registered CarteAuth policy), the gateway evaluation path shared with the forward-auth endpoint, the
    /// assertion issuer (<see cref="ForwardAuthOptions.UpstreamAudience"/> and lifetime from the forward-auth options), and
    /// session tokens accepted from <c>Authorization: Bearer</c>. Needs <c>AddCarteAuth(…)</c>; add the step with
    /// <see cref="UseCarteAuth"/>.
    /// </summary>
    public static IReverseProxyBuilder AddCarteAuthPolicies(this IReverseProxyBuilder builder, Action<CarteAuthProxyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<CarteAuthProxyOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddOptions<ForwardAuthOptions>();
        services.AddOptions<CarteAuth.AspNetCore.Sessions.CarteAuthSessionOptions>(CarteAuth.AspNetCore.CarteAuthDefaults.AuthenticationScheme).Configure(static o => o.AcceptBearerTokens = true);
        services.TryAddSingleton<ForwardAuthAssertionIssuer>();
        services.TryAddSingleton<GatewayAuthorizer>();
        builder.AddConfigFilter<CarteAuthProxyConfigFilter>();
        return builder;
    }

    /// <summary>
    /// Adds the CarteAuth step to the proxy pipeline, before load balancing:
    /// <c>app.MapReverseProxy(p => { p.UseCarteAuth(); p.UseSessionAffinity(); p.UseLoadBalancing(); p.UsePassiveHealthChecks(); })</c>.
    /// Anonymous or step-up: browsers are redirected (302) to the login page, APIs get 401 with <c>X-CarteAuth-Login</c>
    /// and <c>WWW-Authenticate</c>; denied: 403; every refusal carries <c>CarteAuth-Reason</c>.
    /// </summary>
    public static IReverseProxyApplicationBuilder UseCarteAuth(this IReverseProxyApplicationBuilder proxy)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        proxy.UseMiddleware<CarteAuthProxyMiddleware>();
        return proxy;
    }
}
