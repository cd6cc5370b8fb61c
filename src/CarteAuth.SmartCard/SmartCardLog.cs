using CarteAuth.SmartCard.Revocation;
using Microsoft.Extensions.Logging;

namespace CarteAuth.SmartCard;

/// <summary>
/// Every source-generated log message of CarteAuth.SmartCard: certificate revocation (event ids 2100-2199) and the PKCS#11
/// card authenticator (2200-2299; PINs are never logged).
/// One class per assembly on purpose: the .NET 10 LoggerMessage source generator writes the log classes of an assembly
/// into one generated file in an order that varies between builds (dotnet/runtime#119587); that file is embedded in the
/// PDB, so with two classes two builds of one commit can get different MVIDs and PDB ids. With one class the output
/// cannot vary (a test in CarteAuth.Docs.Tests keeps it that way). The ILogger category stays the caller's.
/// </summary>
internal static partial class SmartCardLog
{
    // Revocation (Revocation/): event ids 2100-2199.

    /// <summary>Logs an unavailable revocation answer (event 2102) and passes the result through.</summary>
    public static RevocationCheckResult Report(ILogger logger, string serial, RevocationCheckResult result)
    {
        if (result.Status == RevocationStatus.Unavailable)
        {
            Failed(logger, serial, result.ReasonCode, result.Message);
        }

        return result;
    }

    [LoggerMessage(EventId = 2100, Level = LogLevel.Debug, Message = "Revocation status of {Serial} ({Source}): {Status}.")]
    public static partial void Checked(ILogger logger, string serial, string source, RevocationStatus status);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Certificate {Serial} is revoked (since {RevokedAt}), according to {Source}.")]
    public static partial void Revoked(ILogger logger, string serial, DateTimeOffset? revokedAt, string source);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Revocation check of {Serial} failed: {ReasonCode}: {Detail}")]
    public static partial void Failed(ILogger logger, string serial, string? reasonCode, string detail);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "DEGRADED MODE: certificate {Serial} accepted on its last good revocation answer of {LastGood} ({ReasonCode}: {Detail}).")]
    public static partial void DegradedAccept(ILogger logger, string serial, DateTimeOffset lastGood, string? reasonCode, string detail);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Debug, Message = "Downloaded the CRL {Url}: {Entries} entries, next update {NextUpdate}.")]
    public static partial void CrlDownloaded(ILogger logger, Uri url, int entries, DateTimeOffset? nextUpdate);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Debug, Message = "OCSP answer for {Serial} from {Url}: {Status}.")]
    public static partial void OcspAnswered(ILogger logger, string serial, Uri url, RevocationStatus status);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Information, Message = "OCSP check of {Serial} unavailable ({ReasonCode}); falling back to the CRL.")]
    public static partial void FallingBack(ILogger logger, string serial, string? reasonCode);

    // PKCS#11 card authenticator (Pkcs11/): event ids 2200-2299. PINs are never logged.
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
