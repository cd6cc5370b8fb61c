using CarteAuth;
using CarteAuth.AspNetCore;
using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the CarteAuth endpoints.</summary>
public static class CarteAuthEndpointRouteBuilderExtensions
{
    private static readonly Lazy<string> Script = new(static () =>
    {
        using var stream = typeof(CarteAuthEndpointRouteBuilderExtensions).Assembly.GetManifestResourceStream("CarteAuth.AspNetCore.carteauth.js")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>
    /// Maps the CarteAuth endpoints:
    /// <list type="bullet">
    /// <item><c>GET /.well-known/carteauth/jwks.json</c>: the session token public keys (RFC 7517 JWK Set), for gateways and APIs validating session tokens.</item>
    /// <item><c>POST /carteauth/logout</c>: ends the current session, 204.</item>
    /// <item><c>POST /carteauth/logout-everywhere</c>: ends every session of the signed-in user and revokes their tokens, 200 <c>{"ended":n}</c>.</item>
    /// <item><c>GET /carteauth/sessions</c>: the signed-in user's active sessions (JSON).</item>
    /// <item><c>POST /carteauth/sessions/{id}/end</c>: ends one of them, 204, or 404 <c>session.not-found</c>.</item>
    /// <item><c>GET /carteauth/login/card?returnUrl=…</c>: signs in with the card's TLS client certificate (needs <c>.AddSmartCard(…)</c>).</item>
    /// <item><c>GET /carteauth/login/psc?returnUrl=…</c>, <c>GET /carteauth/psc/callback</c> (<see cref="CarteAuthOptions.PscCallbackPath"/>),
    /// <c>POST /carteauth/psc/backchannel-logout</c>: Pro Santé Connect (needs <c>.AddProSanteConnect(…)</c>).</item>
    /// <item><c>POST /carteauth/fido2/register/options|verify</c> (signed in), <c>POST /carteauth/fido2/login/options|verify</c>:
    /// FIDO2 ceremonies, JSON in the W3C forms (needs <c>.AddFido2(…)</c>).</item>
    /// <item><c>GET /carteauth/fido2/credentials</c>: the signed-in professional's security keys (<see cref="CarteAuthFido2KeySummary"/>);
    /// <c>POST /carteauth/fido2/credentials/{id}/delete</c>: deletes one of them (audited), 204, or 404 <c>webauthn.unknown-credential</c>.</item>
    /// <item><c>GET /carteauth/pairing</c>, <c>POST /carteauth/pairing</c>, <c>POST /carteauth/pairing/unpair</c>: HOSPI-Connect
    /// pairing of the signed-in professional (needs <c>.AddPairing(…)</c>; see <see cref="CarteAuthPairingStatus"/>).</item>
    /// <item><c>GET /carteauth/carteauth.js</c>: the login page helper (no framework): <c>CarteAuth.loginContext()</c>,
    /// <c>signInWithCard</c>, <c>signInWithPsc</c>, <c>signInWithKey</c>, <c>registerKey</c>, <c>logout</c>, <c>logoutEverywhere</c>, <c>sessions</c>, <c>endSession</c>, <c>keys</c>, <c>deleteKey</c>, <c>pairing</c>, <c>pair</c>, <c>unpair</c>.</item>
    /// </list>
    /// POSTs are protected against cross-site request forgery by a same-origin check (Origin and Sec-Fetch-Site; see
    /// docs/aspnetcore.md). Signed-in endpoints answer 401 JSON or redirect to the login page when there is no session.
    /// </summary>
    /// <returns>The group of the <c>/carteauth</c> endpoints, to add conventions (rate limiting…).</returns>
    public static RouteGroupBuilder MapCarteAuth(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(CarteAuthDefaults.JwksPath, static (HttpContext http, ISigningKeyProvider keys) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=300";
            return Results.Text(keys.Current.ToJwksJson(), "application/jwk-set+json");
        }).AllowAnonymous().WithName("CarteAuthJwks");

        var signedIn = new AuthorizationPolicyBuilder(CarteAuthDefaults.AuthenticationScheme).RequireAuthenticatedUser().Build();
        var group = endpoints.MapGroup(CarteAuthDefaults.EndpointPrefix);

        group.MapPost("/logout", static async (HttpContext http, ICarteAuthSignInManager signIn) =>
        {
            await signIn.SignOutAsync(http).ConfigureAwait(false);
            return Results.NoContent();
        }).AllowAnonymous().RequireCarteAuthSameOrigin().DisableAntiforgery();

        group.MapPost("/logout-everywhere", static async (HttpContext http, ICarteAuthSignInManager signIn) =>
        {
            var ended = await signIn.SignOutEverywhereAsync(http).ConfigureAwait(false);
            return Results.Ok(new { ended });
        }).RequireAuthorization(signedIn).RequireCarteAuthSameOrigin().DisableAntiforgery();

        group.MapGet("/sessions", static async (HttpContext http, ICarteAuthSignInManager signIn) =>
        {
            var current = await signIn.GetCurrentSessionAsync(http).ConfigureAwait(false);
            if (current is null)
            {
                return Results.Unauthorized();
            }

            http.Response.Headers.CacheControl = "no-store";
            var sessions = await signIn.ListSessionsAsync(current.Session.NationalId, http.RequestAborted).ConfigureAwait(false);
            return Results.Ok(sessions.Select(s => new CarteAuthSessionSummary(
                s.Id,
                string.Equals(s.Id, current.Session.Id, StringComparison.Ordinal),
                s.Authenticator,
                s.CreatedAt,
                s.LastSeenAt,
                s.IdleExpiresAt < s.AbsoluteExpiresAt ? s.IdleExpiresAt : s.AbsoluteExpiresAt,
                s.ClientAddress,
                s.UserAgent)));
        }).RequireAuthorization(signedIn);

        group.MapPost("/sessions/{id}/end", static async (HttpContext http, string id, ICarteAuthSignInManager signIn) =>
        {
            if (id.Length > 256 || !await signIn.EndSessionAsync(http, id).ConfigureAwait(false))
            {
                return CarteAuthHttp.Problem(http, StatusCodes.Status404NotFound, ReasonCodes.SessionNotFound, "No such active session of yours.");
            }

            return Results.NoContent();
        }).RequireAuthorization(signedIn).RequireCarteAuthSameOrigin().DisableAntiforgery();

        group.MapGet("/login/card", CarteAuthLoginEndpoints.CardAsync).AllowAnonymous().WithName("CarteAuthLoginCard");
        group.MapGet("/login/psc", CarteAuthPscEndpoints.LoginAsync).AllowAnonymous().WithName("CarteAuthLoginPsc");
        group.MapPost("/psc/backchannel-logout", CarteAuthPscEndpoints.BackchannelLogoutAsync).AllowAnonymous().DisableAntiforgery()
            .AllowCrossSite("Server to server (OpenID Connect Back-Channel Logout 1.0): no cookie; the signed logout token is the proof.").WithName("CarteAuthPscBackchannelLogout");
        group.MapPost("/fido2/register/options", CarteAuthFido2Endpoints.RegisterOptionsAsync).RequireAuthorization(signedIn).RequireCarteAuthSameOrigin().DisableAntiforgery();
        group.MapPost("/fido2/register/verify", CarteAuthFido2Endpoints.RegisterVerifyAsync).RequireAuthorization(signedIn).RequireCarteAuthSameOrigin().DisableAntiforgery();
        group.MapPost("/fido2/login/options", CarteAuthFido2Endpoints.LoginOptionsAsync).AllowAnonymous().RequireCarteAuthSameOrigin().DisableAntiforgery();
        group.MapPost("/fido2/login/verify", CarteAuthFido2Endpoints.LoginVerifyAsync).AllowAnonymous().RequireCarteAuthSameOrigin().DisableAntiforgery();
        group.MapGet("/fido2/credentials", CarteAuthFido2KeyEndpoints.ListAsync).RequireAuthorization(signedIn);
        group.MapPost("/fido2/credentials/{id}/delete", CarteAuthFido2KeyEndpoints.DeleteAsync).RequireAuthorization(signedIn).RequireCarteAuthSameOrigin().DisableAntiforgery();
        group.MapGet("/pairing", CarteAuthPairingEndpoints.StatusAsync).RequireAuthorization(signedIn);
        group.MapPost("/pairing", CarteAuthPairingEndpoints.PairAsync).RequireAuthorization(signedIn).RequireCarteAuthSameOrigin().DisableAntiforgery();
        group.MapPost("/pairing/unpair", CarteAuthPairingEndpoints.UnpairAsync).RequireAuthorization(signedIn).RequireCarteAuthSameOrigin().DisableAntiforgery();
        group.MapGet("/carteauth.js", static (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=3600";
            http.Response.Headers["X-Content-Type-Options"] = "nosniff";
            return Results.Text(Script.Value, "text/javascript; charset=utf-8");
        }).AllowAnonymous().WithName("CarteAuthScript");
        var callback = endpoints.ServiceProvider.GetRequiredService<IOptions<CarteAuthOptions>>().Value.PscCallbackPath;
        endpoints.MapGet(callback.Value!, CarteAuthPscEndpoints.CallbackAsync).AllowAnonymous().WithName("CarteAuthPscCallback");

        return group;
    }
}
