using System.Text.Json;
using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Authentication;
using CarteAuth.Oidc;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CarteAuth.AspNetCore;

/// <summary>
/// The Pro Santé Connect endpoints: login (authorization code flow with PKCE, the pending request kept in a
/// data-protected, HttpOnly cookie bound to this browser), callback, and back-channel logout.
/// </summary>
internal static class CarteAuthPscEndpoints
{
    /// <summary>The pending-request cookie's base name (<c>__Host-</c> prefixed over HTTPS).</summary>
    internal const string PendingCookie = "carteauth-psc";

    private const string Purpose = "CarteAuth.AspNetCore.PscPendingAuthorization.v1";

    /// <summary><c>GET /carteauth/login/psc?returnUrl=…</c>: redirects to Pro Santé Connect.</summary>
    public static async Task<IResult> LoginAsync(HttpContext http, IOptions<CarteAuthOptions> options, IDataProtectionProvider protection, TimeProvider time, string? returnUrl, string? stepUp)
    {
        var o = options.Value;
        if (http.RequestServices.GetService<ProSanteConnectClient>() is not { } client)
        {
            return CarteAuthHttp.Problem(http, StatusCodes.Status404NotFound, ReasonCodes.PscInvalidOptions, "Pro Santé Connect is not configured: call AddCarteAuth(…).AddProSanteConnect(…).");
        }

        PscAuthorizationStart start;
        try
        {
            start = await client.CodeFlow.CreateAuthorizationRequestAsync(new PscAuthorizationParameters
            {
                RedirectUri = client.Options.RedirectUri ?? new Uri($"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{o.PscCallbackPath}"),

                // A step-up asking for a fresh authentication: OpenID Connect Core 1.0 §3.1.2.1 prompt=login.
                Prompt = stepUp is not null && stepUp.Contains("fresh", StringComparison.Ordinal) ? "login" : null,
            }, http.RequestAborted).ConfigureAwait(false);
        }
        catch (PscException e)
        {
            return CarteAuthLoginEndpoints.Failure(http, o, e.ReasonCode, returnUrl);
        }

        var pending = new PendingPsc(start.Request.State, start.Request.Nonce, start.Request.CodeVerifier, start.Request.RedirectUri.AbsoluteUri, start.Request.CreatedAt, start.Request.MaxAge?.Ticks, CarteAuthHttp.SafeReturnUrl(returnUrl));
        var protector = protection.CreateProtector(Purpose);
        http.Response.Cookies.Append(CarteAuthHttp.CookieName(http.Request, PendingCookie), protector.Protect(JsonSerializer.Serialize(pending)), new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,

            // Lax: the callback is a top-level GET navigation from PSC, which Lax cookies accompany.
            SameSite = SameSiteMode.Lax,
            Path = "/",
            Expires = time.GetUtcNow() + o.PscPendingLifetime,
            IsEssential = true,
        });
        return Results.Redirect(start.AuthorizationUrl.AbsoluteUri);
    }

    /// <summary>The callback: checks the pending request, completes the code flow through the audited authentication service, signs in.</summary>
    public static async Task<IResult> CallbackAsync(HttpContext http, IOptions<CarteAuthOptions> options, IDataProtectionProvider protection, IAuthenticationService authentication, ICarteAuthSignInManager signIn, TimeProvider time)
    {
        var o = options.Value;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var activity = CarteAuthLoginEndpoints.StartActivity(ProSanteConnectDefaults.AuthenticatorName);
        var cookieName = CarteAuthHttp.CookieName(http.Request, PendingCookie);
        var protectedValue = http.Request.Cookies[cookieName];
        http.Response.Cookies.Delete(cookieName, new CookieOptions { Path = "/", Secure = http.Request.IsHttps, HttpOnly = true, SameSite = SameSiteMode.Lax });
        PendingPsc? pending = null;
        if (!string.IsNullOrEmpty(protectedValue))
        {
            try
            {
                pending = JsonSerializer.Deserialize<PendingPsc>(protection.CreateProtector(Purpose).Unprotect(protectedValue));
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or JsonException)
            {
                pending = null;
            }
        }

        // RFC 6749 §10.12: without this browser's pending request, the callback is refused (CSRF, stale tab).
        if (pending is null || time.GetUtcNow() - pending.CreatedAt > o.PscPendingLifetime)
        {
            var failure = pending is null
                ? AuthenticationResult.Fail(ReasonCodes.PscStateMismatch, "The callback has no valid pending request cookie of this browser (RFC 6749 §10.12).")
                : AuthenticationResult.Fail(ReasonCodes.PscAuthorizationExpired, "The pending authorization request is older than CarteAuthOptions.PscPendingLifetime.");
            return await CarteAuthLoginEndpoints.CompleteAsync(http, signIn, o, failure, pending?.ReturnUrl, ProSanteConnectDefaults.AuthenticatorName, started).ConfigureAwait(false);
        }

        var request = new PscAuthenticationRequest
        {
            Pending = new PscAuthorizationRequest(pending.State, pending.Nonce, pending.CodeVerifier, new Uri(pending.RedirectUri), pending.CreatedAt) { MaxAge = pending.MaxAgeTicks is { } t ? new TimeSpan(t) : null },
            Response = PscAuthorizationResponse.Parse(http.Request.QueryString.Value ?? string.Empty),
            Context = CarteAuthLoginEndpoints.RequestContext(http),
        };
        var result = await authentication.AuthenticateAsync(request, http.RequestAborted).ConfigureAwait(false);
        return await CarteAuthLoginEndpoints.CompleteAsync(http, signIn, o, result, pending.ReturnUrl, ProSanteConnectDefaults.AuthenticatorName, started).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>POST /carteauth/psc/backchannel-logout</c> (OpenID Connect Back-Channel Logout 1.0 §2.5-2.8): 200 when the
    /// logout token is valid (the local sessions it names are ended), 400 <c>{"error":"invalid_request"}</c> otherwise.
    /// Server to server: no cookie, no CSRF check (the logout token is the proof).
    /// </summary>
    public static async Task<IResult> BackchannelLogoutAsync(HttpContext http, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";
        if (http.RequestServices.GetService<ProSanteConnectClient>() is not { } client)
        {
            return Results.NotFound();
        }

        if (!http.Request.HasFormContentType)
        {
            return Results.Json(new { error = "invalid_request", error_description = "The logout request must be application/x-www-form-urlencoded (§2.5)." }, statusCode: StatusCodes.Status400BadRequest);
        }

        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
        try
        {
            await client.BackchannelLogout.HandleFormAsync(body, ct).ConfigureAwait(false);
            return Results.Ok();
        }
        catch (PscException e)
        {
            // §2.8: 400 with error invalid_request; the reason code tells the operator why, without the token's content.
            http.Response.Headers[CarteAuthDefaults.ReasonHeader] = e.ReasonCode;
            return Results.Json(new { error = "invalid_request", error_description = e.ReasonCode }, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    /// <summary>What the browser's pending-request cookie holds (protected: encrypted and authenticated).</summary>
    internal sealed record PendingPsc(string State, string Nonce, string CodeVerifier, string RedirectUri, DateTimeOffset CreatedAt, long? MaxAgeTicks, string ReturnUrl);
}
