using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.AspNetCore;

/// <summary>The HOSPI-Connect pairing endpoints under <c>/carteauth/pairing</c> (signed in; POSTs same-origin).</summary>
internal static class CarteAuthPairingEndpoints
{
    /// <summary><c>GET /carteauth/pairing</c>: the signed-in professional's pairing.</summary>
    public static Task<IResult> StatusAsync(HttpContext http, ICarteAuthSignInManager signIn) => GuardAsync(http, () => StatusCoreAsync(http, signIn));

    private static async Task<IResult> StatusCoreAsync(HttpContext http, ICarteAuthSignInManager signIn)
    {
        if (Service(http) is not { } pairing)
        {
            return NotEnabled(http);
        }

        if (await signIn.GetCurrentSessionAsync(http).ConfigureAwait(false) is not { } current)
        {
            return NotSignedIn(http);
        }

        http.Response.Headers.CacheControl = "no-store";
        return Results.Ok(await StatusOfAsync(pairing, current, http.RequestAborted).ConfigureAwait(false));
    }

    /// <summary>
    /// <c>POST /carteauth/pairing</c>: pairs the signed-in professional's local account from a national sign-in (the
    /// explicit mode's way; also works in automatic mode, e.g. after a conflict was resolved). The session is then
    /// renewed so it carries the local account. 200 with the status; 403 <see cref="ReasonCodes.PairingNotNational"/>;
    /// 409 for a conflict.
    /// </summary>
    public static Task<IResult> PairAsync(HttpContext http, ICarteAuthSignInManager signIn) => GuardAsync(http, () => PairCoreAsync(http, signIn));

    private static async Task<IResult> PairCoreAsync(HttpContext http, ICarteAuthSignInManager signIn)
    {
        if (Service(http) is not { } pairing)
        {
            return NotEnabled(http);
        }

        if (await signIn.GetCurrentSessionAsync(http).ConfigureAwait(false) is not { } current)
        {
            return NotSignedIn(http);
        }

        var latest = await pairing.Store.GetByNationalIdAsync(current.Session.NationalId, http.RequestAborted).ConfigureAwait(false);
        if (latest is { IsActive: true })
        {
            return Results.Ok(await StatusOfAsync(pairing, current, http.RequestAborted).ConfigureAwait(false));
        }

        if (!pairing.Options.IsNational(current.Evidence))
        {
            return CarteAuthHttp.Problem(http, StatusCodes.Status403Forbidden, ReasonCodes.PairingNotNational, $"Pairing needs a sign-in with the CPS card or Pro Santé Connect (level {Acr.ToValue(pairing.Options.MinimumAssurance)} or higher).");
        }

        try
        {
            await pairing.PairAsync(http, current.Evidence, current.Session.Id, http.RequestAborted).ConfigureAwait(false);
        }
        catch (CarteAuthException e) when (e.ReasonCode is ReasonCodes.PairingAccountAlreadyPaired or ReasonCodes.PairingIdentityAlreadyPaired)
        {
            return CarteAuthHttp.Problem(http, StatusCodes.Status409Conflict, e.ReasonCode, e.Message);
        }

        // A new session for the same evidence, now carrying the local account (the previous one ends as "replaced").
        await signIn.SignInAsync(http, current.Evidence, http.RequestAborted).ConfigureAwait(false);
        return Results.Ok(await StatusOfAsync(pairing, current, http.RequestAborted).ConfigureAwait(false));
    }

    /// <summary>
    /// <c>POST /carteauth/pairing/unpair</c>: ends the pairing, deletes the professional's FIDO2 keys, ends their
    /// sessions opened with local methods (this one too, when it is one). 200 <c>{keysDeleted, sessionsEnded}</c>; 404
    /// <see cref="ReasonCodes.PairingNotPaired"/> when not paired.
    /// </summary>
    public static Task<IResult> UnpairAsync(HttpContext http, ICarteAuthSignInManager signIn) => GuardAsync(http, () => UnpairCoreAsync(http, signIn));

    private static async Task<IResult> UnpairCoreAsync(HttpContext http, ICarteAuthSignInManager signIn)
    {
        if (Service(http) is not { } pairing)
        {
            return NotEnabled(http);
        }

        if (await signIn.GetCurrentSessionAsync(http).ConfigureAwait(false) is not { } current)
        {
            return NotSignedIn(http);
        }

        if (await pairing.UnpairAsync(http, current, http.RequestAborted).ConfigureAwait(false) is not { } result)
        {
            return CarteAuthHttp.Problem(http, StatusCodes.Status404NotFound, ReasonCodes.PairingNotPaired, "Your national identity has no active pairing.");
        }

        if (result.CurrentEnded)
        {
            await signIn.SignOutAsync(http).ConfigureAwait(false);
        }

        return Results.Ok(new { keysDeleted = result.KeysDeleted, sessionsEnded = result.SessionsEnded, signedOut = result.CurrentEnded });
    }

    private static async Task<CarteAuthPairingStatus> StatusOfAsync(CarteAuthPairingService pairing, ICarteAuthSessionFeature current, CancellationToken ct)
    {
        var latest = await pairing.Store.GetByNationalIdAsync(current.Session.NationalId, ct).ConfigureAwait(false);
        return new CarteAuthPairingStatus(
            latest is { IsActive: true },
            pairing.Options.Mode == CarteAuthPairingMode.Automatic ? "automatic" : "explicit",
            current.Session.NationalId,
            latest?.LocalAccountId,
            latest?.PairedAt,
            latest?.PairedByAuthenticator,
            latest?.PairedByMethods,
            latest is null ? null : Acr.ToValue(latest.PairedByAssurance),
            latest?.UnpairedAt,
            latest is not { IsActive: true } && pairing.Options.IsNational(current.Evidence));
    }

    /// <summary>A store that cannot be used (pairing, session, audit) answers 503 with its reason code, not 500.</summary>
    private static async Task<IResult> GuardAsync(HttpContext http, Func<Task<IResult>> handler)
    {
        try
        {
            return await handler().ConfigureAwait(false);
        }
        catch (CarteAuthException e) when (e.ReasonCode is ReasonCodes.PairingStoreUnavailable or ReasonCodes.SessionStoreUnavailable || e.ReasonCode.StartsWith("audit.", StringComparison.Ordinal))
        {
            return CarteAuthHttp.Problem(http, StatusCodes.Status503ServiceUnavailable, e.ReasonCode, "The pairing cannot be read or changed now; retry later.");
        }
    }

    private static CarteAuthPairingService? Service(HttpContext http) => http.RequestServices.GetService<CarteAuthPairingService>();

    private static IResult NotEnabled(HttpContext http) =>
        CarteAuthHttp.Problem(http, StatusCodes.Status404NotFound, ReasonCodes.PairingInvalidOptions, "Pairing is not enabled: call AddCarteAuth(…).AddPairing(…).");

    private static IResult NotSignedIn(HttpContext http) =>
        CarteAuthHttp.Problem(http, StatusCodes.Status401Unauthorized, ReasonCodes.SessionNotAuthenticated, "Sign in to manage the pairing of your local account.");
}
