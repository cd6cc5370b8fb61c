using CarteAuth.Audit;
using Microsoft.Extensions.Logging;

namespace CarteAuth.AspNetCore.Sessions;

/// <summary>Records session events (kind <see cref="CarteAuthDefaults.SessionAuditKind"/>) in the audit trail.</summary>
internal sealed class CarteAuthSessionAudit(IAuditTrail audit, CarteAuthMetrics metrics, ILogger<CarteAuthSessionAudit> logger)
{
    /// <summary>Audit result of a session start.</summary>
    public const string Started = "started";

    /// <summary>Audit result of a session end.</summary>
    public const string Ended = "ended";

    /// <summary>Audit result of a sign out everywhere.</summary>
    public const string EndedEverywhere = "ended-everywhere";

    /// <summary>Records a session start; throws when it cannot be recorded (the sign-in then fails: fail closed).</summary>
    public async ValueTask StartedAsync(CarteAuthSession session, string methods, CancellationToken ct)
    {
        await audit.AppendAsync(new AuditEntry
        {
            Kind = CarteAuthDefaults.SessionAuditKind,
            Result = Started,
            Subject = session.NationalId,
            Methods = methods,
            Authenticator = session.Authenticator,
            ClientAddress = session.ClientAddress,
            CorrelationId = session.Id,
            Timestamp = session.CreatedAt,
        }, ct).ConfigureAwait(false);
        metrics.SessionStarted(session.Authenticator);
    }

    /// <summary>Audit kind of FIDO2 key registrations through the CarteAuth endpoints.</summary>
    public const string Fido2RegistrationKind = "fido2-registration";

    /// <summary>Records a FIDO2 registration attempt; a failure is logged, never thrown.</summary>
    public async ValueTask<CarteAuthException?> Fido2RegistrationAsync(string subject, string sessionId, bool succeeded, string reasonCode, string? credentialId, string? clientAddress)
    {
        try
        {
            await audit.AppendAsync(new AuditEntry
            {
                Kind = Fido2RegistrationKind,
                Result = succeeded ? AuditResults.Success : AuditResults.Failure,
                Subject = subject,
                Authenticator = "fido2",
                ReasonCode = reasonCode,
                ClientAddress = clientAddress,
                CorrelationId = sessionId,
                Detail = credentialId is null ? null : "credential " + credentialId,
            }, CancellationToken.None).ConfigureAwait(false);
            return null;
        }
        catch (CarteAuthException e)
        {
            CarteAuthAspNetCoreLog.AuditFailed(logger, e, Fido2RegistrationKind, subject);
            return e;
        }
    }

    /// <summary>Audit kind of FIDO2 key management (deletions) through the CarteAuth endpoints.</summary>
    public const string Fido2CredentialKind = "fido2-credential";

    /// <summary>Audit result of a key deletion.</summary>
    public const string Deleted = "deleted";

    /// <summary>Why a key was deleted: by its owner from the key list.</summary>
    public const string KeyDeletedByOwner = "deleted-by-owner";

    /// <summary>Records a FIDO2 key deletion before it happens; throws when it cannot be recorded (the key is then kept: fail closed).</summary>
    public async ValueTask Fido2CredentialDeletedAsync(string subject, string? sessionId, string credentialId, string reason, string? clientAddress, CancellationToken ct)
    {
        await audit.AppendAsync(new AuditEntry
        {
            Kind = Fido2CredentialKind,
            Result = Deleted,
            Subject = subject,
            Authenticator = "fido2",
            ReasonCode = reason,
            ClientAddress = clientAddress,
            CorrelationId = sessionId,
            Detail = "credential " + credentialId,
        }, ct).ConfigureAwait(false);
    }

    /// <summary>Records a session end; a failure is logged, never thrown (signing out must work).</summary>
    public async ValueTask EndedAsync(string subject, string? sessionId, string reason, string? clientAddress, DateTimeOffset at, string result = Ended, int count = 1)
    {
        metrics.SessionsEnded(reason, count);
        try
        {
            await audit.AppendAsync(new AuditEntry
            {
                Kind = CarteAuthDefaults.SessionAuditKind,
                Result = result,
                Subject = subject,
                ReasonCode = reason,
                ClientAddress = clientAddress,
                CorrelationId = sessionId,
                Timestamp = at,
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (CarteAuthException e)
        {
            CarteAuthAspNetCoreLog.AuditFailed(logger, e, result, subject);
        }
    }
}
