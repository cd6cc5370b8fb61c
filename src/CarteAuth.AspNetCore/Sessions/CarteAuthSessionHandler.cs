using System.Globalization;
using System.Text.Encodings.Web;
using CarteAuth.Authentication;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CarteAuth.AspNetCore.Sessions;

/// <summary>
/// The CarteAuth cookie session scheme. The cookie carries a CarteAuth session token (signature, expiry, revocation
/// epoch and key rotation checked by <see cref="SessionTokenValidator"/>) whose <c>sid</c> names a record of the
/// <see cref="ICarteAuthSessionStore"/> (ended, idle and absolute timeouts checked here). The principal is built from
/// the record's evidence. Sign-in goes through <see cref="ICarteAuthSignInManager"/>, which creates the record and the
/// token; this handler only writes and deletes the cookie.
/// </summary>
internal sealed class CarteAuthSessionHandler : SignInAuthenticationHandler<CarteAuthSessionOptions>
{
    /// <summary>The <see cref="AuthenticationProperties.Items"/> key carrying the issued token from the sign-in manager.</summary>
    internal const string TokenItem = ".carteauth.token";

    private static readonly TimeSpan RenewalMargin = TimeSpan.FromMinutes(1);
    private readonly SessionTokenValidator _validator;
    private readonly SessionTokenIssuer _issuer;
    private readonly ICarteAuthSessionStore _store;
    private readonly CarteAuthSessionAudit _audit;
    private readonly TimeProvider _time;
    private readonly CarteAuthOptions _carteAuth;
    private readonly SessionEvidenceCache _evidence;
    private string? _rejection;
    private bool _fromBearer;

    public CarteAuthSessionHandler(
        IOptionsMonitor<CarteAuthSessionOptions> options,
        ILoggerFactory logger,
        UrlEncoder encoder,
        SessionTokenValidator validator,
        SessionTokenIssuer issuer,
        ICarteAuthSessionStore store,
        CarteAuthSessionAudit audit,
        TimeProvider time,
        IOptions<CarteAuthOptions> carteAuth,
        SessionEvidenceCache evidence)
        : base(options, logger, encoder)
    {
        _validator = validator;
        _issuer = issuer;
        _store = store;
        _audit = audit;
        _time = time;
        _carteAuth = carteAuth.Value;
        _evidence = evidence;
    }

    private new CarteAuthSessionEvents Events => (CarteAuthSessionEvents)base.Events!;

