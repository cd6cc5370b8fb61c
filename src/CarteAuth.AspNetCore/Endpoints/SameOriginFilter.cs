using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CarteAuth.AspNetCore;

/// <summary>
/// CSRF protection of the state-changing CarteAuth endpoints, by a same-origin check (OWASP CSRF Cheat Sheet,
/// "Verifying Origin with standard headers" and Fetch Metadata): a request whose <c>Sec-Fetch-Site</c> is present and
/// not <c>same-origin</c> or <c>none</c>, or whose <c>Origin</c> is present and is not this request's scheme and host,
/// is refused with 403 <see cref="ReasonCodes.SessionCrossSiteRequest"/>. Requests with neither header (non-browser
/// clients, which hold no victim's cookie) pass; the SameSite=Lax cookie is a second line.
/// </summary>
internal sealed class SameOriginFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!IsSameOrigin(http.Request))
        {
            var logger = http.RequestServices.GetRequiredService<ILogger<SameOriginFilter>>();
            CarteAuthAspNetCoreLog.CrossSiteRefused(logger, http.Request.Method, http.Request.Path, http.Request.Headers.Origin.ToString(), http.Request.Headers["Sec-Fetch-Site"].ToString());
            return CarteAuthHttp.Problem(http, StatusCodes.Status403Forbidden, ReasonCodes.SessionCrossSiteRequest, "Cross-site request refused: post from a page of this application.");
        }

        return await next(context).ConfigureAwait(false);
    }

    internal static bool IsSameOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return false;
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return true;
        }

        // RFC 6454 §7: "null" (opaque origin) and any other origin than our own are cross-origin.
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.GetLeftPart(UriPartial.Authority), $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);
    }
}
