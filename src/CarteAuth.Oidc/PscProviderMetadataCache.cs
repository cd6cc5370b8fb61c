using Duende.IdentityModel.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Oidc;

/// <summary>
/// The provider's discovery document and signing keys (JWKS), fetched through Duende.IdentityModel, cached for
/// <see cref="ProSanteConnectOptions.MetadataRefreshInterval"/> and refreshed when a token names an unknown key id, at most
/// once per <see cref="ProSanteConnectOptions.JwksRefreshMinimumInterval"/>. When a refresh fails the copy in use is kept.
/// Thread-safe; one fetch at a time.
/// </summary>
public sealed class PscProviderMetadataCache
{
    private readonly ProSanteConnectOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PscProviderMetadata? _metadata;
    private JsonWebKeySet? _keys;
    private DateTimeOffset _keysLoadedAt;
    private DateTimeOffset _lastKidRefresh = DateTimeOffset.MinValue;

    /// <summary>Creates the cache.</summary>
    /// <param name="options">Validated options.</param>
    /// <param name="httpClient">The client reaching the provider (timeouts and mTLS configured by the caller).</param>
    /// <param name="timeProvider">The clock (default system).</param>
    /// <param name="logger">Logger.</param>
    public PscProviderMetadataCache(ProSanteConnectOptions options, HttpClient httpClient, TimeProvider? timeProvider = null, ILogger<PscProviderMetadataCache>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClient);
        options.Validate(PscOptionsScope.Provider);
        _options = options;
        _http = httpClient;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The discovery document's URL: issuer + <see cref="ProSanteConnectOptions.DiscoveryDocumentName"/>.</summary>
    public string DiscoveryUrl => DiscoveryEndpoint.ParseUrl(_options.Issuer, _options.DiscoveryDocumentName).Url;

