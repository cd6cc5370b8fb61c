using System.Globalization;

namespace CarteAuth.Gateway;

/// <summary>
/// The compiled, immutable forward-auth routes: <see cref="Match"/> gives the first route whose host and path prefix
/// match, else the default route (null when there is none: refused, fail closed). Thread-safe.
/// </summary>
public sealed class ForwardAuthRouteTable
{
    private static readonly System.Buffers.SearchValues<char> HostLabelCharacters =
        System.Buffers.SearchValues.Create("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private readonly ForwardAuthRoute[] _routes;

    /// <summary>Compiles and checks the options' routes.</summary>
    /// <param name="options">The options (validated here).</param>
    /// <param name="knownPolicies">The registered CarteAuth policy names, to refuse routes naming unknown ones; null to skip that check.</param>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.GatewayInvalidOptions"/>.</exception>
    public ForwardAuthRouteTable(ForwardAuthOptions options, IReadOnlyCollection<string>? knownPolicies = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(knownPolicies);
        _routes = [.. options.Routes.Select(static r => r with { Host = r.Host?.ToLowerInvariant() })];
        Default = options.DefaultPolicy is null ? null : new ForwardAuthRoute { Policy = options.DefaultPolicy, Zone = options.DefaultZone };
    }

    /// <summary>The routes, in matching order.</summary>
    public IReadOnlyList<ForwardAuthRoute> Routes => _routes;

    /// <summary>The route of requests no route matches, or null.</summary>
    public ForwardAuthRoute? Default { get; }

    /// <summary>The first route for this host (without port) and normalized path (<see cref="OriginalRequest.NormalizePath"/>), else <see cref="Default"/>.</summary>
    public ForwardAuthRoute? Match(string? host, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        foreach (var route in _routes)
        {
            if (HostMatches(route.Host, host) && PathMatches(route.PathPrefix, path))
            {
                return route;
            }
        }

        return Default;
    }

    /// <summary>A host name or <c>*.</c> followed by a host name: letters, digits, '-' and '.' labels.</summary>
    internal static bool IsValidHostPattern(string host)
    {
        // Checked on every forward-auth request (the original Host): no allocation.
        var name = host.AsSpan(host.StartsWith("*.", StringComparison.Ordinal) ? 2 : 0);
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var range in name.Split('.'))
        {
            var label = name[range];
            if (label.Length is 0 or > 63 || label.ContainsAnyExcept(HostLabelCharacters))
            {
                return false;
            }
        }

        return true;
    }

    private static bool HostMatches(string? pattern, string? host)
    {
        if (pattern is null)
        {
            return true;
        }

        if (string.IsNullOrEmpty(host))
        {
            return false;
        }

        return pattern.StartsWith("*.", StringComparison.Ordinal)
            ? host.Length > pattern.Length - 1 && host.AsSpan().EndsWith(pattern.AsSpan(1), StringComparison.OrdinalIgnoreCase)
            : string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
    }

    // Segment boundary: "/admin" matches "/admin" and "/admin/…", not "/administration".
    private static bool PathMatches(string prefix, string path) =>
        prefix == "/" || (path.StartsWith(prefix, StringComparison.Ordinal)
            && (path.Length == prefix.Length || prefix[^1] == '/' || path[prefix.Length] == '/'));

    /// <inheritdoc/>
    public override string ToString() => string.Join("; ", _routes.Select(static r => string.Create(CultureInfo.InvariantCulture, $"{r.Host ?? "*"}{r.PathPrefix} -> {r.Policy} ({r.Zone})")));
}
