using Duende.IdentityModel;
using Duende.IdentityModel.Client;

namespace CarteAuth.Oidc;

/// <summary>An RFC 8693 token exchange request.</summary>
public sealed record PscTokenExchangeRequest
{
    /// <summary><c>subject_token</c>: the token to exchange (e.g. the PSC access token of the sign-in).</summary>
    public required string SubjectToken { get; init; }

    /// <summary><c>subject_token_type</c> (default <c>urn:ietf:params:oauth:token-type:access_token</c>).</summary>
    public string SubjectTokenType { get; init; } = OidcConstants.TokenTypeIdentifiers.AccessToken;

    /// <summary><c>audience</c>: the API the new token is for.</summary>
    public string? Audience { get; init; }

    /// <summary><c>resource</c> URI of the API (RFC 8707).</summary>
    public string? Resource { get; init; }

    /// <summary><c>scope</c> of the new token.</summary>
    public string? Scope { get; init; }

    /// <summary><c>requested_token_type</c>.</summary>
    public string? RequestedTokenType { get; init; }
}

/// <summary>An RFC 8693 token exchange answer (§2.2.1).</summary>
/// <param name="AccessToken">The new token.</param>
/// <param name="IssuedTokenType">Its type (<c>issued_token_type</c>).</param>
/// <param name="TokenType">How to use it (<c>Bearer</c>).</param>
/// <param name="ExpiresAt">When it expires, when said.</param>
/// <param name="Scope">Its scope, when said.</param>
public sealed record PscTokenExchangeResult(string AccessToken, string? IssuedTokenType, string? TokenType, DateTimeOffset? ExpiresAt, string? Scope);

/// <summary>OAuth 2.0 Token Exchange (RFC 8693) at the provider's token endpoint, to call APIs protected by PSC.</summary>
public sealed class PscTokenExchangeClient
{
    private readonly HttpClient _http;
    private readonly PscProviderMetadataCache _metadata;
    private readonly PscClientCredentials _credentials;
    private readonly TimeProvider _time;

    internal PscTokenExchangeClient(HttpClient http, PscProviderMetadataCache metadata, PscClientCredentials credentials, TimeProvider time)
    {
        _http = http;
        _metadata = metadata;
        _credentials = credentials;
        _time = time;
    }

    /// <summary>Exchanges a token for one for another audience or resource (RFC 8693 §2.1).</summary>
    /// <exception cref="PscException"><c>psc.token-exchange-failed</c>; provider errors.</exception>
    public async Task<PscTokenExchangeResult> ExchangeAsync(PscTokenExchangeRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.SubjectToken);
        var metadata = await _metadata.GetMetadataAsync(ct).ConfigureAwait(false);
        var message = new TokenExchangeTokenRequest
        {
            Address = metadata.TokenEndpoint,
            SubjectToken = request.SubjectToken,
            SubjectTokenType = request.SubjectTokenType,
            Audience = request.Audience,
            Scope = request.Scope,
            RequestedTokenType = request.RequestedTokenType,
            Resource = request.Resource,
        };

        _credentials.Apply(message);
        var response = await PscHttp.CallAsync(() => _http.RequestTokenExchangeTokenAsync(message, ct), "token endpoint", metadata.TokenEndpoint, ct).ConfigureAwait(false);
        if (response.IsError)
        {
            throw PscHttp.Unavailable(response, "token endpoint", metadata.TokenEndpoint, ct) ?? new PscException(
                ReasonCodes.PscTokenExchangeFailed,
                $"The token endpoint {metadata.TokenEndpoint} refused the token exchange: {PscTokenValidator.Show(response.Error)}{PscHttp.Describe(response)} (RFC 8693 §2.2.2). Check that this client may exchange tokens for that audience and that the subject token is still valid.",
                response.Exception);
        }

        if (string.IsNullOrEmpty(response.AccessToken))
        {
            throw new PscException(ReasonCodes.PscTokenExchangeFailed, $"The token endpoint {metadata.TokenEndpoint} answered the token exchange without access_token (RFC 8693 §2.2.1).");
        }

        return new PscTokenExchangeResult(
            response.AccessToken,
            response.IssuedTokenType,
            response.TokenType,
            response.ExpiresIn > 0 ? _time.GetUtcNow().AddSeconds(response.ExpiresIn) : null,
            response.Scope);
    }
}