    protected override Task<object> CreateEventsAsync() => Task.FromResult<object>(new CarteAuthSessionEvents());

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var cookieName = CarteAuthHttp.CookieName(Request, Options.CookieName);
        var token = Request.Cookies[cookieName];
        if (string.IsNullOrEmpty(token) && Options.AcceptBearerTokens)
        {
            // RFC 6750 §2.1: "Authorization: Bearer <token>", scheme name case-insensitive.
            var authorization = Request.Headers.Authorization.ToString();
            if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                token = authorization["Bearer ".Length..].Trim();
                _fromBearer = true;
            }
        }

        if (string.IsNullOrEmpty(token))
        {
            return AuthenticateResult.NoResult();
        }

        var validation = await _validator.ValidateAsync(token, ct: Context.RequestAborted).ConfigureAwait(false);
        if (!validation.IsValid)
        {
            return await RejectAsync(validation.ReasonCode, validation.Message).ConfigureAwait(false);
        }

        var claims = validation.Claims;
        if (claims.SessionId is not { } sessionId)
        {
            return await RejectAsync(ReasonCodes.SessionNotFound, "The session token has no sid claim: it was not issued for a CarteAuth web session.").ConfigureAwait(false);
        }

        CarteAuthSession? session;
        AuthenticationEvidence evidence;
        var now = _time.GetUtcNow();
        try
        {
            session = await _store.GetAsync(sessionId, Context.RequestAborted).ConfigureAwait(false);
            if (session is null)
            {
                return await RejectAsync(ReasonCodes.SessionNotFound, $"The session {sessionId} is unknown to the session store (expired and purged, or the store was reset).").ConfigureAwait(false);
            }

            if (!string.Equals(session.NationalId, claims.Subject, StringComparison.Ordinal))
            {
                return await RejectAsync(ReasonCodes.SessionSubjectMismatch, $"The session token's subject is not the subject of session {sessionId}.").ConfigureAwait(false);
            }

            if (session.EndedAt is { } endedAt)
            {
                return await RejectAsync(ReasonCodes.SessionEnded, string.Create(CultureInfo.InvariantCulture, $"The session {sessionId} was ended at {endedAt:O} ({session.EndReason}).")).ConfigureAwait(false);
            }

            if (now >= session.AbsoluteExpiresAt)
            {
                await EndExpiredAsync(session, ReasonCodes.SessionAbsoluteTimeout, now).ConfigureAwait(false);
                return await RejectAsync(ReasonCodes.SessionAbsoluteTimeout, string.Create(CultureInfo.InvariantCulture, $"The session {sessionId} reached its absolute timeout at {session.AbsoluteExpiresAt:O}.")).ConfigureAwait(false);
            }

            if (now >= session.IdleExpiresAt)
            {
                await EndExpiredAsync(session, ReasonCodes.SessionIdleTimeout, now).ConfigureAwait(false);
                return await RejectAsync(ReasonCodes.SessionIdleTimeout, string.Create(CultureInfo.InvariantCulture, $"The session {sessionId} was idle since {session.LastSeenAt:O}, longer than its idle timeout {session.IdleTimeout}.")).ConfigureAwait(false);
            }

            evidence = _evidence.Get(session.EvidenceJson);
            if (now - session.LastSeenAt >= Options.LastSeenUpdateInterval)
            {
                await _store.TouchAsync(sessionId, now, Context.RequestAborted).ConfigureAwait(false);
                session = session with { LastSeenAt = now };
            }
        }
        catch (CarteAuthException e)
        {
            CarteAuthAspNetCoreLog.StoreFailed(Logger, e, e.ReasonCode);
            return await RejectAsync(e.ReasonCode, e.Message, deleteCookie: false).ConfigureAwait(false);
        }

        var validated = new CarteAuthSessionValidatedContext(Context, Scheme, Options, session, evidence);
        await Events.SessionValidated(validated).ConfigureAwait(false);
        if (validated.RejectionReasonCode is { } rejected)
        {
            return await RejectAsync(rejected, "The OnSessionValidated event rejected the session.", deleteCookie: false).ConfigureAwait(false);
        }

        // Keep the token alive while the session is: renew it once less than an idle period (plus a margin) is left,
        // so it cannot expire before the session's own idle or absolute timeout. The epoch is re-read on renewal.
        if (!_fromBearer && claims.ExpiresAt - now < session.IdleTimeout + RenewalMargin && claims.ExpiresAt < session.AbsoluteExpiresAt)
        {
            try
            {
                var renewed = await _issuer.IssueAsync(evidence, sessionId, Context.RequestAborted).ConfigureAwait(false);
                AppendCookie(renewed.Token, session.AbsoluteExpiresAt);
                CarteAuthAspNetCoreLog.TokenRenewed(Logger, sessionId, renewed.ExpiresAt);
            }
            catch (CarteAuthException e)
            {
                CarteAuthAspNetCoreLog.StoreFailed(Logger, e, e.ReasonCode);
            }
        }

        Context.Features.Set<ICarteAuthSessionFeature>(new CarteAuthSessionFeature(session, evidence));
        CarteAuthAspNetCoreLog.SessionValidated(Logger, sessionId, session.NationalId);
        var principal = CarteAuthPrincipalFactory.Create(evidence, sessionId, Scheme.Name, session.LocalAccountId);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override Task HandleSignInAsync(System.Security.Claims.ClaimsPrincipal user, AuthenticationProperties? properties)
    {
        if (properties?.Items.TryGetValue(TokenItem, out var token) != true || string.IsNullOrEmpty(token))
        {
            throw new CarteAuthException(
                ReasonCodes.SessionSignInInvalid,
                "HttpContext.SignInAsync(\"CarteAuth\", …) was called without a CarteAuth session: sign in with ICarteAuthSignInManager.SignInAsync(httpContext, evidence), which records the session and issues its token.");
        }

        properties.Items.Remove(TokenItem);
        AppendCookie(token, properties.ExpiresUtc);
        return Task.CompletedTask;
    }

    protected override async Task HandleSignOutAsync(AuthenticationProperties? properties)
    {
        var cookieName = CarteAuthHttp.CookieName(Request, Options.CookieName);
        var token = Request.Cookies[cookieName];
        if (!string.IsNullOrEmpty(token))
        {
            var validation = await _validator.ValidateAsync(token, ct: Context.RequestAborted).ConfigureAwait(false);
            if (validation.IsValid && validation.Claims.SessionId is { } sessionId)
            {
                var now = _time.GetUtcNow();
                try
                {
                    if (await _store.EndAsync(sessionId, now, CarteAuthSessionEndReasons.SignOut, CancellationToken.None).ConfigureAwait(false))
                    {
                        CarteAuthAspNetCoreLog.SessionEnded(Logger, sessionId, validation.Claims.Subject, CarteAuthSessionEndReasons.SignOut);
                        await _audit.EndedAsync(validation.Claims.Subject, sessionId, CarteAuthSessionEndReasons.SignOut, Context.Connection.RemoteIpAddress?.ToString(), now).ConfigureAwait(false);
                    }
                }
                catch (CarteAuthException e)
                {
                    CarteAuthAspNetCoreLog.StoreFailed(Logger, e, e.ReasonCode);
                }
            }
        }

        DeleteCookie();
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var reason = _rejection ?? ReasonCodes.SessionNotAuthenticated;
        CarteAuthHttp.NoStore(Response);
        if (CarteAuthHttp.IsApiRequest(Request))
        {
            Response.Headers.WWWAuthenticate = $"{CarteAuthDefaults.ChallengeScheme} error=\"{reason}\", login=\"{_carteAuth.LoginPath}\"";
            await CarteAuthHttp.WriteProblemAsync(Context, StatusCodes.Status401Unauthorized, reason, "Sign in with CarteAuth to use this resource.", new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["loginUrl"] = _carteAuth.LoginPath.Value,
            }).ConfigureAwait(false);
            return;
        }

        var returnUrl = CarteAuthHttp.IsLocalUrl(properties.RedirectUri) ? properties.RedirectUri! : CarteAuthHttp.CurrentLocalUrl(Request);
        Response.Redirect(LoginUrl(Request.PathBase, _carteAuth.LoginPath, returnUrl, stepUp: null, policy: null));
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        CarteAuthHttp.WriteProblemAsync(Context, StatusCodes.Status403Forbidden, ReasonCodes.SessionForbidden, "Access to this resource is refused.");

    /// <summary>The login page URL with its <c>returnUrl</c> and optional <c>stepUp</c> and <c>policy</c> parameters.</summary>
    internal static string LoginUrl(PathString pathBase, PathString loginPath, string returnUrl, string? stepUp, string? policy)
    {
        var url = QueryHelpers.AddQueryString(pathBase.Add(loginPath).Value!, CarteAuthDefaults.ReturnUrlParameter, returnUrl);
        if (stepUp is not null)
        {
            url = QueryHelpers.AddQueryString(url, CarteAuthDefaults.StepUpParameter, stepUp);
        }

        if (policy is not null)
        {
            url = QueryHelpers.AddQueryString(url, "policy", policy);
        }

        return url;
    }

    private async Task<AuthenticateResult> RejectAsync(string reasonCode, string message, bool deleteCookie = true)
    {
        _rejection = reasonCode;
        CarteAuthAspNetCoreLog.SessionRejected(Logger, reasonCode, message);
        if (deleteCookie && !_fromBearer)
        {
            DeleteCookie();
        }

        await Events.SessionRejected(new CarteAuthSessionRejectedContext(Context, Scheme, Options, reasonCode, message)).ConfigureAwait(false);
        return AuthenticateResult.Fail(new CarteAuthException(reasonCode, message));
    }

    private async Task EndExpiredAsync(CarteAuthSession session, string reason, DateTimeOffset now)
    {
        if (await _store.EndAsync(session.Id, now, reason, CancellationToken.None).ConfigureAwait(false))
        {
            CarteAuthAspNetCoreLog.SessionEnded(Logger, session.Id, session.NationalId, reason);
            await _audit.EndedAsync(session.NationalId, session.Id, reason, Context.Connection.RemoteIpAddress?.ToString(), now).ConfigureAwait(false);
        }
    }

    private void AppendCookie(string token, DateTimeOffset? expires)
    {
        if (Response.HasStarted)
        {
            return;
        }

        Response.Cookies.Append(CarteAuthHttp.CookieName(Request, Options.CookieName), token, CookieOptions(expires));
    }

    private void DeleteCookie()
    {
        if (!Response.HasStarted)
        {
            Response.Cookies.Delete(CarteAuthHttp.CookieName(Request, Options.CookieName), CookieOptions(null));
        }
    }

    // RFC 6265bis §4.1.3.2: a __Host- cookie must be Secure, have Path=/ and no Domain.
    private CookieOptions CookieOptions(DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        Secure = Request.IsHttps,
        SameSite = SameSiteMode.Lax,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
