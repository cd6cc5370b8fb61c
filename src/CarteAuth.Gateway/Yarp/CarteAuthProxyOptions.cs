namespace CarteAuth.Gateway.Yarp;

/// <summary>
/// Settings of the CarteAuth YARP middleware (<c>AddReverseProxy().AddCarteAuthPolicies(o => …)</c>). The policy of a
/// route is its <see cref="CarteAuthProxyDefaults.PolicyMetadata"/> metadata; these settings say what happens to
/// routes without it and what is forwarded.
/// </summary>
public sealed class CarteAuthProxyOptions
{
    /// <summary>
    /// The CarteAuth policy of routes without <see cref="CarteAuthProxyDefaults.PolicyMetadata"/>. Null (default): such
    /// routes are refused with 403 <see cref="ReasonCodes.GatewayRouteWithoutPolicy"/> (fail closed), unless
    /// <see cref="AllowRouteAuthorizationPolicy"/> applies.
    /// </summary>
    public string? DefaultPolicy { get; set; }

    /// <summary>The zone of routes without <see cref="CarteAuthProxyDefaults.ZoneMetadata"/>. Default <see cref="NetworkZone.Remote"/>.</summary>
    public NetworkZone DefaultZone { get; set; } = NetworkZone.Remote;

    /// <summary>
    /// When true, a route without CarteAuth metadata but with YARP's own <c>AuthorizationPolicy</c> (other than
    /// <c>anonymous</c>) is left to that ASP.NET Core policy (already enforced by routing) instead of being refused.
    /// Default false.
    /// </summary>
    public bool AllowRouteAuthorizationPolicy { get; set; }

    /// <summary>
    /// Forward the TLS client certificate of card sessions (amr <c>sc</c>) to the destination in
    /// <see cref="CarteAuthProxyDefaults.ClientCertHeader"/> (RFC 9440). Default true. Client-sent certificate headers
    /// are removed either way.
    /// </summary>
    public bool ForwardClientCertificate { get; set; } = true;

    /// <summary>
    /// Remove the CarteAuth session credentials (the session cookie, and <c>Authorization: Bearer</c> when it carried the
    /// session token) from the proxied request: the destination gets the short-lived assertion, never the session token
    /// it could replay. Default true.
    /// </summary>
    public bool StripSessionCredentials { get; set; } = true;
}
