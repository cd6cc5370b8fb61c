using CarteAuth.Authentication;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CarteAuth.Oidc;

/// <summary>A validated ID token (OpenID Connect Core 1.0 §2, §3.1.3.7).</summary>
public sealed class PscIdToken
{
    internal PscIdToken(JsonWebToken token, AssuranceLevel assurance)
    {
        Token = token;
        Assurance = assurance;
        Amr = token.TryGetPayloadValue<string[]>("amr", out var amr) && amr is not null ? amr : [];
        AuthTime = token.TryGetPayloadValue<long>("auth_time", out var at) ? DateTimeOffset.FromUnixTimeSeconds(at) : null;
        SessionId = token.TryGetPayloadValue<string>("sid", out var sid) ? sid : null;
        Nonce = token.TryGetPayloadValue<string>("nonce", out var nonce) ? nonce : null;
        Acr = token.TryGetPayloadValue<string>("acr", out var acr) ? acr : null;
    }

    /// <summary>The compact token, as received (keep it for <c>id_token_hint</c> at logout).</summary>
    public string RawToken => Token.EncodedToken;

    /// <summary>The parsed token, for other claims.</summary>
    public JsonWebToken Token { get; }

    /// <summary>The issuer.</summary>
    public string Issuer => Token.Issuer;

    /// <summary>The subject (<c>sub</c>) at the provider.</summary>
    public string Subject => Token.Subject;

    /// <summary>The <c>acr</c> value, e.g. <c>eidas1</c>.</summary>
    public string? Acr { get; }

    /// <summary>The assurance level <see cref="Acr"/> maps to (Core's <see cref="Authentication.Acr"/> mapping).</summary>
    public AssuranceLevel Assurance { get; }

    /// <summary>The <c>amr</c> values (RFC 8176), empty when absent.</summary>
    public IReadOnlyList<string> Amr { get; }

    /// <summary>When the professional authenticated (<c>auth_time</c>), when given.</summary>
    public DateTimeOffset? AuthTime { get; }

    /// <summary>The session id (<c>sid</c>), when given (matched by back-channel logout).</summary>
    public string? SessionId { get; }

    /// <summary>The nonce, when present.</summary>
    public string? Nonce { get; }

    /// <summary>Issued at.</summary>
    public DateTimeOffset IssuedAt => new(Token.IssuedAt, TimeSpan.Zero);

    /// <summary>Expires at.</summary>
    public DateTimeOffset ExpiresAt => new(Token.ValidTo, TimeSpan.Zero);
}

/// <summary>What an ID token must match besides the configured issuer, client id and algorithms.</summary>
public sealed record PscIdTokenExpectations
{
    /// <summary>The nonce sent in the authorization request; null when none was sent (CIBA), then a nonce in the token is not checked.</summary>
    public string? Nonce { get; init; }

    /// <summary>The <c>max_age</c> requested, enforced on <c>auth_time</c>.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>A lowest level other than <see cref="ProSanteConnectOptions.RequiredAssurance"/>, e.g. for a step-up.</summary>
    public AssuranceLevel? RequiredAssurance { get; init; }

    /// <summary>Record the nonce so the same token is accepted once (default true).</summary>
    public bool ConsumeNonce { get; init; } = true;
}
