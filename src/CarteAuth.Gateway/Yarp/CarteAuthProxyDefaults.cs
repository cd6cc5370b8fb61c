namespace CarteAuth.Gateway.Yarp;

/// <summary>Names used by the CarteAuth YARP integration: route metadata keys and the forwarded client certificate header.</summary>
public static class CarteAuthProxyDefaults
{
    /// <summary>Route metadata key naming the CarteAuth policy that protects the route (<c>"Metadata": { "CarteAuth.Policy": "dossier-patient" }</c>).</summary>
    public const string PolicyMetadata = "CarteAuth.Policy";

    /// <summary>Route metadata key naming the network zone the policy is evaluated in (<c>Internal</c>, <c>Remote</c>…); default <see cref="CarteAuthProxyOptions.DefaultZone"/>.</summary>
    public const string ZoneMetadata = "CarteAuth.Zone";

    /// <summary>
    /// RFC 9440 §2.2 <c>Client-Cert</c>: the client certificate of a card session, DER as a structured-field byte
    /// sequence (RFC 8941 §3.3.5): <c>:base64:</c>.
    /// </summary>
    public const string ClientCertHeader = "Client-Cert";

    /// <summary>RFC 9440 §2.3 <c>Client-Cert-Chain</c> (never forwarded by CarteAuth; removed when a client sends it).</summary>
    public const string ClientCertChainHeader = "Client-Cert-Chain";

    /// <summary>Client certificate headers of other proxies (nginx <c>$ssl_client_escaped_cert</c> conventions), removed when a client sends them.</summary>
    public static readonly IReadOnlyList<string> ForeignClientCertHeaders = ["X-SSL-Client-Cert", "X-Client-Cert", "X-Forwarded-Client-Cert", "Ssl-Client-Cert"];
}
