using CarteAuth.Authentication;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.Logging;

namespace CarteAuth.Oidc;

/// <summary>A CIBA request: whom to ask and what to show on the phone.</summary>
public sealed record PscCibaRequest
{
    /// <summary><c>login_hint</c>: the professional's idNat (required).</summary>
    public required string LoginHint { get; init; }

    /// <summary><c>binding_message</c> shown on the phone and on the consumption device (short, e.g. a code).</summary>
    public string? BindingMessage { get; init; }

    /// <summary>Scopes; default <see cref="ProSanteConnectOptions.Scope"/>.</summary>
    public string? Scope { get; init; }

    /// <summary><c>acr_values</c>; default <see cref="ProSanteConnectOptions.AcrValues"/>.</summary>
    public string? AcrValues { get; init; }

    /// <summary><c>requested_expiry</c>; default <see cref="PscCibaOptions.RequestedExpiry"/>.</summary>
    public TimeSpan? RequestedExpiry { get; init; }
}

/// <summary>A CIBA request accepted by the provider, before the professional answered.</summary>
/// <param name="AuthReqId">The <c>auth_req_id</c>.</param>
/// <param name="ExpiresAt">When it expires (<c>expires_in</c>).</param>
/// <param name="Interval">The polling interval (<c>interval</c>, default 5 seconds).</param>
public sealed record PscCibaPending(string AuthReqId, DateTimeOffset ExpiresAt, TimeSpan Interval);

/// <summary>
/// Client-Initiated Backchannel Authentication in poll mode (OpenID CIBA Core 1.0): asks Pro Santé Connect to push an
/// approval request to the professional's e-CPS app, then polls the token endpoint until they approve, refuse, or the
/// request expires. Delays use the injected <see cref="TimeProvider"/>. Used by the RADIUS adapter.
/// </summary>
public sealed class PscCibaClient
{
    private readonly ProSanteConnectOptions _options;
    private readonly HttpClient _http;
    private readonly PscProviderMetadataCache _metadata;
    private readonly PscClientCredentials _credentials;
    private readonly PscSignInProcessor _signIn;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    internal PscCibaClient(ProSanteConnectOptions options, HttpClient http, PscProviderMetadataCache metadata, PscClientCredentials credentials, PscSignInProcessor signIn, TimeProvider time, ILogger logger)
    {
        _options = options;
        _http = http;
        _metadata = metadata;
        _credentials = credentials;
        _signIn = signIn;
        _time = time;
        _logger = logger;
    }

    /// <summary>Starts a request, polls until the professional answers, and returns the validated sign-in.</summary>
    /// <exception cref="PscException"><c>psc.ciba-denied</c>, <c>psc.ciba-expired</c>, <c>psc.ciba-failed</c>, token and provider errors.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public async Task<PscSignInResult> AuthenticateAsync(PscCibaRequest request, CancellationToken ct = default)
    {
        var pending = await StartAsync(request, ct).ConfigureAwait(false);
        return await PollAsync(pending, ct).ConfigureAwait(false);
    }

    /// <summary>Sends the backchannel authentication request (OpenID CIBA Core 1.0 §7.1) and returns the pending request.</summary>
    /// <exception cref="PscException"><c>psc.ciba-failed</c> when refused; provider errors.</exception>
    public async Task<PscCibaPending> StartAsync(PscCibaRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.LoginHint);
        var metadata = await _metadata.GetMetadataAsync(ct).ConfigureAwait(false);
        var endpoint = metadata.BackchannelAuthenticationEndpoint
            ?? throw new PscException(ReasonCodes.PscCibaFailed, $"The provider's discovery document ({metadata.DiscoveryUrl}) has no backchannel_authentication_endpoint: CIBA is not enabled there (PSC enables it per client).");
        var expiry = request.RequestedExpiry ?? _options.Ciba.RequestedExpiry;
        var acr = request.AcrValues ?? _options.AcrValues;
        var message = new BackchannelAuthenticationRequest
        {
            Address = endpoint,
            Scope = request.Scope ?? _options.Scope,
            LoginHint = request.LoginHint,
            BindingMessage = request.BindingMessage,
            AcrValues = string.IsNullOrWhiteSpace(acr) ? null : acr,
            RequestedExpiry = expiry is { } e ? (int)e.TotalSeconds : null,
        };
        _credentials.Apply(message);
        var response = await PscHttp.CallAsync(() => _http.RequestBackchannelAuthenticationAsync(message, ct), "CIBA endpoint", endpoint, ct).ConfigureAwait(false);
        if (response.IsError)
        {
            throw PscHttp.Unavailable(response, "CIBA endpoint", endpoint, ct) ?? (response.ErrorType == ResponseErrorType.Protocol
                ? new PscException(ReasonCodes.PscCibaFailed, $"The CIBA endpoint {endpoint} refused the request: {PscTokenValidator.Show(response.Error)}{PscHttp.Describe(response)} (OpenID CIBA Core 1.0 §13). unknown_user_id: no e-CPS for this idNat; unauthorized_client: CIBA is not enabled for this client.")
                : PscHttp.ProviderError(response, "CIBA endpoint", endpoint));
        }

