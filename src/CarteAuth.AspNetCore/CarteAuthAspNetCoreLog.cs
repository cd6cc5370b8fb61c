using Microsoft.Extensions.Logging;

namespace CarteAuth.AspNetCore;

/// <summary>Log messages of CarteAuth.AspNetCore: event ids 3000-3099.</summary>
internal static partial class CarteAuthAspNetCoreLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Debug, Message = "CarteAuth session {SessionId} of {Subject} authenticated the request.")]
    public static partial void SessionValidated(ILogger logger, string sessionId, string subject);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "CarteAuth session cookie refused ({ReasonCode}): {Problem}")]
    public static partial void SessionRejected(ILogger logger, string reasonCode, string problem);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "CarteAuth session {SessionId} started for {Subject} by {Authenticator}.")]
    public static partial void SessionStarted(ILogger logger, string sessionId, string subject, string authenticator);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "CarteAuth session {SessionId} of {Subject} ended ({Reason}).")]
    public static partial void SessionEnded(ILogger logger, string sessionId, string subject, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "CarteAuth sessions of {Subject} ended everywhere ({Count} sessions, {Reason}); revocation epoch now {Epoch}.")]
    public static partial void SignedOutEverywhere(ILogger logger, string subject, int count, string reason, long epoch);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "CarteAuth session {SessionId}: token renewed, now expiring at {ExpiresAt:O}.")]
    public static partial void TokenRenewed(ILogger logger, string sessionId, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Error, Message = "CarteAuth session store failed ({ReasonCode}); the request is anonymous.")]
    public static partial void StoreFailed(ILogger logger, Exception exception, string reasonCode);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Error, Message = "CarteAuth could not audit the session event {Result} of {Subject}.")]
    public static partial void AuditFailed(ILogger logger, Exception exception, string result, string subject);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Error, Message = "CarteAuth could not audit a {Authenticator} login refused before authentication ({ReasonCode}); it stays refused.")]
    public static partial void RefusedLoginNotAudited(ILogger logger, Exception exception, string authenticator, string? reasonCode);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "CarteAuth policy {Policy} asks for a step-up ({ReasonCode}): {Requirement}.")]
    public static partial void StepUpChallenge(ILogger logger, string policy, string reasonCode, string requirement);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "CarteAuth policy {Policy} denied the request ({ReasonCode}).")]
    public static partial void PolicyDenied(ILogger logger, string policy, string reasonCode);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "CarteAuth refused a cross-site {Method} to {Path} (Origin {Origin}, Sec-Fetch-Site {FetchSite}).")]
    public static partial void CrossSiteRefused(ILogger logger, string method, string path, string? origin, string? fetchSite);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "CarteAuth back-channel logout (sub {ProviderSubject}, sid {ProviderSessionId}) ended {Count} local sessions of {Subject}.")]
    public static partial void BackchannelLogout(ILogger logger, string? providerSubject, string? providerSessionId, int count, string? subject);

    [LoggerMessage(EventId = 3040, Level = LogLevel.Information, Message = "CarteAuth purged {Count} sessions ended or expired before {Before:O}.")]
    public static partial void SessionsPurged(ILogger logger, int count, DateTimeOffset before);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Error, Message = "CarteAuth session purge failed ({ReasonCode}); retrying at the next interval.")]
    public static partial void SessionPurgeFailed(ILogger logger, Exception exception, string reasonCode);

    [LoggerMessage(EventId = 3050, Level = LogLevel.Information, Message = "CarteAuth paired {Subject} with local account {LocalAccount} ({Authenticator} sign-in).")]
    public static partial void PairingMade(ILogger logger, string subject, string localAccount, string authenticator);

    [LoggerMessage(EventId = 3051, Level = LogLevel.Information, Message = "CarteAuth unpaired {Subject} from local account {LocalAccount}: {KeysDeleted} keys deleted, {SessionsEnded} local-method sessions ended.")]
    public static partial void PairingEnded(ILogger logger, string subject, string localAccount, int keysDeleted, int sessionsEnded);

    [LoggerMessage(EventId = 3052, Level = LogLevel.Warning, Message = "CarteAuth refused a {Authenticator} sign-in of {Subject}: no active pairing.")]
    public static partial void LocalMethodRefused(ILogger logger, string subject, string authenticator);

    [LoggerMessage(EventId = 3053, Level = LogLevel.Warning, Message = "CarteAuth national sign-in of {Subject} continues without pairing ({ReasonCode}).")]
    public static partial void PairingSkipped(ILogger logger, Exception exception, string subject, string reasonCode);
}
