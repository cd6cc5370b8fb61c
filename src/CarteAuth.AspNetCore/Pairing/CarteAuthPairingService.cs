using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Fido2.Stores;
using CarteAuth.Pairing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CarteAuth.AspNetCore;

/// <summary>
/// HOSPI-Connect pairing in the web flow: pairs at national sign-in (automatic mode) or on request, refuses local
/// methods for unpaired identities, unpairs (ending local-method sessions and deleting FIDO2 keys). Every pairing,
/// unpairing and refusal is audited (kind <see cref="AuditKind"/>).
/// </summary>
internal sealed class CarteAuthPairingService(
    IPairingStore store,
    ICarteAuthLocalAccountResolver resolver,
    IOptions<CarteAuthPairingOptions> options,
    IAuditTrail audit,
    ICarteAuthSessionStore sessions,
    CarteAuthSessionAudit sessionAudit,
    IServiceProvider services,
    TimeProvider time,
    ILogger<CarteAuthPairingService> logger)
{
    /// <summary>Audit kind of pairing events.</summary>
    public const string AuditKind = "pairing";

    /// <summary>Audit result: a local account was paired.</summary>
    public const string Paired = "paired";

    /// <summary>Audit result: a pairing was ended.</summary>
    public const string Unpaired = "unpaired";

    /// <summary>Audit result: a pairing or a local method was refused.</summary>
    public const string Refused = "refused";

    /// <summary>The unpair reason recorded when the professional unpairs.</summary>
    public const string UnpairedByUser = "unpaired-by-user";

    public CarteAuthPairingOptions Options => options.Value;

    public IPairingStore Store => store;

    /// <summary>
    /// The local account of a session being started for <paramref name="evidence"/>: the active pairing's account;
    /// for a national sign-in without one, a new pairing in automatic mode (or null: explicit mode, conflict, store
    /// down; a national sign-in never fails for pairing reasons).
    /// </summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.PairingNotPaired"/> for a local method (FIDO2) of an
    /// identity with no active pairing; <see cref="ReasonCodes.PairingStoreUnavailable"/> when that cannot be checked.</exception>
    public async ValueTask<string?> ResolveForSignInAsync(HttpContext http, AuthenticationEvidence evidence, CancellationToken ct)
    {
        var o = options.Value;
        var national = o.IsNationalAuthenticator(evidence.Authenticator);
        PairingRecord? latest;
        try
        {
            latest = await store.GetByNationalIdAsync(evidence.Identity.NationalId.Value, ct).ConfigureAwait(false);
        }
        catch (CarteAuthException e) when (national)
        {
            CarteAuthAspNetCoreLog.PairingSkipped(logger, e, evidence.Identity.NationalId.Value, e.ReasonCode);
            return null;
        }

        if (latest is { IsActive: true })
        {
            return latest.LocalAccountId;
        }

        if (!national)
        {
            // Fail closed whatever the audit does: the local method is refused.
            var message = latest is null
                ? "This security key's professional has not paired a local account: sign in once with the CPS card or Pro Santé Connect."
                : "The pairing of this professional's local account was removed: sign in with the CPS card or Pro Santé Connect to pair again, then register a new key.";
            await TryAuditAsync(Refused, evidence, ReasonCodes.PairingNotPaired, null, latest is null ? "never paired" : "unpaired", http).ConfigureAwait(false);
            CarteAuthAspNetCoreLog.LocalMethodRefused(logger, evidence.Identity.NationalId.Value, evidence.Authenticator);
            throw new CarteAuthException(ReasonCodes.PairingNotPaired, message);
        }

        if (o.Mode != CarteAuthPairingMode.Automatic || !o.IsNational(evidence))
        {
            return null;
        }

        try
        {
            return (await PairAsync(http, evidence, null, ct).ConfigureAwait(false)).LocalAccountId;
        }
        catch (CarteAuthException e)
        {
            CarteAuthAspNetCoreLog.PairingSkipped(logger, e, evidence.Identity.NationalId.Value, e.ReasonCode);
            return null;
        }
    }

    /// <summary>Pairs the national identity of <paramref name="evidence"/> with its local account (audited); the active pairing.</summary>
    /// <exception cref="CarteAuthException"><c>pairing.*</c>: conflict (audited as refused), invalid record, store down.</exception>
    public async ValueTask<PairingRecord> PairAsync(HttpContext http, AuthenticationEvidence evidence, string? sessionId, CancellationToken ct)
    {
        var account = await resolver.ResolveAsync(http, evidence, ct).ConfigureAwait(false);
        var record = new PairingRecord
        {
            LocalAccountId = account,
            NationalId = evidence.Identity.NationalId.Value,
            PairedAt = time.GetUtcNow(),
            PairedByAuthenticator = evidence.Authenticator,
            PairedByMethods = Amr.Format(evidence.Methods),
            PairedByAssurance = evidence.Assurance,
        };

        PairingRecord paired;
        try
        {
            paired = await store.PairAsync(record, ct).ConfigureAwait(false);
        }
        catch (CarteAuthException e) when (e.ReasonCode is ReasonCodes.PairingAccountAlreadyPaired or ReasonCodes.PairingIdentityAlreadyPaired or ReasonCodes.PairingInvalidRecord)
        {
            // Callers pair only an identity they found unpaired: when it is paired now, a concurrent national sign-in of
            // the same professional paired it first (the default resolver draws a new account each time); use that pairing.
            if (e.ReasonCode == ReasonCodes.PairingIdentityAlreadyPaired
                && await store.GetByNationalIdAsync(record.NationalId, ct).ConfigureAwait(false) is { IsActive: true } raced)
            {
                return raced;
            }

            await TryAuditAsync(Refused, evidence, e.ReasonCode, sessionId, null, http).ConfigureAwait(false);
            throw;
        }

        if (paired != record)
        {
            return paired;
        }

        try
        {
            await AppendAsync(Paired, evidence.Identity.NationalId.Value, evidence.Authenticator, record.PairedByMethods, null, sessionId, "local account " + account, http, ct).ConfigureAwait(false);
        }
        catch (CarteAuthException)
        {
            // Fail closed: a pairing that cannot be audited is undone.
            await store.UnpairAsync(account, time.GetUtcNow(), "audit-failed", CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        CarteAuthAspNetCoreLog.PairingMade(logger, record.NationalId, account, evidence.Authenticator);
        return paired;
    }

    /// <summary>
    /// Ends the active pairing of the signed-in professional, deletes their FIDO2 keys and ends their sessions opened
    /// with local methods (audited); null when there was no active pairing.
    /// </summary>
    public async ValueTask<(PairingRecord Ended, int KeysDeleted, int SessionsEnded, bool CurrentEnded)?> UnpairAsync(HttpContext http, ICarteAuthSessionFeature current, CancellationToken ct)
    {
        var idNat = current.Session.NationalId;
        var pairing = await store.GetByNationalIdAsync(idNat, ct).ConfigureAwait(false);
        if (pairing is not { IsActive: true })
        {
            return null;
        }

        var now = time.GetUtcNow();
        var ended = await store.UnpairAsync(pairing.LocalAccountId, now, UnpairedByUser, ct).ConfigureAwait(false);
        if (ended is null)
        {
            return null;
        }

        // The keys stood for the paired identity: they go with the pairing.
        var keysDeleted = 0;
        if (services.GetService<IFido2CredentialStore>() is { } credentials && services.GetService<Fido2.Fido2RelyingParty>() is not null)
        {
            foreach (var key in await credentials.ListByOwnerAsync(idNat, int.MaxValue, ct).ConfigureAwait(false))
            {
                if (await credentials.DeleteAsync(key.Id, ct).ConfigureAwait(false))
                {
                    keysDeleted++;
                }
            }
        }

        // Sessions opened with local methods ended; national sessions stay.
        var sessionsEnded = 0;
        var currentEnded = false;
        var address = http.Connection.RemoteIpAddress?.ToString();
        foreach (var s in await sessions.ListAsync(idNat, ct).ConfigureAwait(false))
        {
            if (!options.Value.IsNationalAuthenticator(s.Authenticator) && await sessions.EndAsync(s.Id, now, CarteAuthSessionEndReasons.Unpaired, ct).ConfigureAwait(false))
            {
                sessionsEnded++;
                currentEnded |= string.Equals(s.Id, current.Session.Id, StringComparison.Ordinal);
                await sessionAudit.EndedAsync(idNat, s.Id, CarteAuthSessionEndReasons.Unpaired, address, now).ConfigureAwait(false);
            }
        }

        try
        {
            await AppendAsync(Unpaired, idNat, current.Session.Authenticator, null, UnpairedByUser, current.Session.Id, $"local account {ended.LocalAccountId}; {keysDeleted} keys deleted; {sessionsEnded} sessions ended", http, CancellationToken.None).ConfigureAwait(false);
        }
        catch (CarteAuthException e)
        {
            // Unpairing must work (like signing out): logged, not thrown.
            CarteAuthAspNetCoreLog.AuditFailed(logger, e, Unpaired, idNat);
        }

        CarteAuthAspNetCoreLog.PairingEnded(logger, idNat, ended.LocalAccountId, keysDeleted, sessionsEnded);
        return (ended, keysDeleted, sessionsEnded, currentEnded);
    }

    private async ValueTask TryAuditAsync(string result, AuthenticationEvidence evidence, string reasonCode, string? sessionId, string? detail, HttpContext http)
    {
        try
        {
            await AppendAsync(result, evidence.Identity.NationalId.Value, evidence.Authenticator, Amr.Format(evidence.Methods), reasonCode, sessionId, detail, http, CancellationToken.None).ConfigureAwait(false);
        }
        catch (CarteAuthException e)
        {
            CarteAuthAspNetCoreLog.AuditFailed(logger, e, result, evidence.Identity.NationalId.Value);
        }
    }

    private async ValueTask AppendAsync(string result, string subject, string authenticator, string? methods, string? reasonCode, string? sessionId, string? detail, HttpContext http, CancellationToken ct) =>
        await audit.AppendAsync(new AuditEntry
        {
            Kind = AuditKind,
            Result = result,
            Subject = subject,
            Authenticator = authenticator,
            Methods = methods,
            ReasonCode = reasonCode,
            ClientAddress = http.Connection.RemoteIpAddress?.ToString(),
            CorrelationId = sessionId,
            Detail = detail,
        }, ct).ConfigureAwait(false);
}
