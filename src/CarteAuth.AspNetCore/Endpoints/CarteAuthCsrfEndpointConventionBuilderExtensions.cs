using CarteAuth.AspNetCore;
using Microsoft.AspNetCore.Http;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Cross-site request forgery conventions for the application's own endpoints (docs/aspnetcore.md, CSRF).</summary>
public static class CarteAuthCsrfEndpointConventionBuilderExtensions
{
    /// <summary>
    /// Refuses cross-site requests to these endpoints with 403 <c>session.cross-site-request</c>, by the same-origin check
    /// of the CarteAuth endpoints (<c>Sec-Fetch-Site</c> not <c>same-origin</c>/<c>none</c>, or an <c>Origin</c> other than
    /// the request's scheme and host), and marks them with <see cref="CarteAuthSameOriginMetadata"/>. An endpoint filter:
    /// applies to route handler (minimal API) and controller endpoints.
    /// </summary>
    public static TBuilder RequireCarteAuthSameOrigin<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddEndpointFilter<TBuilder, SameOriginFilter>();
        return builder.WithMetadata(CarteAuthSameOriginMetadata.Instance);
    }

    /// <summary>
    /// Declares that these state-changing endpoints accept cross-site requests on purpose (server-to-server calls that
    /// carry no cookie, read-only handlers mapped for every method), so <see cref="CarteAuthCsrf.FindUnprotectedEndpoints"/>
    /// does not report them. Say why in <paramref name="reason"/>.
    /// </summary>
    public static TBuilder AllowCrossSite<TBuilder>(this TBuilder builder, string reason)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new CarteAuthCrossSiteExemptionMetadata(reason));
    }
}
