using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Fido2;
using CarteAuth.Fido2.Stores;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CarteAuth.AspNetCore;

/// <summary>FIDO2 key management of the signed-in professional: list their keys, delete one of them.</summary>
internal static class CarteAuthFido2KeyEndpoints
{
    /// <summary>The most keys listed (a professional has a few).</summary>
    internal const int MaxKeys = 64;

    /// <summary><c>GET /carteauth/fido2/credentials</c>: the signed-in professional's keys, oldest first.</summary>
    public static async Task<IResult> ListAsync(HttpContext http, ICarteAuthSignInManager signIn)
    {
        if (http.RequestServices.GetService<IFido2CredentialStore>() is not { } store || http.RequestServices.GetService<Fido2RelyingParty>() is null)
        {
            return NotConfigured(http);
        }

        var current = await signIn.GetCurrentSessionAsync(http).ConfigureAwait(false);
        if (current is null)
        {
            return CarteAuthHttp.Problem(http, StatusCodes.Status401Unauthorized, ReasonCodes.SessionNotAuthenticated, "Sign in to see your security keys.");
        }

        http.Response.Headers.CacheControl = "no-store";
        var keys = await store.ListByOwnerAsync(current.Session.NationalId, MaxKeys, http.RequestAborted).ConfigureAwait(false);
        return Results.Ok(keys.Select(static k => new CarteAuthFido2KeySummary(k.IdText, k.Aaguid, k.CreatedAt, k.LastUsedAt, k.BackupEligible, k.BackedUp, k.Transports, k.AttestationTrusted)));
    }

    /// <summary>
    /// <c>POST /carteauth/fido2/credentials/{id}/delete</c>: deletes one of the signed-in professional's keys, 204; 404
    /// <see cref="ReasonCodes.WebAuthnUnknownCredential"/> for an unknown id or another professional's key (the two are
    /// not told apart). Audited before the deletion (kind <see cref="CarteAuthSessionAudit.Fido2CredentialKind"/>, result
    /// <c>deleted</c>); when the audit cannot be written the key is kept (503).
    /// </summary>
    public static async Task<IResult> DeleteAsync(HttpContext http, string id, ICarteAuthSignInManager signIn)
    {
        if (http.RequestServices.GetService<IFido2CredentialStore>() is not { } store || http.RequestServices.GetService<Fido2RelyingParty>() is null)
        {
            return NotConfigured(http);
        }

        var current = await signIn.GetCurrentSessionAsync(http).ConfigureAwait(false);
        if (current is null)
        {
            return CarteAuthHttp.Problem(http, StatusCodes.Status401Unauthorized, ReasonCodes.SessionNotAuthenticated, "Sign in to manage your security keys.");
        }

        // Credential ids are 16 to 1023 bytes (WebAuthn L3 §4 "Credential ID"): at most 1364 base64url characters.
        byte[]? credentialId = null;
        if (id.Length is > 0 and <= 1364)
        {
            try
            {
                credentialId = System.Buffers.Text.Base64Url.DecodeFromChars(id);
            }
            catch (FormatException)
            {
                credentialId = null;
            }
        }

        var record = credentialId is { Length: > 0 } ? await store.FindAsync(credentialId, http.RequestAborted).ConfigureAwait(false) : null;
        if (record is null || !string.Equals(record.Owner.NationalId.Value, current.Session.NationalId, StringComparison.Ordinal))
        {
            return CarteAuthHttp.Problem(http, StatusCodes.Status404NotFound, ReasonCodes.WebAuthnUnknownCredential, "No such security key of yours: list them with GET /carteauth/fido2/credentials.");
        }

        var audit = http.RequestServices.GetRequiredService<CarteAuthSessionAudit>();
        try
        {
            await audit.Fido2CredentialDeletedAsync(current.Session.NationalId, current.Session.Id, record.IdText, CarteAuthSessionAudit.KeyDeletedByOwner, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted).ConfigureAwait(false);
        }
        catch (CarteAuthException e)
        {
            CarteAuthAspNetCoreLog.AuditFailed(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CarteAuthFido2KeyEndpoints)), e, CarteAuthSessionAudit.Deleted, current.Session.NationalId);
            return CarteAuthHttp.Problem(http, StatusCodes.Status503ServiceUnavailable, e.ReasonCode, "The deletion could not be audited, so the key was kept; retry later.");
        }

        await store.DeleteAsync(record.Id, http.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static IResult NotConfigured(HttpContext http) =>
        CarteAuthHttp.Problem(http, StatusCodes.Status404NotFound, ReasonCodes.WebAuthnInvalidOptions, "FIDO2 is not configured: call AddCarteAuth(…).AddFido2(…).");
}
