using Microsoft.Extensions.Logging;

namespace CarteAuth.Oidc;

/// <summary>Log messages of the Pro Santé Connect client; event ids 2600-2699 are stable.</summary>
internal static partial class PscLog
{
    [LoggerMessage(EventId = 2600, Level = LogLevel.Information, Message = "Loaded the Pro Santé Connect discovery document of {Issuer} from {Url}.")]
    public static partial void DiscoveryLoaded(ILogger logger, string issuer, string url);

    [LoggerMessage(EventId = 2601, Level = LogLevel.Warning, Message = "Refreshing the Pro Santé Connect metadata from {Url} failed ({ReasonCode}): {Detail} Keeping the copy loaded at {LoadedAt:u}.")]
    public static partial void MetadataRefreshFailed(ILogger logger, string url, string reasonCode, string detail, DateTimeOffset loadedAt);

    [LoggerMessage(EventId = 2602, Level = LogLevel.Information, Message = "Loaded {Count} signing keys of {Issuer} from {Url}.")]
    public static partial void KeysLoaded(ILogger logger, int count, string issuer, string url);

    [LoggerMessage(EventId = 2603, Level = LogLevel.Information, Message = "A token names key id {Kid}, unknown to the cached JWKS: refreshing it.")]
    public static partial void UnknownKidRefresh(ILogger logger, string kid);

    [LoggerMessage(EventId = 2604, Level = LogLevel.Warning, Message = "A token names key id {Kid}, unknown to the JWKS; not refreshing again before {NextRefresh:u} (rate limit).")]
    public static partial void UnknownKidRateLimited(ILogger logger, string kid, DateTimeOffset nextRefresh);

    [LoggerMessage(EventId = 2605, Level = LogLevel.Warning, Message = "Pro Santé Connect token refused ({ReasonCode}): {Detail}")]
    public static partial void TokenRefused(ILogger logger, string reasonCode, string detail);

    [LoggerMessage(EventId = 2606, Level = LogLevel.Information, Message = "Pro Santé Connect sign-in of {Subject} at acr {Acr}.")]
    public static partial void SignedIn(ILogger logger, string subject, string? acr);

    [LoggerMessage(EventId = 2607, Level = LogLevel.Debug, Message = "CIBA request {AuthReqId}: {Status}, next poll in {Interval}.")]
    public static partial void CibaPoll(ILogger logger, string authReqId, string status, TimeSpan interval);

    [LoggerMessage(EventId = 2608, Level = LogLevel.Information, Message = "Back-channel logout for sub {Subject} sid {SessionId}: {Outcome}.")]
    public static partial void BackchannelLogout(ILogger logger, string? subject, string? sessionId, string outcome);
}
