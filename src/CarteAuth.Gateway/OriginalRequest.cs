using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace CarteAuth.Gateway;

/// <summary>
/// The request a proxy asks about: method, scheme, host, raw URI and normalized path, read from nginx's
/// <c>X-Original-URI</c>/<c>X-Original-Method</c> or Traefik's and Caddy's <c>X-Forwarded-Method/Proto/Host/Uri</c>.
/// </summary>
/// <param name="Method">The original method (GET when the proxy does not say).</param>
/// <param name="Scheme">The original scheme (<c>http</c>/<c>https</c>).</param>
/// <param name="Host">The original host, lower case, without port; null when unknown.</param>
/// <param name="Uri">The original path and query as sent (for <c>returnUrl</c>).</param>
/// <param name="Path">The decoded, normalized path the routes are matched against.</param>
public sealed record OriginalRequest(string Method, string Scheme, string? Host, string Uri, string Path)
{
    private const int MaxUriLength = 8192;

    /// <summary>
    /// Reads the original request from the proxy's headers.
    /// </summary>
    /// <returns>The request, or null with the reason code (<see cref="ReasonCodes.GatewayMissingOriginalRequest"/>, <see cref="ReasonCodes.GatewayBadOriginalRequest"/>).</returns>
    public static OriginalRequest? Read(HttpRequest request, out string? reasonCode)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = First(request, ForwardAuthDefaults.OriginalUriHeader) ?? First(request, ForwardAuthDefaults.ForwardedUriHeader);
        if (uri is null)
        {
            reasonCode = ReasonCodes.GatewayMissingOriginalRequest;
            return null;
        }

        var method = First(request, ForwardAuthDefaults.OriginalMethodHeader) ?? First(request, ForwardAuthDefaults.ForwardedMethodHeader) ?? "GET";
        var scheme = First(request, ForwardAuthDefaults.ForwardedProtoHeader) ?? request.Scheme;
        var host = First(request, ForwardAuthDefaults.ForwardedHostHeader) ?? request.Host.Host;
        if (host is not null && HostString.FromUriComponent(host) is { HasValue: true } parsed)
        {
            host = parsed.Host;
        }

        var path = uri.Length <= MaxUriLength && uri.StartsWith('/') && !uri.AsSpan().ContainsAnyInRange('\0', ' ')
            && method.All(static c => char.IsAsciiLetter(c)) && scheme is "http" or "https"
            ? NormalizePath(uri)
            : null;
        if (path is null || (host is not null && !ForwardAuthRouteTable.IsValidHostPattern(host) && !IPAddress.TryParse(host.Trim('[', ']'), out _)))
        {
            reasonCode = ReasonCodes.GatewayBadOriginalRequest;
            return null;
        }

        reasonCode = null;
        return new OriginalRequest(method.ToUpperInvariant(), scheme, host?.ToLowerInvariant(), uri, path);
    }

    /// <summary>
    /// The path as the proxy and the upstream see it, so routes cannot be bypassed by encoding: the query is dropped,
    /// percent-escapes are decoded (like nginx's <c>$uri</c>), repeated slashes merged (nginx <c>merge_slashes</c>) and
    /// dot segments removed (RFC 3986 §5.2.4). Null when the escapes are invalid or decode to control characters or a
    /// backslash.
    /// </summary>
    public static string? NormalizePath(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var end = uri.AsSpan().IndexOfAny('?', '#');
        var raw = end < 0 ? uri : uri[..end];
        string decoded;
        if (raw.Contains('%', StringComparison.Ordinal))
        {
            var bytes = new List<byte>(raw.Length);
            for (var i = 0; i < raw.Length; i++)
            {
                if (raw[i] == '%')
                {
                    if (i + 2 >= raw.Length || !char.IsAsciiHexDigit(raw[i + 1]) || !char.IsAsciiHexDigit(raw[i + 2]))
                    {
                        return null;
                    }

                    bytes.Add(Convert.ToByte(raw.Substring(i + 1, 2), 16));
                    i += 2;
                }
                else if (raw[i] > 0x7f)
                {
                    return null;
                }
                else
                {
                    bytes.Add((byte)raw[i]);
                }
            }

            try
            {
                decoded = new UTF8Encoding(false, true).GetString([.. bytes]);
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }
        else if (!System.Text.Ascii.IsValid(raw))
        {
            return null;
        }
        else
        {
            decoded = raw;
        }

        if (decoded.AsSpan().ContainsAnyInRange('\0', '\u001f') || decoded.Contains('\u007f', StringComparison.Ordinal) || decoded.Contains('\\', StringComparison.Ordinal) || !decoded.StartsWith('/'))
        {
            return null;
        }

        // RFC 3986 §5.2.4 remove_dot_segments, on segments, with empty segments merged.
        var output = new List<string>();
        var segments = decoded.Split('/');
        for (var i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment == "..")
            {
                if (output.Count > 0)
                {
                    output.RemoveAt(output.Count - 1);
                }
            }
            else if (segment.Length > 0 && segment != ".")
            {
                output.Add(segment);
            }
        }

        var trailing = decoded.Length > 1 && (decoded.EndsWith('/') || segments[^1] is "." or "..") && output.Count > 0;
        return "/" + string.Join('/', output) + (trailing ? "/" : string.Empty);
    }

    private static string? First(HttpRequest request, string header)
    {
        var values = request.Headers[header];
        if (values.Count == 0)
        {
            return null;
        }

        // Traefik/Caddy may append to a list: the first value is the original one; never trust a comma-joined list for URIs.
        var value = values[0];
        return string.IsNullOrEmpty(value) ? null : value.Trim();
    }
}
