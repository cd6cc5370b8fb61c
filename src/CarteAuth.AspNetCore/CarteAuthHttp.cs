using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CarteAuth.AspNetCore;

/// <summary>HTTP helpers shared by the CarteAuth scheme, authorization and endpoints.</summary>
public static class CarteAuthHttp
{
    /// <summary>
    /// True for API requests (they get 401/403 with a JSON body instead of a redirect to the login page): the
    /// <c>Accept</c> header asks for JSON and not HTML, or <c>X-Requested-With: XMLHttpRequest</c>.
    /// </summary>
    public static bool IsApiRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.Equals(request.Headers["X-Requested-With"], "XMLHttpRequest", StringComparison.Ordinal))
        {
            return true;
        }

        var accept = request.Headers.Accept.ToString();
        return accept.Contains("json", StringComparison.OrdinalIgnoreCase) && !accept.Contains("text/html", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// True when <paramref name="url"/> is a local URL (a path of this application: <c>/…</c> but not <c>//…</c> nor
    /// <c>/\…</c>, or <c>~/…</c>), so redirecting to it cannot send the user to another site (open redirect,
    /// RFC 9700 §4.11; same rule as ASP.NET Core's <c>IUrlHelper.IsLocalUrl</c>).
    /// </summary>
    public static bool IsLocalUrl(string? url)
    {
        // Control characters (C0, DEL, C1): CR/LF would split the Location header, browsers drop tabs ("/\t/evil" is "//evil").
        if (string.IsNullOrEmpty(url) || url.Length > 2048 || url.AsSpan().ContainsAnyInRange('\0', '\u001f') || url.AsSpan().ContainsAnyInRange('\u007f', '\u009f'))
        {
            return false;
        }

        if (url[0] == '/')
        {
            return url.Length == 1 || (url[1] != '/' && url[1] != '\\');
        }

        return url.Length > 1 && url[0] == '~' && url[1] == '/' && (url.Length == 2 || (url[2] != '/' && url[2] != '\\'));
    }

    /// <summary>
    /// The URL to go back to: <paramref name="returnUrl"/> when it is local (<see cref="IsLocalUrl"/>), else
    /// <paramref name="fallback"/>. Characters outside ASCII are percent-encoded as UTF-8 (RFC 3986 §2.5), so the result
    /// can go into a <c>Location</c> header (HTTP field values are ASCII; Kestrel refuses others).
    /// </summary>
    public static string SafeReturnUrl(string? returnUrl, string fallback = "/") =>
        IsLocalUrl(returnUrl) && EncodeNonAscii(returnUrl!) is { } url ? url : fallback;

    /// <summary><paramref name="url"/> with every non-ASCII character percent-encoded as UTF-8; null for an unpaired surrogate.</summary>
    private static string? EncodeNonAscii(string url)
    {
        if (!url.AsSpan().ContainsAnyExceptInRange('\u0020', '\u007e'))
        {
            return url;
        }

        var builder = new System.Text.StringBuilder(url.Length + 32);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < url.Length; i++)
        {
            if (url[i] <= '\u007e')
            {
                builder.Append(url[i]);
                continue;
            }

            if (System.Text.Rune.DecodeFromUtf16(url.AsSpan(i), out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                return null;
            }

            var length = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..length])
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }

            i += used - 1;
        }

        return builder.ToString();
    }

    /// <summary>The session cookie's name for this request: <c>__Host-</c> + base name over HTTPS, the base name otherwise.</summary>
    public static string CookieName(HttpRequest request, string baseName)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.IsHttps ? CarteAuthDefaults.HostCookiePrefix + baseName : baseName;
    }

    /// <summary>The longest correlation id taken from <see cref="CarteAuthOptions.CorrelationIdHeader"/>.</summary>
    internal const int MaxCorrelationIdLength = 128;

    /// <summary>
    /// The caller's correlation id from <paramref name="headerName"/> (<see cref="CarteAuthOptions.CorrelationIdHeader"/>),
    /// or null when no header is configured or the value is unusable: empty, repeated, longer than
    /// <see cref="MaxCorrelationIdLength"/>, or not only visible ASCII (it goes into the audit trail and logs as is).
    /// </summary>
    internal static string? HeaderCorrelationId(HttpRequest request, string? headerName)
    {
        if (string.IsNullOrEmpty(headerName))
        {
            return null;
        }

        var values = request.Headers[headerName];
        if (values.Count != 1 || values[0] is not { Length: > 0 and <= MaxCorrelationIdLength } value)
        {
            return null;
        }

        return value.AsSpan().ContainsAnyExceptInRange('\u0021', '\u007e') ? null : value;
    }

    /// <summary>The correlation id of a request's login audit event: the caller's (<see cref="HeaderCorrelationId"/>), else <see cref="HttpContext.TraceIdentifier"/>.</summary>
    internal static string RequestCorrelationId(HttpContext http, string? headerName) => HeaderCorrelationId(http.Request, headerName) ?? http.TraceIdentifier;

    /// <summary>The request's own URL, local form (path base, path and query), for <c>returnUrl</c>.</summary>
    internal static string CurrentLocalUrl(HttpRequest request) => $"{request.PathBase}{request.Path}{request.QueryString}";

    /// <summary>Writes a problem details response (RFC 9457) with the reason code in <c>reasonCode</c> and the <see cref="CarteAuthDefaults.ReasonHeader"/> header.</summary>
    internal static Task WriteProblemAsync(HttpContext context, int status, string reasonCode, string title, IDictionary<string, object?>? extensions = null)
    {
        context.Response.StatusCode = status;
        return Problem(context, status, reasonCode, title, extensions).ExecuteAsync(context);
    }

    /// <summary>A problem details result (RFC 9457) with the reason code in <c>reasonCode</c>; sets the <see cref="CarteAuthDefaults.ReasonHeader"/> header.</summary>
    internal static IResult Problem(HttpContext context, int status, string reasonCode, string title, IDictionary<string, object?>? extensions = null)
    {
        context.Response.Headers[CarteAuthDefaults.ReasonHeader] = reasonCode;
        context.Response.Headers.CacheControl = "no-store";
        var ext = extensions ?? new Dictionary<string, object?>(StringComparer.Ordinal);
        ext["reasonCode"] = reasonCode;
        return Results.Problem(statusCode: status, title: title, type: "https://github.com/carteauth/carteauth/blob/main/docs/reason-codes.md", extensions: ext);
    }

    /// <summary>Adds <c>Vary: Accept</c> style caching guards to a challenge response.</summary>
    internal static void NoStore(HttpResponse response) => response.Headers[HeaderNames.CacheControl] = "no-store";
}