    /// <summary>The discovery document, from the cache when fresh.</summary>
    /// <exception cref="PscException"><c>psc.discovery-failed</c> or <c>psc.provider-unavailable</c>, naming the URL.</exception>
    public async ValueTask<PscProviderMetadata> GetMetadataAsync(CancellationToken ct = default)
    {
        var current = _metadata;
        if (current is not null && _time.GetUtcNow() - current.RetrievedAt < _options.MetadataRefreshInterval)
        {
            return current;
        }

        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            current = _metadata;
            if (current is not null && _time.GetUtcNow() - current.RetrievedAt < _options.MetadataRefreshInterval)
            {
                return current;
            }

            try
            {
                _metadata = await FetchMetadataAsync(ct).ConfigureAwait(false);
                return _metadata;
            }
            catch (PscException e) when (current is not null)
            {
                // Keep the copy in use; try again after the short interval rather than on every call.
                PscLog.MetadataRefreshFailed(_logger, DiscoveryUrl, e.ReasonCode, e.Message, current.RetrievedAt);
                _metadata = current with { RetrievedAt = _time.GetUtcNow() - _options.MetadataRefreshInterval + _options.JwksRefreshMinimumInterval };
                return current;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Fetches the discovery document now, bypassing the cache (e.g. <c>carteauth psc discover</c>), and caches it.</summary>
    /// <exception cref="PscException"><c>psc.discovery-failed</c> or <c>psc.provider-unavailable</c>, naming the URL.</exception>
    public async Task<PscProviderMetadata> DiscoverAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _metadata = await FetchMetadataAsync(ct).ConfigureAwait(false);
            return _metadata;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The provider's signing keys, from the cache when fresh.</summary>
    /// <exception cref="PscException"><c>psc.discovery-failed</c> or <c>psc.provider-unavailable</c>.</exception>
    public async ValueTask<JsonWebKeySet> GetSigningKeysAsync(CancellationToken ct = default)
    {
        var keys = _keys;
        if (keys is not null && _time.GetUtcNow() - _keysLoadedAt < _options.MetadataRefreshInterval)
        {
            return keys;
        }

        return await RefreshKeysAsync(force: false, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Called when a token names key id <paramref name="kid"/> that the cached JWKS lacks: refreshes the JWKS unless
    /// one was refreshed for that reason less than <see cref="ProSanteConnectOptions.JwksRefreshMinimumInterval"/> ago.
    /// </summary>
    /// <returns>The refreshed keys, or null when the rate limit prevented a refresh.</returns>
    public async ValueTask<JsonWebKeySet?> RefreshForUnknownKeyAsync(string kid, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Another caller may have refreshed while this one waited.
            if (_keys is not null && _keys.Keys.Any(k => string.Equals(k.Kid, kid, StringComparison.Ordinal)))
            {
                return _keys;
            }

            var now = _time.GetUtcNow();
            var next = _lastKidRefresh + _options.JwksRefreshMinimumInterval;
            if (now < next)
            {
                PscLog.UnknownKidRateLimited(_logger, PscHttp.Truncate(kid, 80), next);
                return null;
            }

            _lastKidRefresh = now;
            PscLog.UnknownKidRefresh(_logger, PscHttp.Truncate(kid, 80));
        }
        finally
        {
            _gate.Release();
        }

        return await RefreshKeysAsync(force: true, ct).ConfigureAwait(false);
    }

    private async Task<JsonWebKeySet> RefreshKeysAsync(bool force, CancellationToken ct)
    {
        var metadata = await GetMetadataAsync(ct).ConfigureAwait(false);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!force && _keys is not null && _time.GetUtcNow() - _keysLoadedAt < _options.MetadataRefreshInterval)
            {
                return _keys;
            }

            try
            {
                _keys = await FetchKeysAsync(metadata.JwksUri, ct).ConfigureAwait(false);
                _keysLoadedAt = _time.GetUtcNow();
                return _keys;
            }
            catch (PscException e) when (_keys is not null)
            {
                PscLog.MetadataRefreshFailed(_logger, metadata.JwksUri, e.ReasonCode, e.Message, _keysLoadedAt);
                return _keys;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<PscProviderMetadata> FetchMetadataAsync(CancellationToken ct)
    {
        var url = DiscoveryUrl;
        var policy = new DiscoveryPolicy
        {
            DiscoveryDocumentPath = _options.DiscoveryDocumentName,
            // https everywhere; plain http only on loopback (the simulator), as ProSanteConnectOptions.Validate allows.
            RequireHttps = true,
            AllowHttpOnLoopback = true,
            ValidateIssuerName = true,
            ValidateEndpoints = true,
            RequireKeySet = false,
            AdditionalEndpointBaseAddresses = [.. _options.AdditionalEndpointBaseAddresses],
        };
        var response = await PscHttp.CallAsync(() => _http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest { Address = _options.Issuer, Policy = policy }, ct), "discovery document", url, ct).ConfigureAwait(false);
        if (response.IsError)
        {
            throw PscHttp.Unavailable(response, "discovery document", url, ct) ?? DiscoveryFailed(response, url);
        }

        // OpenID Connect Discovery 1.0 §4.3: the issuer must be identical to the one configured (Duende compares it too,
        // up to a trailing slash; the ID tokens are compared exactly, so insist here).
        if (!string.Equals(response.Issuer, _options.Issuer, StringComparison.Ordinal))
        {
            throw new PscException(ReasonCodes.PscDiscoveryFailed, $"The discovery document at {url} names issuer '{response.Issuer}', not the configured '{_options.Issuer}' (OpenID Connect Discovery 1.0 §4.3). Set ProSanteConnectOptions.Issuer to the provider's exact issuer.");
        }

        var missing = new[] { ("authorization_endpoint", response.AuthorizeEndpoint), ("token_endpoint", response.TokenEndpoint), ("jwks_uri", response.JwksUri) }
            .Where(static p => string.IsNullOrEmpty(p.Item2)).Select(static p => p.Item1).ToArray();
        if (missing.Length > 0)
        {
            throw new PscException(ReasonCodes.PscDiscoveryFailed, $"The discovery document at {url} lacks {string.Join(", ", missing)}: it is not an OpenID provider's document. Check the issuer and DiscoveryDocumentName.");
        }

        PscLog.DiscoveryLoaded(_logger, _options.Issuer, url);

        // Duende fetched the JWKS along with the document: use it rather than fetching it a second time.
        if (response.KeySet is { Keys.Count: > 0 } keySet && TryConvert(keySet) is { } keys)
        {
            _keys = keys;
            _keysLoadedAt = _time.GetUtcNow();
            PscLog.KeysLoaded(_logger, keys.Keys.Count, _options.Issuer, response.JwksUri!);
        }

        return new PscProviderMetadata
        {
            Issuer = response.Issuer!,
            DiscoveryUrl = url,
            AuthorizationEndpoint = response.AuthorizeEndpoint!,
            TokenEndpoint = response.TokenEndpoint!,
            JwksUri = response.JwksUri!,
            UserInfoEndpoint = response.UserInfoEndpoint,
            IntrospectionEndpoint = response.IntrospectionEndpoint,
            EndSessionEndpoint = response.EndSessionEndpoint,
            BackchannelAuthenticationEndpoint = response.BackchannelAuthenticationEndpoint,
            RevocationEndpoint = response.RevocationEndpoint,
            ScopesSupported = [.. response.ScopesSupported],
            AcrValuesSupported = [.. response.AcrValuesSupported],
            IdTokenSigningAlgorithmsSupported = [.. response.IdTokenSigningAlgorithmsSupported],
            TokenEndpointAuthMethodsSupported = [.. response.TokenEndpointAuthenticationMethodsSupported],
            CodeChallengeMethodsSupported = [.. response.CodeChallengeMethodsSupported],
            GrantTypesSupported = [.. response.GrantTypesSupported],
            BackchannelTokenDeliveryModesSupported = [.. response.BackchannelTokenDeliveryModesSupported],
            BackchannelLogoutSupported = response.BackChannelLogoutSupported ?? false,
            BackchannelLogoutSessionSupported = response.BackChannelLogoutSessionSupported ?? false,
            AuthorizationResponseIssParameterSupported = response.AuthorizationResponseIssParameterSupported ?? false,
            RetrievedAt = _time.GetUtcNow(),
        };
    }

    private async Task<JsonWebKeySet> FetchKeysAsync(string jwksUri, CancellationToken ct)
    {
        var response = await PscHttp.CallAsync(() => _http.GetJsonWebKeySetAsync(jwksUri, ct), "JWKS", jwksUri, ct).ConfigureAwait(false);
        if (response.IsError)
        {
            throw PscHttp.Unavailable(response, "JWKS", jwksUri, ct) ?? new PscException(
                ReasonCodes.PscDiscoveryFailed,
                $"The JWKS at {jwksUri} is unusable: {response.Error}. The provider's jwks_uri must serve a JSON Web Key Set (RFC 7517 §5).",
                response.Exception);
        }

        JsonWebKeySet keys;
        try
        {
            keys = new JsonWebKeySet(response.Raw);
        }
        catch (ArgumentException e)
        {
            throw new PscException(ReasonCodes.PscDiscoveryFailed, $"The JWKS at {jwksUri} is not a JSON Web Key Set (RFC 7517 §5): {e.Message}", e);
        }

        keys.SkipUnresolvedJsonWebKeys = true;
        PscLog.KeysLoaded(_logger, keys.Keys.Count, _options.Issuer, jwksUri);
        return keys;
    }

    private static JsonWebKeySet? TryConvert(Duende.IdentityModel.Jwk.JsonWebKeySet keySet)
    {
        try
        {
            var keys = new JsonWebKeySet(System.Text.Json.JsonSerializer.Serialize(keySet)) { SkipUnresolvedJsonWebKeys = true };
            return keys.Keys.Count == keySet.Keys.Count ? keys : null;
        }
        catch (Exception e) when (e is ArgumentException or System.Text.Json.JsonException or NotSupportedException)
        {
            return null;
        }
    }

    private static PscException DiscoveryFailed(DiscoveryDocumentResponse response, string url) => new(
        ReasonCodes.PscDiscoveryFailed,
        response.ErrorType switch
        {
            ResponseErrorType.PolicyViolation => $"The discovery document at {url} breaks the discovery policy: {response.Error}. Check ProSanteConnectOptions.Issuer (exact issuer) and AdditionalEndpointBaseAddresses (hosts the endpoints may live on).",
            ResponseErrorType.Http => $"The discovery document at {url} answered HTTP {(int)response.HttpStatusCode} {response.HttpErrorReason}. Check the issuer URL and DiscoveryDocumentName (PSC: .well-known/wallet-openid-configuration).",
            _ => $"The discovery document at {url} is unreadable: {response.Error}. Check the issuer URL and DiscoveryDocumentName (PSC: .well-known/wallet-openid-configuration).",
        },
        response.Exception);
}
