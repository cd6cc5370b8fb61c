using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.SmartCard;

/// <summary>Which proxies may forward client certificates, and limits on the header.</summary>
public sealed class ForwardedCertificateOptions
{
    /// <summary>Addresses of the trusted reverse proxies (e.g. <c>127.0.0.1</c>, <c>::1</c>).</summary>
    public IList<IPAddress> TrustedProxies { get; } = [];

    /// <summary>Networks of trusted reverse proxies (e.g. <c>10.0.0.0/24</c>, <c>fd00::/64</c>).</summary>
    public IList<IPNetwork> TrustedNetworks { get; } = [];

    /// <summary>Largest header value accepted, in characters; default 16384 (a URL-escaped RSA 4096 certificate is about 3 KB).</summary>
    public int MaxHeaderLength { get; set; } = 16 * 1024;

    /// <summary>True when <paramref name="address"/> is a trusted proxy (IPv4-mapped IPv6 addresses are compared as IPv4).</summary>
    public bool IsTrusted(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        var normalized = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var proxy in TrustedProxies)
        {
            var p = proxy.IsIPv4MappedToIPv6 ? proxy.MapToIPv4() : proxy;
            if (p.Equals(normalized))
            {
                return true;
            }
        }

        foreach (var network in TrustedNetworks)
        {
            if (network.Contains(normalized))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// Reads a client certificate forwarded by a TLS-terminating reverse proxy, in nginx's <c>$ssl_client_escaped_cert</c>
/// form (the PEM certificate, URL-escaped), e.g. <c>proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;</c>.
/// Accepted only from configured proxies: anyone else could forge the header.
/// </summary>
public static class ForwardedClientCertificate
{
    /// <summary>Reads the forwarded certificate.</summary>
    /// <param name="headerValue">The header value (null or empty when the proxy got no client certificate).</param>
    /// <param name="remoteAddress">The address of the peer that sent the request (the proxy).</param>
    /// <param name="options">The trusted proxies.</param>
    /// <param name="certificate">The certificate, on success (the caller disposes it).</param>
    /// <param name="reasonCode">On failure <c>cert.untrusted-proxy</c>, <c>cert.missing</c> or <c>cert.malformed-header</c>; empty on success.</param>
    /// <param name="message">On failure, what is wrong; empty on success.</param>
    public static bool TryRead(
        string? headerValue,
        IPAddress? remoteAddress,
        ForwardedCertificateOptions options,
        [NotNullWhen(true)] out X509Certificate2? certificate,
        out string reasonCode,
        out string message)
    {
        ArgumentNullException.ThrowIfNull(options);
        certificate = null;
        if (string.IsNullOrWhiteSpace(headerValue))
        {
            reasonCode = ReasonCodes.CertMissing;
            message = "The proxy forwarded no client certificate (empty header): the client presented none. Check that the card is inserted and the proxy requests client certificates.";
            return false;
        }

        if (!options.IsTrusted(remoteAddress))
        {
            reasonCode = ReasonCodes.CertUntrustedProxy;
            message = $"A client certificate header came from {remoteAddress?.ToString() ?? "an unknown address"}, which is not a trusted proxy; it is ignored. Add the proxy to ForwardedCertificateOptions if it is yours.";
            return false;
        }

        reasonCode = ReasonCodes.CertMalformedHeader;
        if (headerValue.Length > options.MaxHeaderLength)
        {
            message = $"The forwarded client certificate header is {headerValue.Length} characters long; at most {options.MaxHeaderLength} are accepted.";
            return false;
        }

        string pem;
        try
        {
            // nginx escapes the PEM with ngx_escape_uri (NGX_ESCAPE_URI_COMPONENT): '%XX' only; '+' is escaped, never a space.
            pem = Uri.UnescapeDataString(headerValue.Trim());
        }
        catch (UriFormatException e)
        {
            message = $"The forwarded client certificate header is not URL-escaped text: {e.Message}";
            return false;
        }

        var begin = pem.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
        if (begin < 0 || pem.IndexOf("-----BEGIN", begin + 1, StringComparison.Ordinal) >= 0)
        {
            message = "The forwarded client certificate header is not one URL-escaped PEM certificate; forward nginx's $ssl_client_escaped_cert unchanged.";
            return false;
        }

        try
        {
            certificate = X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException e)
        {
            message = $"The forwarded client certificate cannot be decoded: {e.Message}";
            return false;
        }

        reasonCode = string.Empty;
        message = string.Empty;
        return true;
    }
}
