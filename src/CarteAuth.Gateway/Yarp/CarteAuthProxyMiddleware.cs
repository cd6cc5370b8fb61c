using CarteAuth.AspNetCore;
using CarteAuth.AspNetCore.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Model;

namespace CarteAuth.Gateway.Yarp;

/// <summary>
/// The YARP proxy pipeline step (<c>MapReverseProxy(p => p.UseCarteAuth())</c>): reads the route's CarteAuth policy
/// from its metadata (read per request, so hot-reloaded routes apply at once), decides with
/// <see cref="GatewayAuthorizer"/> (the forward-auth endpoint's evaluation path) and, on Allow, rewrites the proxied
/// request: client-sent <c>X-CarteAuth-*</c> and client certificate headers removed, identity headers and the signed
/// assertion added, the card session's TLS client certificate forwarded (RFC 9440 <c>Client-Cert</c>), the session
/// credentials removed. Refusals never reach the destination.
/// </summary>
internal sealed class CarteAuthProxyMiddleware(
    RequestDelegate next,
    GatewayAuthorizer authorizer,
    IOptionsMonitor<CarteAuthProxyOptions> options,
    IOptionsMonitor<CarteAuthSessionOptions> sessions,
    ILogger<CarteAuthProxyMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var settings = options.CurrentValue;
        var request = http.Request;
        var proxy = http.Features.Get<IReverseProxyFeature>();
        var config = proxy?.Route.Config;
        var remote = http.Connection.RemoteIpAddress?.ToString() ?? "-";
        var original = new OriginalRequest(request.Method, request.Scheme, request.Host.Host.ToLowerInvariant(), LocalUrl(request), request.PathBase.Add(request.Path).Value ?? "/");

        ForwardAuthRoute? route = null;
        if (config is not null && !TryReadRoute(config.Metadata, settings, out route, out var problem))
        {
            // Checked when the configuration is loaded (CarteAuthProxyConfigFilter); kept here so a route can never pass unchecked.
            GatewayLog.ProxyRouteRefused(logger, config.RouteId, ReasonCodes.GatewayInvalidOptions, problem);
            GatewayDecision.Refused(StatusCodes.Status403Forbidden, ReasonCodes.GatewayInvalidOptions).WriteRefusal(http.Response);
            return;
        }

        if (route is null)
        {
            if (settings.AllowRouteAuthorizationPolicy && config?.AuthorizationPolicy is { } aspNetPolicy
                && !string.Equals(aspNetPolicy, "anonymous", StringComparison.OrdinalIgnoreCase))
            {
                // Routing already enforced the route's ASP.NET Core authorization policy; nothing of CarteAuth to forward.
                StripClientHeaders(request);
                if (settings.StripSessionCredentials && http.User.Identity?.IsAuthenticated == true)
                {
                    StripSessionCredentials(request, sessions.Get(CarteAuthDefaults.AuthenticationScheme).CookieName);
                }

                await next(http).ConfigureAwait(false);
                return;
            }

            GatewayLog.ProxyRouteRefused(logger, config?.RouteId ?? "-", ReasonCodes.GatewayRouteWithoutPolicy, "no CarteAuth.Policy metadata and no DefaultPolicy");
            GatewayDecision.Refused(StatusCodes.Status403Forbidden, ReasonCodes.GatewayRouteWithoutPolicy).WriteRefusal(http.Response);
            return;
        }

        http.Response.Headers.CacheControl = "no-store";
        var decision = await authorizer.AuthorizeAsync(http, original, route, remote, bindCardCertificate: true).ConfigureAwait(false);
        if (!decision.IsAllowed)
        {
            decision.WriteRefusal(http.Response);
            if (decision.LoginUrl is not null && !CarteAuthHttp.IsApiRequest(request))
            {
                // A browser: to the login page (returnUrl, stepUp, policy), like the ASP.NET Core scheme's challenge.
                http.Response.StatusCode = StatusCodes.Status302Found;
                http.Response.Headers.Location = decision.LoginUrl;
            }

            return;
        }

        http.Response.Headers.Remove(HeaderNames.CacheControl);
        StripClientHeaders(request);
        foreach (var (name, value) in decision.IdentityHeaders)
        {
            request.Headers[name] = value;
        }

        if (settings.StripSessionCredentials && decision.Evidence is not null)
        {
            StripSessionCredentials(request, sessions.Get(CarteAuthDefaults.AuthenticationScheme).CookieName);
        }

        // Only the session's own card: GatewayAuthorizer refused any other before deciding.
        if (settings.ForwardClientCertificate && decision.SessionCard is { } certificate)
        {
            // RFC 9440 §2.2: Client-Cert is the DER certificate as an RFC 8941 §3.3.5 byte sequence, ":base64:".
            request.Headers[CarteAuthProxyDefaults.ClientCertHeader] = ":" + Convert.ToBase64String(certificate.RawData) + ":";
        }

        await next(http).ConfigureAwait(false);
    }

    /// <summary>Reads a route's CarteAuth metadata; false with the problem when a value is invalid.</summary>
    internal static bool TryReadRoute(IReadOnlyDictionary<string, string>? metadata, CarteAuthProxyOptions settings, out ForwardAuthRoute? route, out string? problem)
    {
        route = null;
        problem = null;
        string? policy = null;
        string? zoneText = null;
        _ = metadata?.TryGetValue(CarteAuthProxyDefaults.PolicyMetadata, out policy);
        _ = metadata?.TryGetValue(CarteAuthProxyDefaults.ZoneMetadata, out zoneText);
        var zone = settings.DefaultZone;
        if (zoneText is not null && (!Enum.TryParse(zoneText, ignoreCase: true, out zone) || !Enum.IsDefined(zone) || int.TryParse(zoneText, out _)))
        {
            problem = $"{CarteAuthProxyDefaults.ZoneMetadata} '{zoneText}' is not a zone (use {string.Join(" or ", Enum.GetNames<NetworkZone>())}).";
            return false;
        }

        if (policy is not null && string.IsNullOrWhiteSpace(policy))
        {
            problem = $"{CarteAuthProxyDefaults.PolicyMetadata} is empty: name the CarteAuth policy that protects the route.";
            return false;
        }

        policy ??= settings.DefaultPolicy;
        if (policy is not null)
        {
            route = new ForwardAuthRoute { Policy = policy, Zone = zone };
        }

        return true;
    }

    private static string LocalUrl(HttpRequest request) => $"{request.PathBase}{request.Path}{request.QueryString}";

    // Never forward what a client claims about itself: identity headers and client certificates are the gateway's to set.
    private static void StripClientHeaders(HttpRequest request)
    {
        var headers = request.Headers;
        foreach (var name in headers.Keys.Where(static k => k.StartsWith(ForwardAuthDefaults.HeaderPrefix, StringComparison.OrdinalIgnoreCase)).ToArray())
        {
            headers.Remove(name);
        }

        headers.Remove(CarteAuthProxyDefaults.ClientCertHeader);
        headers.Remove(CarteAuthProxyDefaults.ClientCertChainHeader);
        foreach (var name in CarteAuthProxyDefaults.ForeignClientCertHeaders)
        {
            headers.Remove(name);
        }
    }

    // The handler reads the cookie first, then "Authorization: Bearer" only when there is no cookie (CarteAuthSessionHandler).
    private static void StripSessionCredentials(HttpRequest request, string cookieBaseName)
    {
        var cookieName = CarteAuthHttp.CookieName(request, cookieBaseName);
        if (!string.IsNullOrEmpty(request.Cookies[cookieName]))
        {
            var kept = new List<string>();
            foreach (var header in request.Headers.Cookie)
            {
                foreach (var pair in (header ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var name = pair.Split('=', 2)[0].Trim();
                    if (!string.Equals(name, cookieName, StringComparison.Ordinal))
                    {
                        kept.Add(pair);
                    }
                }
            }

            if (kept.Count == 0)
            {
                request.Headers.Remove(HeaderNames.Cookie);
            }
            else
            {
                request.Headers.Cookie = new StringValues(string.Join("; ", kept));
            }

            return;
        }

        if (request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            request.Headers.Remove(HeaderNames.Authorization);
        }
    }
}
