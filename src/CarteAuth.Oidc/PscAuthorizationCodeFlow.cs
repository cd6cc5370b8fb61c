using System.Security.Cryptography;
using System.Text;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Oidc;

/// <summary>
/// The authorization code flow with PKCE (OpenID Connect Core 1.0 §3.1, RFC 7636): builds the authorization URL with
/// state, nonce and code challenge; on the callback checks the state, exchanges the code, validates the ID token,
/// fetches the userinfo and maps it to evidence. Also builds the RP-initiated logout URL.
/// </summary>
public sealed class PscAuthorizationCodeFlow
{
    private readonly ProSanteConnectOptions _options;
    private readonly HttpClient _http;
    private readonly PscProviderMetadataCache _metadata;
    private readonly PscClientCredentials _credentials;
    private readonly PscSignInProcessor _signIn;
    private readonly TimeProvider _time;

    internal PscAuthorizationCodeFlow(ProSanteConnectOptions options, HttpClient http, PscProviderMetadataCache metadata, PscClientCredentials credentials, PscSignInProcessor signIn, TimeProvider time)
    {
        _options = options;
        _http = http;
        _metadata = metadata;
        _credentials = credentials;
        _signIn = signIn;
        _time = time;
    }

    /// <summary>Builds an authorization request: fresh state, nonce and PKCE verifier, and the URL to redirect the browser to.</summary>
    /// <param name="parameters">Optional prompt, max_age, login_hint, ui_locales, redirect URI.</param>
    /// <param name="ct">Cancels discovery.</param>
    /// <exception cref="PscException"><c>psc.invalid-options</c> without a redirect URI; discovery errors.</exception>
    public async Task<PscAuthorizationStart> CreateAuthorizationRequestAsync(PscAuthorizationParameters? parameters = null, CancellationToken ct = default)
    {
        parameters ??= new PscAuthorizationParameters();
        var redirect = parameters.RedirectUri ?? _options.RedirectUri
            ?? throw ProSanteConnectOptions.Invalid("RedirectUri is required for the code flow: set ProSanteConnectOptions.RedirectUri to the callback URL registered with the provider.");
        var metadata = await _metadata.GetMetadataAsync(ct).ConfigureAwait(false);

        // RFC 7636 §4.1: a high-entropy verifier of 43 characters; §4.2: S256 challenge = BASE64URL(SHA256(ASCII(verifier))).
        var verifier = Random(32);
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = Random(32);
        var nonce = Random(32);
        var maxAge = parameters.MaxAge ?? _options.MaxAge;
        var url = new RequestUrl(metadata.AuthorizationEndpoint).CreateAuthorizeUrl(
            clientId: _options.ClientId,
            responseType: OidcConstants.ResponseTypes.Code,
            scope: _options.Scope,
            redirectUri: redirect.AbsoluteUri,
            state: state,
            nonce: nonce,
            loginHint: parameters.LoginHint,
            acrValues: string.IsNullOrWhiteSpace(_options.AcrValues) ? null : _options.AcrValues,
            prompt: parameters.Prompt,
            codeChallenge: challenge,
            codeChallengeMethod: OidcConstants.CodeChallengeMethods.Sha256,
            maxAge: maxAge is { } m ? (int)m.TotalSeconds : null,
            uiLocales: parameters.UiLocales);
        return new PscAuthorizationStart(
            new Uri(url),
            new PscAuthorizationRequest(state, nonce, verifier, redirect, _time.GetUtcNow()) { MaxAge = maxAge });
    }

