using CarteAuth.Authentication;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CarteAuth.AspNetCore.Sessions;

/// <summary>The default <see cref="ICarteAuthSignInManager"/>.</summary>
internal sealed class CarteAuthSignInManager(
    SessionTokenIssuer issuer,
    ICarteAuthSessionStore store,
    IRevocationEpochStore epochs,
    CarteAuthSessionAudit audit,
    TimeProvider time,
    IOptionsMonitor<CarteAuthSessionOptions> sessionOptions,
    ILogger<CarteAuthSignInManager> logger,
    CarteAuthPairingService? pairing = null) : ICarteAuthSignInManager
{
    /// <summary>The evidence property the PSC authenticator records its <c>sid</c> in.</summary>
    internal const string ProviderSessionProperty = "psc.sid";

    public async Task<CarteAuthSession> SignInAsync(HttpContext context, AuthenticationEvidence evidence, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(evidence);
        var options = sessionOptions.Get(CarteAuthDefaults.AuthenticationScheme);

        // A browser has one session: signing in again (step-up, another professional) ends the previous one, so its
        // cookie value, if copied, stops working at once.
        var previous = await GetCurrentSessionAsync(context).ConfigureAwait(false);

        // HOSPI-Connect pairing (AddPairing): the local account of the session; refuses local methods of unpaired identities.
        var localAccount = pairing is null ? null : await pairing.ResolveForSignInAsync(context, evidence, ct).ConfigureAwait(false);
        var issued = await issuer.IssueAsync(evidence, null, ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var agent = context.Request.Headers.UserAgent.ToString();
        var session = new CarteAuthSession
        {
            Id = issued.SessionId,
            NationalId = evidence.Identity.NationalId.Value,
            EvidenceJson = EvidenceJson.Serialize(evidence),
            Authenticator = evidence.Authenticator,
            CreatedAt = now,
            LastSeenAt = now,
            IdleTimeout = options.IdleTimeout,
            AbsoluteExpiresAt = now + options.AbsoluteTimeout,
            ClientAddress = context.Connection.RemoteIpAddress?.ToString(),
            UserAgent = agent.Length == 0 ? null : agent.Length > 256 ? agent[..256] : agent,
            ProviderSessionId = evidence.Properties.TryGetValue(ProviderSessionProperty, out var sid) ? sid : null,
            LocalAccountId = localAccount,
        };

        // Fail closed: a session that cannot be audited is not started.
        await audit.StartedAsync(session, Amr.Format(evidence.Methods), ct).ConfigureAwait(false);
        try
        {
            await store.CreateAsync(session, ct).ConfigureAwait(false);
        }
        catch (CarteAuthException e)
        {
            // Its start is already in the trail but the session was not stored (no cookie is issued): the trail records
            // its end at once, with the store's reason code, so no audited session is left open that never existed.
            await audit.EndedAsync(session.NationalId, session.Id, e.ReasonCode, session.ClientAddress, now).ConfigureAwait(false);
            throw;
        }
        var properties = new AuthenticationProperties { ExpiresUtc = session.AbsoluteExpiresAt, IsPersistent = true };
        properties.Items[CarteAuthSessionHandler.TokenItem] = issued.Token;
        await context.SignInAsync(CarteAuthDefaults.AuthenticationScheme, CarteAuthPrincipalFactory.Create(evidence, session.Id, localAccountId: localAccount), properties).ConfigureAwait(false);
        context.Features.Set<ICarteAuthSessionFeature>(new CarteAuthSessionFeature(session, evidence));
        if (previous is not null && await store.EndAsync(previous.Session.Id, now, CarteAuthSessionEndReasons.Replaced, CancellationToken.None).ConfigureAwait(false))
        {
            CarteAuthAspNetCoreLog.SessionEnded(logger, previous.Session.Id, previous.Session.NationalId, CarteAuthSessionEndReasons.Replaced);
            await audit.EndedAsync(previous.Session.NationalId, previous.Session.Id, CarteAuthSessionEndReasons.Replaced, session.ClientAddress, now).ConfigureAwait(false);
        }

        CarteAuthAspNetCoreLog.SessionStarted(logger, session.Id, session.NationalId, session.Authenticator);
        return session;
    }

    public Task SignOutAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Features.Set<ICarteAuthSessionFeature>(null);
        return context.SignOutAsync(CarteAuthDefaults.AuthenticationScheme);
    }

    public async Task<int> SignOutEverywhereAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var current = await GetCurrentSessionAsync(context).ConfigureAwait(false);
        if (current is null)
        {
            await context.SignOutAsync(CarteAuthDefaults.AuthenticationScheme).ConfigureAwait(false);
            return 0;
        }

        var count = await EndAllSessionsAsync(current.Session.NationalId, CarteAuthSessionEndReasons.SignOutEverywhere, context.RequestAborted).ConfigureAwait(false);
        context.Features.Set<ICarteAuthSessionFeature>(null);
        await context.SignOutAsync(CarteAuthDefaults.AuthenticationScheme).ConfigureAwait(false);
        return count;
    }

    public async Task<int> EndAllSessionsAsync(string nationalId, string reason, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nationalId);
        ArgumentException.ThrowIfNullOrEmpty(reason);

        // Epoch first: even if the store update fails half-way, every token of the subject is already refused.
        var epoch = await epochs.RevokeAllAsync(nationalId, ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var count = await store.EndAllAsync(nationalId, now, reason, ct).ConfigureAwait(false);
        CarteAuthAspNetCoreLog.SignedOutEverywhere(logger, nationalId, count, reason, epoch);
        await audit.EndedAsync(nationalId, null, reason, null, now, CarteAuthSessionAudit.EndedEverywhere, count).ConfigureAwait(false);
        return count;
    }

    public async Task<ICarteAuthSessionFeature?> GetCurrentSessionAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<ICarteAuthSessionFeature>() is { } feature)
        {
            return feature;
        }

        await context.AuthenticateAsync(CarteAuthDefaults.AuthenticationScheme).ConfigureAwait(false);
        return context.Features.Get<ICarteAuthSessionFeature>();
    }

    public async Task<IReadOnlyList<CarteAuthSession>> ListSessionsAsync(string nationalId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nationalId);
        var now = time.GetUtcNow();
        var sessions = await store.ListAsync(nationalId, ct).ConfigureAwait(false);
        return [.. sessions.Where(s => s.IsActive(now))];
    }

    public async Task<bool> EndSessionAsync(HttpContext context, string sessionId)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sessionId);
        var current = await GetCurrentSessionAsync(context).ConfigureAwait(false);
        if (current is null)
        {
            return false;
        }

        var target = await store.GetAsync(sessionId, context.RequestAborted).ConfigureAwait(false);
        if (target is null || target.EndedAt is not null || !string.Equals(target.NationalId, current.Session.NationalId, StringComparison.Ordinal))
        {
            return false;
        }

        var now = time.GetUtcNow();
        if (!await store.EndAsync(sessionId, now, CarteAuthSessionEndReasons.EndedByUser, context.RequestAborted).ConfigureAwait(false))
        {
            return false;
        }

        CarteAuthAspNetCoreLog.SessionEnded(logger, sessionId, target.NationalId, CarteAuthSessionEndReasons.EndedByUser);
        await audit.EndedAsync(target.NationalId, sessionId, CarteAuthSessionEndReasons.EndedByUser, context.Connection.RemoteIpAddress?.ToString(), now).ConfigureAwait(false);
        if (string.Equals(sessionId, current.Session.Id, StringComparison.Ordinal))
        {
            context.Features.Set<ICarteAuthSessionFeature>(null);
            await context.SignOutAsync(CarteAuthDefaults.AuthenticationScheme).ConfigureAwait(false);
        }

        return true;
    }
}
