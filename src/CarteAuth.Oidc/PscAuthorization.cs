using Duende.IdentityModel.Client;

namespace CarteAuth.Oidc;

/// <summary>
/// What to keep between redirecting the browser to the provider and receiving the callback (in the server-side
/// session or an encrypted, HttpOnly cookie; never readable by scripts). Single use.
/// </summary>
/// <param name="State">The <c>state</c> sent (RFC 6749 §10.12, CSRF protection).</param>
/// <param name="Nonce">The <c>nonce</c> sent (OpenID Connect Core 1.0 §3.1.2.1), expected in the ID token.</param>
/// <param name="CodeVerifier">The PKCE code verifier (RFC 7636 §4.1), sent with the code.</param>
/// <param name="RedirectUri">The redirect URI sent, sent again with the code.</param>
/// <param name="CreatedAt">When the request was created.</param>
public sealed record PscAuthorizationRequest(string State, string Nonce, string CodeVerifier, Uri RedirectUri, DateTimeOffset CreatedAt)
{
    /// <summary>The <c>max_age</c> sent, if any (enforced on <c>auth_time</c>).</summary>
    public TimeSpan? MaxAge { get; init; }
}

/// <summary>A built authorization request: the URL to send the browser to and the state to keep.</summary>
/// <param name="AuthorizationUrl">The provider's authorization URL with every parameter.</param>
/// <param name="Request">What to keep until the callback.</param>
public sealed record PscAuthorizationStart(Uri AuthorizationUrl, PscAuthorizationRequest Request);

/// <summary>Optional parameters of one authorization request (OpenID Connect Core 1.0 §3.1.2.1).</summary>
public sealed record PscAuthorizationParameters
{
    /// <summary><c>prompt</c> (e.g. <c>login</c> to force a new authentication).</summary>
    public string? Prompt { get; init; }

    /// <summary><c>max_age</c>; overrides <see cref="ProSanteConnectOptions.MaxAge"/>.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary><c>login_hint</c> (e.g. the idNat).</summary>
    public string? LoginHint { get; init; }

    /// <summary><c>ui_locales</c> (e.g. <c>fr</c>).</summary>
    public string? UiLocales { get; init; }

    /// <summary>A redirect URI other than <see cref="ProSanteConnectOptions.RedirectUri"/> (it must be registered too).</summary>
    public Uri? RedirectUri { get; init; }
}

/// <summary>The parameters the provider sent back to the redirect URI (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207).</summary>
public sealed record PscAuthorizationResponse
{
    /// <summary><c>code</c>.</summary>
    public string? Code { get; init; }

    /// <summary><c>state</c>.</summary>
    public string? State { get; init; }

    /// <summary><c>iss</c> (RFC 9207), when the provider sends it.</summary>
    public string? Issuer { get; init; }

    /// <summary><c>error</c> (e.g. <c>access_denied</c>).</summary>
    public string? Error { get; init; }

    /// <summary><c>error_description</c>.</summary>
    public string? ErrorDescription { get; init; }

    /// <summary>Reads the query string (or the whole URL) of the callback.</summary>
    /// <param name="queryOrUrl">E.g. <c>?code=…&amp;state=…</c> or <c>https://app/callback?code=…</c>.</param>
    public static PscAuthorizationResponse Parse(string queryOrUrl)
    {
        ArgumentNullException.ThrowIfNull(queryOrUrl);
        var query = queryOrUrl;
        var q = query.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = query[(q + 1)..];
        }

        var hash = query.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            query = query[..hash];
        }

        var values = new AuthorizeResponse("?" + query);
        return new PscAuthorizationResponse
        {
            Code = values.Code,
            State = values.State,
            Issuer = values.Issuer,
            Error = values.Error,
            ErrorDescription = values.ErrorDescription,
        };
    }
}
