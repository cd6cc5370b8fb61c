namespace CarteAuth.Gateway;

/// <summary>Names used by the CarteAuth forward-auth endpoint: its path and the headers it reads and writes.</summary>
public static class ForwardAuthDefaults
{
    /// <summary>The forward-auth endpoint: <c>/carteauth/authz</c>.</summary>
    public const string Path = "/carteauth/authz";

    /// <summary>The prefix of every identity header; proxies must remove client-sent headers with this prefix.</summary>
    public const string HeaderPrefix = "X-CarteAuth-";

    /// <summary>The professional's national identifier (idNat).</summary>
    public const string IdNatHeader = "X-CarteAuth-IdNat";

    /// <summary>The professional's TRE_G15 profession code (absent when unknown).</summary>
    public const string ProfessionHeader = "X-CarteAuth-Profession";

    /// <summary>The RFC 8176 authentication methods, space-separated (e.g. <c>sc pin hwk</c>).</summary>
    public const string AmrHeader = "X-CarteAuth-Amr";

    /// <summary>The ACR as asserted by the authenticator (e.g. <c>eidas1</c>, or the level).</summary>
    public const string AcrHeader = "X-CarteAuth-Acr";

    /// <summary>The level of assurance: <c>low</c>, <c>substantial</c> or <c>high</c>.</summary>
    public const string LevelHeader = "X-CarteAuth-Level";

    /// <summary>A short-lived JWT for the upstream (audience <see cref="ForwardAuthOptions.UpstreamAudience"/>), verifiable with the JWKS.</summary>
    public const string AssertionHeader = "X-CarteAuth-Assertion";

    /// <summary>The identity headers of an allowed decision, in the order they are described.</summary>
    internal static readonly string[] IdentityHeaderNames = [IdNatHeader, ProfessionHeader, AmrHeader, AcrHeader, LevelHeader, AssertionHeader];

    /// <summary>On 401: the login URL (local path with <c>returnUrl</c>, <c>stepUp</c> and <c>policy</c>) to redirect the browser to.</summary>
    public const string LoginHeader = "X-CarteAuth-Login";

    /// <summary>nginx: the original request URI (<c>$request_uri</c>).</summary>
    public const string OriginalUriHeader = "X-Original-URI";

    /// <summary>nginx: the original request method (<c>$request_method</c>).</summary>
    public const string OriginalMethodHeader = "X-Original-Method";

    /// <summary>Traefik, Caddy: the original request URI.</summary>
    public const string ForwardedUriHeader = "X-Forwarded-Uri";

    /// <summary>Traefik, Caddy: the original request method.</summary>
    public const string ForwardedMethodHeader = "X-Forwarded-Method";

    /// <summary>The original host.</summary>
    public const string ForwardedHostHeader = "X-Forwarded-Host";

    /// <summary>The original scheme.</summary>
    public const string ForwardedProtoHeader = "X-Forwarded-Proto";
}
