using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Authentication;
using CarteAuth.Fido2;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Stores;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CarteAuth.AspNetCore;

/// <summary>
/// The FIDO2/WebAuthn endpoints, JSON in the W3C forms (WebAuthn Level 3 §5.1.8-5.1.11: the browser's
/// <c>PublicKeyCredential.parseCreationOptionsFromJSON</c>/<c>parseRequestOptionsFromJSON</c> read the options,
/// <c>credential.toJSON()</c> gives the responses).
/// </summary>
internal static class CarteAuthFido2Endpoints
{
    /// <summary>Longest accepted request body (a registration with attestation is a few kilobytes).</summary>
    private const int MaxBody = 64 * 1024;

    /// <summary><c>POST /carteauth/fido2/register/options</c>: signed in; the challenge is bound to the session.</summary>
    public static async Task<IResult> RegisterOptionsAsync(HttpContext http, ICarteAuthSignInManager signIn)
    {
        if (Rp(http) is not { } rp)
        {
            return NotConfigured(http);
        }

        var current = await signIn.GetCurrentSessionAsync(http).ConfigureAwait(false);
        if (current is null)
        {
            return CarteAuthHttp.Problem(http, StatusCodes.Status401Unauthorized, ReasonCodes.SessionNotAuthenticated, "Sign in before registering a security key.");
        }

        if (await RegistrationRefusedAsync(http, current).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        try
        {
            // A random user handle per registration (WebAuthn L3 §14.6.1: no personal data in it); the credential record
            // keeps the owner's identity.
            var options = await rp.CreateRegistrationOptionsAsync(new Fido2User(current.Evidence.Identity, Fido2User.NewUserHandle()), AssuranceLevel.Substantial, current.Session.Id, http.RequestAborted).ConfigureAwait(false);
            return Results.Text(WebAuthnJson.Serialize(options), "application/json");
        }
        catch (CarteAuthException e)
        {
            return CarteAuthHttp.Problem(http, StatusCodes.Status400BadRequest, e.ReasonCode, "The registration cannot start.");
        }
    }

    /// <summary><c>POST /carteauth/fido2/register/verify</c>: signed in; body <c>RegistrationResponseJSON</c>.</summary>
    public static async Task<IResult> RegisterVerifyAsync(HttpContext http, ICarteAuthSignInManager signIn)
    {
        if (Rp(http) is not { } rp)
        {
            return NotConfigured(http);
        }

        var current = await signIn.GetCurrentSessionAsync(http).ConfigureAwait(false);
        if (current is null)
        {
            return CarteAuthHttp.Problem(http, StatusCodes.Status401Unauthorized, ReasonCodes.SessionNotAuthenticated, "Sign in before registering a security key.");
        }

        if (await RegistrationRefusedAsync(http, current).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var body = await ReadBodyAsync(http).ConfigureAwait(false);
        if (body is null)
        {
            return CarteAuthHttp.Problem(http, StatusCodes.Status400BadRequest, ReasonCodes.WebAuthnTooLarge, "The registration response is too large.");
        }

        var result = await rp.VerifyRegistrationAsync(body, current.Session.Id, http.RequestAborted).ConfigureAwait(false);
        var credentialId = result.Credential is { } c ? System.Buffers.Text.Base64Url.EncodeToString(c.Id) : null;
        var unaudited = await http.RequestServices.GetRequiredService<CarteAuthSessionAudit>().Fido2RegistrationAsync(
            current.Session.NationalId, current.Session.Id, result.Succeeded, result.ReasonCode, credentialId, http.Connection.RemoteIpAddress?.ToString()).ConfigureAwait(false);
        if (unaudited is not null && result.Credential is { } registered && http.RequestServices.GetService<IFido2CredentialStore>() is { } store)
        {
            // Traceability is mandatory: a key whose registration cannot be recorded is not kept (fail closed).
            await store.DeleteAsync(registered.Id, CancellationToken.None).ConfigureAwait(false);
            return CarteAuthHttp.Problem(http, StatusCodes.Status503ServiceUnavailable, unaudited.ReasonCode, "The registration could not be recorded in the audit trail, so the key was not kept; retry later.");
        }

        return result.Succeeded
            ? Results.Ok(new { credentialId })
            : CarteAuthHttp.Problem(http, StatusCodes.Status400BadRequest, result.ReasonCode, "The security key registration was refused.");
    }

    /// <summary><c>POST /carteauth/fido2/login/options</c>: anonymous; options for a discoverable credential (passkey) sign-in.</summary>
    public static async Task<IResult> LoginOptionsAsync(HttpContext http, CancellationToken ct)
    {
        if (Rp(http) is not { } rp)
        {
            return NotConfigured(http);
        }

        try
        {
            var options = await rp.CreateAssertionOptionsAsync(null, AssuranceLevel.Substantial, null, ct).ConfigureAwait(false);
            return Results.Text(WebAuthnJson.Serialize(options), "application/json");
        }
        catch (CarteAuthException e)
        {
            return CarteAuthHttp.Problem(http, StatusCodes.Status503ServiceUnavailable, e.ReasonCode, "The sign-in cannot start.");
        }
    }

    /// <summary><c>POST /carteauth/fido2/login/verify?returnUrl=</c>: body <c>AuthenticationResponseJSON</c>; signs in through the audited authentication service.</summary>
    public static async Task<IResult> LoginVerifyAsync(HttpContext http, IAuthenticationService authentication, ICarteAuthSignInManager signIn, IOptions<CarteAuthOptions> options, string? returnUrl)
    {
        if (Rp(http) is null)
        {
            return NotConfigured(http);
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var activity = CarteAuthLoginEndpoints.StartActivity(Fido2Authenticator.AuthenticatorName);
        var metrics = http.RequestServices.GetRequiredService<CarteAuthMetrics>();
        var body = await ReadBodyAsync(http).ConfigureAwait(false);
        AuthenticationResponseJSON response;
        try
        {
            response = body is null ? throw new WebAuthnException(ReasonCodes.WebAuthnTooLarge, "The assertion is too large.") : AuthenticationResponseJSON.Parse(body);
        }
        catch (CarteAuthException e)
        {
            await CarteAuthLoginEndpoints.RefusedAsync(http, Fido2Authenticator.AuthenticatorName, AuthenticationResult.Fail(e.ReasonCode, e.Message)).ConfigureAwait(false);
            metrics.Login(Fido2Authenticator.AuthenticatorName, false, e.ReasonCode, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            return CarteAuthHttp.Problem(http, StatusCodes.Status400BadRequest, e.ReasonCode, "The assertion is not a WebAuthn AuthenticationResponseJSON.");
        }

        var result = await authentication.AuthenticateAsync(new Fido2AssertionRequest(response) { Context = CarteAuthLoginEndpoints.RequestContext(http) }, http.RequestAborted).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            metrics.Login(Fido2Authenticator.AuthenticatorName, false, result.ReasonCode, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            // Always JSON here: these endpoints are called by the page's script, not navigated to.
            return CarteAuthLoginEndpoints.LockedOut(http, result) ?? CarteAuthHttp.Problem(http, StatusCodes.Status401Unauthorized, result.ReasonCode ?? ReasonCodes.AuthenticatorError, "The security key sign-in failed.");
        }

        CarteAuthSession session;
        try
        {
            session = await signIn.SignInAsync(http, result.Evidence!, http.RequestAborted).ConfigureAwait(false);
        }
        catch (CarteAuthException e) when (e.ReasonCode is ReasonCodes.PairingNotPaired || e.ReasonCode.EndsWith(".store-unavailable", StringComparison.Ordinal))
        {
            // HOSPI-Connect pairing: the key's identity is not (or no longer) paired; refused and audited by the pairing service.
            // A store or audit outage (pairing, session, audit): fail closed with its code, no cookie, 503 (retry later).
            metrics.Login(Fido2Authenticator.AuthenticatorName, false, e.ReasonCode, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            return e.ReasonCode switch
            {
                ReasonCodes.PairingNotPaired => CarteAuthHttp.Problem(http, StatusCodes.Status403Forbidden, e.ReasonCode, e.Message),
                ReasonCodes.PairingStoreUnavailable => CarteAuthHttp.Problem(http, StatusCodes.Status503ServiceUnavailable, e.ReasonCode, "The pairing cannot be checked now; retry later or sign in with the card."),
                _ => CarteAuthHttp.Problem(http, StatusCodes.Status503ServiceUnavailable, e.ReasonCode, "The sign-in cannot be completed now; retry later."),
            };
        }

        metrics.Login(Fido2Authenticator.AuthenticatorName, true, result.ReasonCode, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        return Results.Ok(new { sessionId = session.Id, returnUrl = CarteAuthHttp.SafeReturnUrl(returnUrl) });
    }

    /// <summary>
    /// Null when the session may register a key (paired when pairing is enabled, and no <see cref="CarteAuthOptions.Fido2RegistrationPolicy"/>, or the policy
    /// allows it); otherwise 403 with the policy's reason code (and <c>stepUp</c> when a stronger login would allow it).
    /// </summary>
    private static async Task<IResult?> RegistrationRefusedAsync(HttpContext http, ICarteAuthSessionFeature current)
    {
        // HOSPI-Connect pairing: keys are registered only for a paired identity (they stand for it afterwards).
        if (http.RequestServices.GetService<CarteAuthPairingService>() is { } pairing)
        {
            Pairing.PairingRecord? paired;
            try
            {
                paired = await pairing.Store.GetByNationalIdAsync(current.Session.NationalId, http.RequestAborted).ConfigureAwait(false);
            }
            catch (CarteAuthException e)
            {
                return CarteAuthHttp.Problem(http, StatusCodes.Status503ServiceUnavailable, e.ReasonCode, "The pairing cannot be checked now, so no key can be registered; retry later.");
            }

            if (paired is not { IsActive: true })
            {
                return CarteAuthHttp.Problem(http, StatusCodes.Status403Forbidden, ReasonCodes.PairingNotPaired, "Pair your local account first: sign in with the CPS card or Pro Santé Connect (and POST /carteauth/pairing in explicit mode).");
            }
        }

        var policy = http.RequestServices.GetRequiredService<IOptions<CarteAuthOptions>>().Value.Fido2RegistrationPolicy;
        if (policy is null)
        {
            return null;
        }

        var evaluator = http.RequestServices.GetRequiredService<Policies.IPolicyEvaluator>();
        var zone = http.RequestServices.GetRequiredService<ICarteAuthNetworkZoneResolver>().Resolve(http);
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var decision = await evaluator.EvaluateAsync(policy, new Policies.PolicyContext(current.Evidence, now, zone), CarteAuthLoginEndpoints.RequestContext(http) with { Zone = zone }, http.RequestAborted).ConfigureAwait(false);
        return decision.IsAllowed
            ? null
            : CarteAuthHttp.Problem(http, StatusCodes.Status403Forbidden, decision.ReasonCode, "This session may not register a security key.", new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["policy"] = decision.PolicyName,
                ["stepUp"] = decision.Outcome == Policies.PolicyOutcome.StepUp ? StepUpEncoding.Encode(decision.StepUp) : null,
            });
    }

    private static Fido2RelyingParty? Rp(HttpContext http) => http.RequestServices.GetService<Fido2RelyingParty>();

    private static IResult NotConfigured(HttpContext http) =>
        CarteAuthHttp.Problem(http, StatusCodes.Status404NotFound, ReasonCodes.WebAuthnInvalidOptions, "FIDO2 is not configured: call AddCarteAuth(…).AddFido2(…).");

    /// <summary>The body as text, or null when it is longer than <see cref="MaxBody"/>.</summary>
    private static async Task<string?> ReadBodyAsync(HttpContext http)
    {
        if (http.Request.ContentLength > MaxBody)
        {
            return null;
        }

        using var reader = new StreamReader(http.Request.Body);
        var buffer = new char[MaxBody + 1];
        var total = 0;
        int read;
        while (total <= MaxBody && (read = await reader.ReadAsync(buffer.AsMemory(total), http.RequestAborted).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return total > MaxBody ? null : new string(buffer, 0, total);
    }
}
