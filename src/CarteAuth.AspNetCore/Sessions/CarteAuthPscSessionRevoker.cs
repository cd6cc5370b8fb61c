using CarteAuth.Identity;
using CarteAuth.Oidc;
using Microsoft.Extensions.Logging;

namespace CarteAuth.AspNetCore.Sessions;

/// <summary>
/// Ends the local CarteAuth sessions named by a Pro Santé Connect back-channel logout (OpenID Connect Back-Channel
/// Logout 1.0 §2.6-2.7): with a <c>sid</c>, the sessions started under that provider session (recorded at sign-in
/// from the evidence's <c>psc.sid</c>); with only a <c>sub</c>, every session of that professional (the idNat found in
/// the <see cref="IPscSubjectDirectory"/>, or the <c>sub</c> itself when it is an idNat), whose revocation epoch is
/// then incremented too. Registered by <c>AddCarteAuth().AddProSanteConnect()</c> in place of the epoch-only revoker.
/// </summary>
public sealed class CarteAuthPscSessionRevoker : IPscSessionRevoker
{
    private readonly ICarteAuthSessionStore _store;
    private readonly ICarteAuthSignInManager _signIn;
    private readonly IPscSubjectDirectory _directory;
    private readonly CarteAuthSessionAudit _audit;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    internal CarteAuthPscSessionRevoker(ICarteAuthSessionStore store, ICarteAuthSignInManager signIn, IPscSubjectDirectory directory, CarteAuthSessionAudit audit, TimeProvider time, ILogger<CarteAuthPscSessionRevoker> logger)
    {
        _store = store;
        _signIn = signIn;
        _directory = directory;
        _audit = audit;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc/>
    public async ValueTask<string?> RevokeAsync(PscLogoutNotification notification, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        if (notification.SessionId is { } sid)
        {
            // §2.6: a sid names one session at the provider; end only the local sessions started under it.
            var sessions = await _store.FindByProviderSessionAsync(sid, ct).ConfigureAwait(false);
            if (sessions.Count > 0)
            {
                var now = _time.GetUtcNow();
                var ended = 0;
                foreach (var session in sessions)
                {
                    if (await _store.EndAsync(session.Id, now, CarteAuthSessionEndReasons.BackchannelLogout, ct).ConfigureAwait(false))
                    {
                        ended++;
                        await _audit.EndedAsync(session.NationalId, session.Id, CarteAuthSessionEndReasons.BackchannelLogout, null, now).ConfigureAwait(false);
                    }
                }

                CarteAuthAspNetCoreLog.BackchannelLogout(_logger, notification.Subject, sid, ended, sessions[0].NationalId);
                return sessions[0].NationalId;
            }
        }

        // §2.4: a logout token with only sub logs the user out of every session at this relying party.
        var idNat = await _directory.FindNationalIdAsync(notification.Subject, notification.SessionId, ct).ConfigureAwait(false);
        if (idNat is null && NationalId.TryParse(notification.Subject, out var fromSub))
        {
            idNat = fromSub.Value;
        }

        if (idNat is null)
        {
            CarteAuthAspNetCoreLog.BackchannelLogout(_logger, notification.Subject, notification.SessionId, 0, null);
            return null;
        }

        var count = await _signIn.EndAllSessionsAsync(idNat, CarteAuthSessionEndReasons.BackchannelLogout, ct).ConfigureAwait(false);
        CarteAuthAspNetCoreLog.BackchannelLogout(_logger, notification.Subject, notification.SessionId, count, idNat);
        return idNat;
    }
}
