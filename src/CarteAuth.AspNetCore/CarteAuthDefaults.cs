namespace CarteAuth.AspNetCore;

/// <summary>Default values of the CarteAuth ASP.NET Core integration.</summary>
public static class CarteAuthDefaults
{
    /// <summary>The name of the CarteAuth cookie session authentication scheme.</summary>
    public const string AuthenticationScheme = "CarteAuth";

    /// <summary>The display name of the scheme.</summary>
    public const string DisplayName = "CarteAuth";

    /// <summary>
    /// The session cookie's base name. Over HTTPS the cookie is named <c>__Host-carteauth</c> (RFC 6265bis §4.1.3.2:
    /// Secure, path <c>/</c>, no Domain, so no sibling host can set or shadow it); over plain HTTP (development) <c>carteauth</c>.
    /// </summary>
    public const string CookieName = "carteauth";

    /// <summary>The cookie name prefix used over HTTPS.</summary>
    public const string HostCookiePrefix = "__Host-";

    /// <summary>The default login page: <c>/carteauth/login</c>.</summary>
    public const string LoginPath = "/carteauth/login";

    /// <summary>The default prefix of the CarteAuth endpoints mapped by <c>MapCarteAuth()</c>.</summary>
    public const string EndpointPrefix = "/carteauth";

    /// <summary>The JWKS endpoint publishing the session token keys.</summary>
    public const string JwksPath = "/.well-known/carteauth/jwks.json";

    /// <summary>The query parameter carrying where to go back after login.</summary>
    public const string ReturnUrlParameter = "returnUrl";

    /// <summary>The query parameter carrying the step-up requirement (see <see cref="StepUpEncoding"/>).</summary>
    public const string StepUpParameter = "stepUp";

    /// <summary>The response header carrying the reason code of a refusal (never personal data).</summary>
    public const string ReasonHeader = "CarteAuth-Reason";

    /// <summary>
    /// The request header carrying a break-glass reason (URL-encoded UTF-8, at most 512 characters once decoded): a signed-in
    /// professional asks for emergency access to a resource whose policy allows break-glass. The policy evaluator decides
    /// and audits it. Sent by the application's own pages (<c>fetch</c>), never set by CarteAuth.
    /// </summary>
    public const string BreakGlassHeader = "CarteAuth-Break-Glass";

    /// <summary>The <c>WWW-Authenticate</c> scheme name of API challenges.</summary>
    public const string ChallengeScheme = "CarteAuth";

    /// <summary>The audit event kind of session events (start, end, end everywhere).</summary>
    public const string SessionAuditKind = "session";
}
