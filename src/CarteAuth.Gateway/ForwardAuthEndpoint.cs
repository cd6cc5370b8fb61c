using System.Net;
using CarteAuth.AspNetCore;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CarteAuth.Gateway;

/// <summary>
/// The forward-auth decision: checks that the caller is a trusted proxy, reads the original request, finds its route,
/// and decides it with <see cref="GatewayAuthorizer"/> (the session, cookie or bearer token, and the route's policy
/// through Core's audited evaluator: the same path as the YARP middleware). Allow: 200 with the identity headers and the assertion. Not signed in or step-up: 401 with
/// <see cref="ForwardAuthDefaults.LoginHeader"/>. Deny: 403. Refusals carry <see cref="CarteAuthDefaults.ReasonHeader"/>.
/// </summary>
internal sealed class ForwardAuthEndpoint(
    ForwardAuthRouteTable routes,
    IOptions<ForwardAuthOptions> options,
    GatewayAuthorizer authorizer,
    ILogger<ForwardAuthEndpoint> logger)
{
    private readonly IPNetwork[] _proxies = [.. options.Value.TrustedProxies.Select(static p => ForwardAuthOptions.TryParseNetwork(p, out var n) ? n : throw new CarteAuthException(ReasonCodes.GatewayInvalidOptions, $"TrustedProxies: '{p}' is not an address or network."))];

    public async Task HandleAsync(HttpContext http)
    {
        var response = http.Response;
        response.Headers.CacheControl = "no-store";
        var remote = http.Connection.RemoteIpAddress;
        if (remote is null || !IsTrustedProxy(remote))
        {
            GatewayLog.BadRequest(logger, ReasonCodes.GatewayUntrustedProxy, remote?.ToString());
            Refuse(response, StatusCodes.Status403Forbidden, ReasonCodes.GatewayUntrustedProxy);
            return;
        }

        var original = OriginalRequest.Read(http.Request, out var bad);
        if (original is null)
        {
            GatewayLog.BadRequest(logger, bad!, remote.ToString());
            Refuse(response, StatusCodes.Status400BadRequest, bad!);
            return;
        }

        var route = routes.Match(original.Host, original.Path);
        if (route is null)
        {
            GatewayLog.Denied(logger, original.Method, original.Host, original.Path, "-", ReasonCodes.GatewayNoRoute);
            Refuse(response, StatusCodes.Status403Forbidden, ReasonCodes.GatewayNoRoute);
            return;
        }

        var decision = await authorizer.AuthorizeAsync(http, original, route, ClientAddress(http.Request) ?? remote.ToString()).ConfigureAwait(false);
        if (!decision.IsAllowed)
        {
            decision.WriteRefusal(response);
            if (decision.Status == StatusCodes.Status401Unauthorized && decision.LoginUrl is { } login && IsPassThroughBrowserNavigation(http.Request, original))
            {
                // Traefik ForwardAuth and Caddy forward_auth send a non-2xx answer to the client as it is (nginx's
                // auth_request maps it to its own error page, and treats a 3xx as an error): a browser navigating to a
                // page gets the login page as a redirect (RFC 9110 §15.4.3); API clients keep the 401 and its headers.
                response.StatusCode = StatusCodes.Status302Found;
                response.Headers.Location = login;
            }

            return;
        }

        // Every identity header is answered, empty when there is no such value (no profession code; an anonymous request
        // allowed by its policy): a proxy that copies named headers onto the upstream request then copies an empty one.
        // Caddy 2.6's forward_auth copy_headers otherwise passes an absent header as its literal placeholder text
        // ("{http.reverse_proxy.header.X-Carteauth-Profession}"), which an upstream could take for a value.
        foreach (var name in ForwardAuthDefaults.IdentityHeaderNames)
        {
            response.Headers[name] = string.Empty;
        }

        foreach (var (name, value) in decision.IdentityHeaders)
        {
            response.Headers[name] = value;
        }

        response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>
    /// A Traefik/Caddy forward-auth request (the original request in <c>X-Forwarded-Uri</c>, not nginx's
    /// <c>X-Original-URI</c>) for a browser navigation: GET or HEAD, and <c>Sec-Fetch-Mode: navigate</c> or an
    /// <c>Accept</c> that names <c>text/html</c> (both proxies pass the client's headers to the decision).
    /// </summary>
    private static bool IsPassThroughBrowserNavigation(HttpRequest request, OriginalRequest original)
    {
        if (request.Headers.ContainsKey(ForwardAuthDefaults.OriginalUriHeader) || original.Method is not ("GET" or "HEAD"))
        {
            return false;
        }

        var mode = request.Headers["Sec-Fetch-Mode"].ToString();
        if (mode.Length > 0)
        {
            return string.Equals(mode, "navigate", StringComparison.OrdinalIgnoreCase);
        }

        return request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
    }

    private static void Refuse(HttpResponse response, int status, string reasonCode)
    {
        response.StatusCode = status;
        response.Headers[CarteAuthDefaults.ReasonHeader] = reasonCode;
    }

    // The client as the trusted proxy saw it: X-Real-IP (nginx $remote_addr), else the last X-Forwarded-For hop.
    private static string? ClientAddress(HttpRequest request)
    {
        var real = request.Headers["X-Real-IP"].ToString();
        if (IPAddress.TryParse(real, out var address))
        {
            return address.ToString();
        }

        // The last non-empty hop, read in place (no split array per request).
        var forwarded = request.Headers["X-Forwarded-For"].ToString().AsSpan().TrimEnd(" ,\t");
        var last = forwarded[(forwarded.LastIndexOf(',') + 1)..].Trim();
        return IPAddress.TryParse(last, out address) ? address.ToString() : null;
    }

    private bool IsTrustedProxy(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in _proxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
