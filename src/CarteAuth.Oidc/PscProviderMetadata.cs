namespace CarteAuth.Oidc;

/// <summary>What the provider's discovery document says (OpenID Connect Discovery 1.0 §3), validated.</summary>
public sealed record PscProviderMetadata
{
    /// <summary>The issuer (equal to the configured one).</summary>
    public required string Issuer { get; init; }

    /// <summary>The discovery document's URL.</summary>
    public required string DiscoveryUrl { get; init; }

    /// <summary>Authorization endpoint.</summary>
    public required string AuthorizationEndpoint { get; init; }

    /// <summary>Token endpoint.</summary>
    public required string TokenEndpoint { get; init; }

    /// <summary>JWKS URI.</summary>
    public required string JwksUri { get; init; }

    /// <summary>Userinfo endpoint, when advertised.</summary>
    public string? UserInfoEndpoint { get; init; }

    /// <summary>Introspection endpoint (RFC 7662), when advertised.</summary>
    public string? IntrospectionEndpoint { get; init; }

    /// <summary>End-session endpoint (RP-Initiated Logout 1.0), when advertised.</summary>
    public string? EndSessionEndpoint { get; init; }

    /// <summary>CIBA backchannel authentication endpoint, when advertised.</summary>
    public string? BackchannelAuthenticationEndpoint { get; init; }

    /// <summary>Revocation endpoint (RFC 7009), when advertised.</summary>
    public string? RevocationEndpoint { get; init; }

    /// <summary>Scopes supported.</summary>
    public IReadOnlyList<string> ScopesSupported { get; init; } = [];

    /// <summary>ACR values supported.</summary>
    public IReadOnlyList<string> AcrValuesSupported { get; init; } = [];

    /// <summary>ID token signing algorithms supported.</summary>
    public IReadOnlyList<string> IdTokenSigningAlgorithmsSupported { get; init; } = [];

    /// <summary>Token endpoint client authentication methods supported.</summary>
    public IReadOnlyList<string> TokenEndpointAuthMethodsSupported { get; init; } = [];

    /// <summary>PKCE code challenge methods supported.</summary>
    public IReadOnlyList<string> CodeChallengeMethodsSupported { get; init; } = [];

    /// <summary>Grant types supported.</summary>
    public IReadOnlyList<string> GrantTypesSupported { get; init; } = [];

    /// <summary>CIBA token delivery modes supported (<c>poll</c>, <c>ping</c>, <c>push</c>).</summary>
    public IReadOnlyList<string> BackchannelTokenDeliveryModesSupported { get; init; } = [];

    /// <summary>True when the provider sends back-channel logout tokens.</summary>
    public bool BackchannelLogoutSupported { get; init; }

    /// <summary>True when its logout tokens carry <c>sid</c>.</summary>
    public bool BackchannelLogoutSessionSupported { get; init; }

    /// <summary>True when authorization responses carry <c>iss</c> (RFC 9207).</summary>
    public bool AuthorizationResponseIssParameterSupported { get; init; }

    /// <summary>When the document was fetched.</summary>
    public DateTimeOffset RetrievedAt { get; init; }
}