    /// <summary>
    /// Completes the flow on the callback: checks state and issuer, turns error responses into typed errors, exchanges the
    /// code (with the PKCE verifier) at the token endpoint, validates the ID token, fetches and checks the userinfo.
    /// </summary>
    /// <param name="pending">What <see cref="CreateAuthorizationRequestAsync"/> returned to keep (use it once).</param>
    /// <param name="response">The callback's parameters.</param>
    /// <param name="ct">Cancels the HTTP calls.</param>
    /// <exception cref="PscException">A <c>psc.*</c> code for every failure.</exception>
    public async Task<PscSignInResult> HandleCallbackAsync(PscAuthorizationRequest pending, PscAuthorizationResponse response, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(response);

        // RFC 6749 §10.12 / RFC 9700 §4.7: the state must be the one of this browser's pending request.
        if (string.IsNullOrEmpty(response.State) || !CarteAuth.Text.FixedTime.Equals(response.State, pending.State))
        {
            throw new PscException(ReasonCodes.PscStateMismatch, "The callback's state is missing or is not the one of this browser's sign-in (RFC 6749 §10.12): the response belongs to another sign-in or is forged (CSRF). Start the sign-in again.");
        }

        if (_time.GetUtcNow() - pending.CreatedAt > _options.AuthorizationRequestLifetime)
        {
            throw new PscException(ReasonCodes.PscAuthorizationExpired, $"The sign-in started at {pending.CreatedAt:u}, longer ago than {_options.AuthorizationRequestLifetime} (AuthorizationRequestLifetime): start it again.");
        }

        // RFC 9207 §2.4: when the provider names itself, it must be the expected issuer (mix-up defence).
        if (response.Issuer is not null && !string.Equals(response.Issuer, _options.Issuer, StringComparison.Ordinal))
        {
            throw new PscException(ReasonCodes.PscIssuerMismatch, $"The callback's iss is '{PscTokenValidator.Show(response.Issuer)}', not the configured issuer '{_options.Issuer}' (RFC 9207 §2.4): the response comes from another provider (mix-up attack?). Refused.");
        }

        if (response.Error is { } error)
        {
            var description = response.ErrorDescription is { Length: > 0 } d ? $" ({PscTokenValidator.Show(d)})" : string.Empty;
            throw error == OidcConstants.AuthorizeErrors.AccessDenied
                ? new PscException(ReasonCodes.PscAccessDenied, $"Pro Santé Connect refused the sign-in: access_denied{description}. The professional cancelled or could not authenticate; they may try again.")
                : new PscException(ReasonCodes.PscProviderError, $"Pro Santé Connect answered the authorization request with error '{PscTokenValidator.Show(error)}'{description} (OpenID Connect Core 1.0 §3.1.2.6). Check the client registration (redirect URI, scopes, acr_values).");
        }

        if (string.IsNullOrEmpty(response.Code))
        {
            throw new PscException(ReasonCodes.PscProviderError, "The callback has neither code nor error: it is not an authorization response.");
        }

        var metadata = await _metadata.GetMetadataAsync(ct).ConfigureAwait(false);
        var request = new AuthorizationCodeTokenRequest
        {
            Address = metadata.TokenEndpoint,
            Code = response.Code,
            RedirectUri = pending.RedirectUri.AbsoluteUri,
            CodeVerifier = pending.CodeVerifier,
        };
        _credentials.Apply(request);
        var tokens = await PscHttp.CallAsync(() => _http.RequestAuthorizationCodeTokenAsync(request, ct), "token endpoint", metadata.TokenEndpoint, ct).ConfigureAwait(false);
        if (tokens.IsError)
        {
            throw PscHttp.Unavailable(tokens, "token endpoint", metadata.TokenEndpoint, ct) ?? CodeExchangeFailed(tokens, metadata.TokenEndpoint);
        }

        return await _signIn.CompleteAsync(tokens, metadata, new PscIdTokenExpectations { Nonce = pending.Nonce, MaxAge = pending.MaxAge }, "code", ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0 §2): the end-session endpoint with
    /// <c>id_token_hint</c>, <c>post_logout_redirect_uri</c> and <c>state</c>.
    /// </summary>
    /// <param name="idTokenHint">The ID token of the session (<see cref="PscIdToken.RawToken"/>), recommended.</param>
    /// <param name="state">A value the provider returns to the post-logout redirect URI.</param>
    /// <param name="postLogoutRedirectUri">Overrides <see cref="ProSanteConnectOptions.PostLogoutRedirectUri"/>.</param>
    /// <param name="ct">Cancels discovery.</param>
    /// <exception cref="PscException"><c>psc.discovery-failed</c> when the provider has no end-session endpoint.</exception>
    public async Task<Uri> CreateLogoutUrlAsync(string? idTokenHint, string? state = null, Uri? postLogoutRedirectUri = null, CancellationToken ct = default)
    {
        var metadata = await _metadata.GetMetadataAsync(ct).ConfigureAwait(false);
        var endpoint = metadata.EndSessionEndpoint
            ?? throw new PscException(ReasonCodes.PscDiscoveryFailed, $"The provider's discovery document ({metadata.DiscoveryUrl}) has no end_session_endpoint: RP-initiated logout is not supported there.");
        var redirect = postLogoutRedirectUri ?? _options.PostLogoutRedirectUri;
        var extra = new Parameters();
        if (string.IsNullOrEmpty(idTokenHint))
        {
            // §2: without id_token_hint, client_id tells the provider which client asks.
            extra.Add(OidcConstants.AuthorizeRequest.ClientId, _options.ClientId);
        }

        return new Uri(new RequestUrl(endpoint).CreateEndSessionUrl(idTokenHint: idTokenHint, postLogoutRedirectUri: redirect?.AbsoluteUri, state: state, extra: extra));
    }

    private static PscException CodeExchangeFailed(TokenResponse tokens, string endpoint) => tokens.ErrorType == ResponseErrorType.Protocol
        ? new PscException(ReasonCodes.PscCodeExchangeFailed, $"The token endpoint {endpoint} refused the authorization code: {PscTokenValidator.Show(tokens.Error)}{PscHttp.Describe(tokens)}. invalid_grant: the code was used, expired or the PKCE verifier or redirect URI differ (start again); invalid_client: check the client id and secret or key.")
        : PscHttp.ProviderError(tokens, "token endpoint", endpoint);

    private static string Random(int bytes) => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(bytes));
}