        if (string.IsNullOrEmpty(response.AuthenticationRequestId) || response.ExpiresIn <= 0)
        {
            throw new PscException(ReasonCodes.PscProviderError, $"The CIBA endpoint {endpoint} answered without auth_req_id or expires_in (OpenID CIBA Core 1.0 §7.3).");
        }

        // §7.3: interval is optional; the client waits 5 seconds by default.
        var interval = response.Interval is > 0 ? TimeSpan.FromSeconds(response.Interval.Value) : _options.Ciba.DefaultInterval;
        return new PscCibaPending(response.AuthenticationRequestId, _time.GetUtcNow().AddSeconds(response.ExpiresIn), interval);
    }

    /// <summary>
    /// Polls the token endpoint (OpenID CIBA Core 1.0 §10.1) every <c>interval</c>: <c>authorization_pending</c> waits,
    /// <c>slow_down</c> adds <see cref="PscCibaOptions.SlowDownIncrement"/>, <c>access_denied</c> is
    /// <c>psc.ciba-denied</c>, <c>expired_token</c> or the local expiry is <c>psc.ciba-expired</c> (§11).
    /// </summary>
    public async Task<PscSignInResult> PollAsync(PscCibaPending pending, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var metadata = await _metadata.GetMetadataAsync(ct).ConfigureAwait(false);
        var deadline = Min(pending.ExpiresAt, _time.GetUtcNow() + _options.Ciba.MaxWait);
        var interval = pending.Interval;
        while (true)
        {
            if (_time.GetUtcNow() + interval > deadline)
            {
                throw Expired(pending, "it expired before the professional approved it");
            }

            PscLog.CibaPoll(_logger, pending.AuthReqId, "waiting", interval);
            await Task.Delay(interval, _time, ct).ConfigureAwait(false);

            var request = new BackchannelAuthenticationTokenRequest { Address = metadata.TokenEndpoint, AuthenticationRequestId = pending.AuthReqId };
            _credentials.Apply(request);
            var tokens = await PscHttp.CallAsync(() => _http.RequestBackchannelAuthenticationTokenAsync(request, ct), "token endpoint", metadata.TokenEndpoint, ct).ConfigureAwait(false);
            if (!tokens.IsError)
            {
                // CIBA ID tokens carry no nonce (the request had none); acr, signature, audience… are checked as usual.
                return await _signIn.CompleteAsync(tokens, metadata, new PscIdTokenExpectations { Nonce = null }, "ciba", ct).ConfigureAwait(false);
            }

            if (PscHttp.Unavailable(tokens, "token endpoint", metadata.TokenEndpoint, ct) is { } unavailable)
            {
                throw unavailable;
            }

            switch (tokens.Error)
            {
                case "authorization_pending":
                    continue;
                case "slow_down":
                    interval += _options.Ciba.SlowDownIncrement;
                    continue;
                case "access_denied":
                    throw new PscException(ReasonCodes.PscCibaDenied, $"The professional refused the request on their phone (access_denied, OpenID CIBA Core 1.0 §11){PscHttp.Describe(tokens)}.");
                case "expired_token":
                    throw Expired(pending, "the provider says it expired (expired_token)");
                default:
                    throw tokens.ErrorType == ResponseErrorType.Protocol
                        ? new PscException(ReasonCodes.PscCibaFailed, $"The token endpoint {metadata.TokenEndpoint} refused the CIBA request: {PscTokenValidator.Show(tokens.Error)}{PscHttp.Describe(tokens)} (OpenID CIBA Core 1.0 §11).")
                        : PscHttp.ProviderError(tokens, "token endpoint", metadata.TokenEndpoint);
            }
        }
    }

    private static PscException Expired(PscCibaPending pending, string why) =>
        new(ReasonCodes.PscCibaExpired, $"The CIBA request expired at {pending.ExpiresAt:u}: {why}. Ask the professional to approve faster, or raise Ciba.RequestedExpiry.");

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}

/// <summary>A CIBA credential for <see cref="ProSanteConnectAuthenticator"/>: push an approval request to this professional.</summary>
public sealed class PscCibaAuthenticationRequest : AuthenticationRequest
{
    /// <summary>The request.</summary>
    public required PscCibaRequest Request { get; init; }
}
