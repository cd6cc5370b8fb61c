using System.Text.Json;
using Duende.IdentityModel.Client;

namespace CarteAuth.Oidc;

/// <summary>An introspection answer (RFC 7662 §2.2).</summary>
public sealed record PscIntrospectionResult
{
    /// <summary><c>active</c>: false for an expired, revoked or unknown token (nothing else is then meaningful).</summary>
    public required bool IsActive { get; init; }

    /// <summary><c>sub</c>.</summary>
    public string? Subject { get; init; }

    /// <summary><c>client_id</c>.</summary>
    public string? ClientId { get; init; }

    /// <summary><c>scope</c> values.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary><c>exp</c>.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary><c>iss</c>.</summary>
    public string? Issuer { get; init; }

    /// <summary>The raw answer.</summary>
    public JsonElement? Raw { get; init; }
}

/// <summary>Token introspection (RFC 7662) at the provider, authenticated as this client.</summary>
public sealed class PscIntrospectionClient
{
    private readonly HttpClient _http;
    private readonly PscProviderMetadataCache _metadata;
    private readonly PscClientCredentials _credentials;

    internal PscIntrospectionClient(HttpClient http, PscProviderMetadataCache metadata, PscClientCredentials credentials)
    {
        _http = http;
        _metadata = metadata;
        _credentials = credentials;
    }

    /// <summary>Asks whether a token is active (RFC 7662 §2.1).</summary>
    /// <param name="token">The token.</param>
    /// <param name="tokenTypeHint"><c>access_token</c> (default) or <c>refresh_token</c>.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <exception cref="PscException"><c>psc.introspection-failed</c>; provider errors.</exception>
    public async Task<PscIntrospectionResult> IntrospectAsync(string token, string? tokenTypeHint = "access_token", CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var metadata = await _metadata.GetMetadataAsync(ct).ConfigureAwait(false);
        var endpoint = metadata.IntrospectionEndpoint
            ?? throw new PscException(ReasonCodes.PscIntrospectionFailed, $"The provider's discovery document ({metadata.DiscoveryUrl}) has no introspection_endpoint.");
        var request = new TokenIntrospectionRequest { Address = endpoint, Token = token, TokenTypeHint = tokenTypeHint };
        _credentials.Apply(request);
        var response = await PscHttp.CallAsync(() => _http.IntrospectTokenAsync(request, ct), "introspection endpoint", endpoint, ct).ConfigureAwait(false);
        if (response.IsError)
        {
            throw PscHttp.Unavailable(response, "introspection endpoint", endpoint, ct) ?? new PscException(
                ReasonCodes.PscIntrospectionFailed,
                $"The introspection endpoint {endpoint} failed: {PscTokenValidator.Show(response.Error)}{PscHttp.Describe(response)}. Check that this client may introspect (client id, secret or key).",
                response.Exception);
        }

        return new PscIntrospectionResult
        {
            IsActive = response.IsActive,
            Subject = response.Subject,
            ClientId = response.ClientId,
            Scopes = [.. response.Scopes],
            ExpiresAt = response.Expiration,
            Issuer = response.Issuer,
            Raw = response.Json,
        };
    }
}
