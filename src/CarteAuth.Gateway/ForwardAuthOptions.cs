using System.Net;

namespace CarteAuth.Gateway;

/// <summary>
/// Settings of the forward-auth endpoint (<c>AddForwardAuth(o => …)</c>, or bound from configuration like YARP's route
/// records: <c>{ "Routes": [ { "Host": "dpi.chu.fr", "PathPrefix": "/admin", "Policy": "admin" } ], "DefaultPolicy": "remote-access" }</c>).
/// Validated at start (<see cref="ReasonCodes.GatewayInvalidOptions"/>) and compiled into an immutable <see cref="ForwardAuthRouteTable"/>.
/// </summary>
public sealed class ForwardAuthOptions
{
    /// <summary>Default <see cref="AssertionLifetime"/>: 60 seconds.</summary>
    public static readonly TimeSpan DefaultAssertionLifetime = TimeSpan.FromSeconds(60);

    /// <summary>The routes, first match wins (host, then longest-first is not implied: order them most specific first).</summary>
    public IList<ForwardAuthRoute> Routes { get; } = [];

    /// <summary>The CarteAuth policy of requests no route matches. Null: such requests are refused (<see cref="ReasonCodes.GatewayNoRoute"/>).</summary>
    public string? DefaultPolicy { get; set; }

    /// <summary>The zone of requests no route matches. Default <see cref="NetworkZone.Remote"/> (a gateway serves remote access).</summary>
    public NetworkZone DefaultZone { get; set; } = NetworkZone.Remote;

    /// <summary>
    /// The proxies (addresses or CIDR networks) allowed to call the endpoint and whose <c>X-Original-*</c> /
    /// <c>X-Forwarded-*</c> headers are believed. Default: loopback only (<c>127.0.0.0/8</c>, <c>::1/128</c>).
    /// </summary>
    public IList<string> TrustedProxies { get; } = ["127.0.0.0/8", "::1/128"];

    /// <summary>The <c>aud</c> of the assertion JWT given to upstreams (<see cref="ForwardAuthDefaults.AssertionHeader"/>). Default <c>carteauth-upstream</c>.</summary>
    public string UpstreamAudience { get; set; } = "carteauth-upstream";

    /// <summary>How long the assertion JWT is valid. Default 60 seconds; 5 seconds to 10 minutes.</summary>
    public TimeSpan AssertionLifetime { get; set; } = DefaultAssertionLifetime;

    /// <summary>Checks the options (policy names are checked against the registered policies by <see cref="ForwardAuthRouteTable"/>).</summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.GatewayInvalidOptions"/> listing every problem.</exception>
    public void Validate(IReadOnlyCollection<string>? knownPolicies = null)
    {
        var errors = new List<string>();
        for (var i = 0; i < Routes.Count; i++)
        {
            var route = Routes[i];
            var name = $"Routes[{i}]";
            if (route is null)
            {
                errors.Add($"{name} is null.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(route.Policy))
            {
                errors.Add($"{name} has no Policy: name the CarteAuth policy that protects {route.Host ?? "*"}{route.PathPrefix}.");
            }
            else if (knownPolicies is not null && !knownPolicies.Contains(route.Policy))
            {
                errors.Add($"{name}.Policy '{route.Policy}' is not a registered CarteAuth policy (known: {string.Join(", ", knownPolicies.Order(StringComparer.Ordinal))}).");
            }

            if (string.IsNullOrEmpty(route.PathPrefix) || route.PathPrefix[0] != '/' || route.PathPrefix.Contains("//", StringComparison.Ordinal)
                || route.PathPrefix.AsSpan().ContainsAny("?#%\\") || route.PathPrefix.AsSpan().ContainsAnyInRange('\0', ' '))
            {
                errors.Add($"{name}.PathPrefix '{route.PathPrefix}' must be a decoded path starting with '/', without '//', '?', '#', '%', '\\' or spaces (e.g. \"/admin\").");
            }

            if (route.Host is { } host && !ForwardAuthRouteTable.IsValidHostPattern(host))
            {
                errors.Add($"{name}.Host '{host}' must be a host name (e.g. \"dpi.chu.fr\") or a wildcard \"*.chu.fr\", without scheme, port or path.");
            }
        }

        if (DefaultPolicy is not null && knownPolicies is not null && !knownPolicies.Contains(DefaultPolicy))
        {
            errors.Add($"DefaultPolicy '{DefaultPolicy}' is not a registered CarteAuth policy.");
        }

        foreach (var proxy in TrustedProxies)
        {
            if (!TryParseNetwork(proxy, out _))
            {
                errors.Add($"TrustedProxies contains '{proxy}', which is neither an IP address nor a CIDR network (e.g. \"10.0.0.5\" or \"10.0.0.0/24\").");
            }
        }

        if (string.IsNullOrWhiteSpace(UpstreamAudience))
        {
            errors.Add("UpstreamAudience is empty: name the audience the upstream applications check in the assertion (e.g. \"dpi-upstream\").");
        }

        if (AssertionLifetime < TimeSpan.FromSeconds(5) || AssertionLifetime > TimeSpan.FromMinutes(10))
        {
            errors.Add($"AssertionLifetime is {AssertionLifetime}; use 5 seconds to 10 minutes (default {DefaultAssertionLifetime}).");
        }

        if (errors.Count > 0)
        {
            throw new CarteAuthException(ReasonCodes.GatewayInvalidOptions, "Invalid CarteAuth forward-auth options: " + string.Join(" ", errors));
        }
    }

    /// <summary>Parses an address (as a /32 or /128 network) or a CIDR network.</summary>
    internal static bool TryParseNetwork(string? value, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        if (value.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(value, out network);
        }

        if (IPAddress.TryParse(value, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }
}

/// <summary>
/// One forward-auth route: requests for <see cref="Host"/> (null: any host) whose path is <see cref="PathPrefix"/> or
/// below it (segment boundary: <c>/admin</c> matches <c>/admin</c> and <c>/admin/x</c>, not <c>/administration</c>)
/// are decided by the CarteAuth policy <see cref="Policy"/> in <see cref="Zone"/>.
/// </summary>
public sealed record ForwardAuthRoute
{
    /// <summary>The host (case-insensitive, no port), a wildcard <c>*.chu.fr</c> (any subdomain), or null for any host.</summary>
    public string? Host { get; init; }

    /// <summary>The decoded path prefix. Default <c>/</c> (everything).</summary>
    public string PathPrefix { get; init; } = "/";

    /// <summary>The CarteAuth policy name (required).</summary>
    public string Policy { get; init; } = string.Empty;

    /// <summary>The network zone the policy is evaluated in. Default <see cref="NetworkZone.Remote"/>.</summary>
    public NetworkZone Zone { get; init; } = NetworkZone.Remote;
}
