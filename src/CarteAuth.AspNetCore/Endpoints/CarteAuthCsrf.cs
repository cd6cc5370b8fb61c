using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CarteAuth.AspNetCore;

/// <summary>
/// Endpoint metadata: the endpoint refuses cross-site requests with the CarteAuth same-origin check (Origin and
/// <c>Sec-Fetch-Site</c>; OWASP CSRF Prevention Cheat Sheet). Added by <c>RequireCarteAuthSameOrigin()</c>.
/// </summary>
public sealed class CarteAuthSameOriginMetadata
{
    private CarteAuthSameOriginMetadata()
    {
    }

    /// <summary>The one instance.</summary>
    public static CarteAuthSameOriginMetadata Instance { get; } = new();
}

/// <summary>
/// Endpoint metadata: a state-changing endpoint deliberately accepts cross-site requests (e.g. a server-to-server
/// back-channel logout, which carries no cookie and proves itself with a signed token). Added by <c>AllowCrossSite(reason)</c>;
/// the reason is what a reviewer reads.
/// </summary>
public sealed class CarteAuthCrossSiteExemptionMetadata
{
    /// <summary>Creates the exemption with its reason.</summary>
    /// <param name="reason">Why cross-site requests cannot forge anything here (non-empty).</param>
    public CarteAuthCrossSiteExemptionMetadata(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Reason = reason;
    }

    /// <summary>Why the endpoint accepts cross-site requests.</summary>
    public string Reason { get; }
}

/// <summary>
/// Checks that every state-changing endpoint of an application is protected against cross-site request forgery
/// (OWASP ASVS 4.0.3 V4.2.2): use <see cref="FindUnprotectedEndpoints"/> in a test of your application with its
/// <see cref="EndpointDataSource"/>.
/// </summary>
public static class CarteAuthCsrf
{
    private static readonly string[] SafeMethods = [HttpMethods.Get, HttpMethods.Head, HttpMethods.Options, HttpMethods.Trace];

    /// <summary>
    /// True when the endpoint accepts a state-changing method: POST, PUT, PATCH, DELETE or any other method than GET, HEAD,
    /// OPTIONS and TRACE (RFC 9110 §9.2.1 safe methods), or any method at all (no <see cref="IHttpMethodMetadata"/>).
    /// </summary>
    public static bool IsStateChanging(Endpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
        return methods is null || methods.Count == 0 || methods.Any(m => !SafeMethods.Contains(m, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>
    /// True when the endpoint refuses forged cross-site requests: it has the CarteAuth same-origin check
    /// (<see cref="CarteAuthSameOriginMetadata"/>), requires an antiforgery token (<see cref="IAntiforgeryMetadata"/>
    /// with <c>RequiresValidation</c>), or carries a documented exemption (<see cref="CarteAuthCrossSiteExemptionMetadata"/>).
    /// </summary>
    public static bool IsProtected(Endpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.Metadata.GetMetadata<CarteAuthSameOriginMetadata>() is not null
            || endpoint.Metadata.GetMetadata<IAntiforgeryMetadata>() is { RequiresValidation: true }
            || endpoint.Metadata.GetMetadata<CarteAuthCrossSiteExemptionMetadata>() is not null;
    }

    /// <summary>The state-changing endpoints (<see cref="IsStateChanging"/>) that are not protected (<see cref="IsProtected"/>).</summary>
    public static IReadOnlyList<Endpoint> FindUnprotectedEndpoints(IEnumerable<Endpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return [.. endpoints.Where(e => IsStateChanging(e) && !IsProtected(e))];
    }
}
