using Microsoft.Extensions.Logging;

namespace CarteAuth.SmartCard.Pkcs11;

/// <summary>Log messages of the PKCS#11 card authenticator (event ids 2200-2299). PINs are never logged.</summary>
internal static partial class Pkcs11Log
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "PKCS#11 module {ModulePath} loaded ({Manufacturer}, {Description}).")]
    public static partial void ModuleLoaded(ILogger logger, string modulePath, string manufacturer, string description);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "PKCS#11 module {ModulePath} cannot be used: {ReasonCode}.")]
    public static partial void ModuleFailed(ILogger logger, string modulePath, string reasonCode, Exception? exception);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Debug, Message = "Token {TokenLabel} (slot {SlotId}) selected; certificate {Subject} with CKA_ID {KeyId}.")]
    public static partial void TokenSelected(ILogger logger, string tokenLabel, ulong slotId, string subject, string keyId);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "Card operation on token {TokenLabel} refused: {ReasonCode} ({ReturnValue}).")]
    public static partial void CardRefused(ILogger logger, string tokenLabel, string reasonCode, string? returnValue);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Information, Message = "Challenge {ChallengeId} signed with the card of token {TokenLabel} ({Subject}).")]
    public static partial void ChallengeSigned(ILogger logger, string challengeId, string tokenLabel, string subject);

    [LoggerMessage(EventId = 2220, Level = LogLevel.Debug, Message = "Card challenge {ChallengeId} issued, expires at {ExpiresAt:O}.")]
    public static partial void ChallengeIssued(ILogger logger, string challengeId, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 2230, Level = LogLevel.Information, Message = "Card response to challenge {ChallengeId} verified for {Subject}.")]
    public static partial void ResponseVerified(ILogger logger, string challengeId, string subject);

    [LoggerMessage(EventId = 2231, Level = LogLevel.Warning, Message = "Card response to challenge {ChallengeId} refused: {ReasonCode}: {Detail}")]
    public static partial void ResponseRefused(ILogger logger, string reasonCode, string challengeId, string detail);
}
