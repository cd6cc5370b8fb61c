using CarteAuth.Identity;
using CarteAuth.Tokens;
using Microsoft.Extensions.Logging;

namespace CarteAuth.Oidc;

/// <summary>A validated back-channel logout: whose sessions to end.</summary>
/// <param name="Issuer">The provider.</param>
/// <param name="Subject">The provider's <c>sub</c>, when given.</param>
/// <param name="SessionId">The provider's <c>sid</c>, when given.</param>
public sealed record PscLogoutNotification(string Issuer, string? Subject, string? SessionId);

/// <summary>What a back-channel logout did.</summary>
/// <param name="Notification">The validated notification.</param>
/// <param name="RevokedNationalId">The professional whose CarteAuth sessions were revoked, or null when none was known.</param>
public sealed record PscLogoutResult(PscLogoutNotification Notification, string? RevokedNationalId);

/// <summary>Ends the local sessions named by a back-channel logout.</summary>
public interface IPscSessionRevoker
{
    /// <summary>Revokes the sessions; returns the idNat whose sessions were revoked, or null when the subject is unknown here.</summary>
    ValueTask<string?> RevokeAsync(PscLogoutNotification notification, CancellationToken ct = default);
}

/// <summary>
/// Revokes every CarteAuth session of the professional (Core's revocation epoch, "log out everywhere"): finds the idNat
/// of the <c>sid</c> or <c>sub</c> in the <see cref="IPscSubjectDirectory"/> filled at sign-in, else takes the
/// <c>sub</c> itself when it is an idNat.
/// </summary>
public sealed class RevocationEpochPscSessionRevoker(IRevocationEpochStore epochs, IPscSubjectDirectory directory) : IPscSessionRevoker
{
    /// <inheritdoc/>
    public async ValueTask<string?> RevokeAsync(PscLogoutNotification notification, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var idNat = await directory.FindNationalIdAsync(notification.Subject, notification.SessionId, ct).ConfigureAwait(false);
        if (idNat is null && NationalId.TryParse(notification.Subject, out var fromSub))
        {
            idNat = fromSub.Value;
        }

        if (idNat is null)
        {
            return null;
        }

        await epochs.RevokeAllAsync(idNat, ct).ConfigureAwait(false);
        return idNat;
    }
}

/// <summary>
/// Receives back-channel logout requests (OpenID Connect Back-Channel Logout 1.0 §2.5-2.8): validates the logout token
/// (§2.6) and revokes the local sessions through <see cref="IPscSessionRevoker"/>. The HTTP endpoint answers 200 on
/// success and 400 with <c>{"error":"invalid_request"}</c> when this throws <see cref="PscException"/> (§2.8).
/// </summary>
public sealed class PscBackchannelLogoutHandler
{
    private readonly PscTokenValidator _validator;
    private readonly IPscSessionRevoker _revoker;
    private readonly ILogger _logger;

    internal PscBackchannelLogoutHandler(PscTokenValidator validator, IPscSessionRevoker revoker, ILogger logger)
    {
        _validator = validator;
        _revoker = revoker;
        _logger = logger;
    }

    /// <summary>Handles the form body of the POST (<c>application/x-www-form-urlencoded</c>, §2.5) holding <c>logout_token</c>.</summary>
    /// <exception cref="PscException"><c>psc.logout-token-invalid</c> and the token codes.</exception>
    public Task<PscLogoutResult> HandleFormAsync(string formBody, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(formBody);
        string? token = null;
        foreach (var pair in formBody.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '));
            if (name == "logout_token")
            {
                if (token is not null)
                {
                    throw new PscException(ReasonCodes.PscLogoutTokenInvalid, "The back-channel logout request holds logout_token twice (OpenID Connect Back-Channel Logout 1.0 §2.5).");
                }

                token = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            }
        }

        return string.IsNullOrEmpty(token)
            ? throw new PscException(ReasonCodes.PscLogoutTokenInvalid, "The back-channel logout request has no logout_token parameter (OpenID Connect Back-Channel Logout 1.0 §2.5).")
            : HandleAsync(token, ct);
    }

    /// <summary>Validates a logout token and revokes the sessions it names.</summary>
    /// <exception cref="PscException"><c>psc.logout-token-invalid</c> and the token codes.</exception>
    public async Task<PscLogoutResult> HandleAsync(string logoutToken, CancellationToken ct = default)
    {
        var token = await _validator.ValidateLogoutTokenAsync(logoutToken, ct).ConfigureAwait(false);
        token.TryGetPayloadValue<string>("sub", out var sub);
        token.TryGetPayloadValue<string>("sid", out var sid);
        var notification = new PscLogoutNotification(token.Issuer, string.IsNullOrEmpty(sub) ? null : sub, string.IsNullOrEmpty(sid) ? null : sid);
        var revoked = await _revoker.RevokeAsync(notification, ct).ConfigureAwait(false);
        PscLog.BackchannelLogout(_logger, notification.Subject, notification.SessionId, revoked is null ? "no local session known" : $"sessions of {revoked} revoked");
        return new PscLogoutResult(notification, revoked);
    }
}
