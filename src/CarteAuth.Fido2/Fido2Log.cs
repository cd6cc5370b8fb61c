using Microsoft.Extensions.Logging;

namespace CarteAuth.Fido2;

/// <summary>
/// Every source-generated log message of CarteAuth.Fido2: the WebAuthn relying party (event ids 2400-2499; challenges and
/// keys are never logged) and the FIDO Metadata Service (2500-2549).
/// One class per assembly on purpose: the .NET 10 LoggerMessage source generator writes the log classes of an assembly
/// into one generated file in an order that varies between builds (dotnet/runtime#119587); that file is embedded in the
/// PDB, so with two classes two builds of one commit can get different MVIDs and PDB ids. With one class the output
/// cannot vary (a test in CarteAuth.Docs.Tests keeps it that way). The ILogger category stays the caller's.
/// </summary>
internal static partial class Fido2Log
{
    // WebAuthn relying party (Fido2RelyingParty): event ids 2400-2499.
    [LoggerMessage(EventId = 2400, Level = LogLevel.Debug, Message = "WebAuthn registration options issued for {Subject} (level {Level}, {ExcludedCount} excluded credential(s)).")]
    public static partial void RegistrationOptionsIssued(ILogger logger, string subject, string level, int excludedCount);

    [LoggerMessage(EventId = 2401, Level = LogLevel.Information, Message = "WebAuthn credential {CredentialId} registered for {Subject} (fmt {Format}, attestation {AttestationType}, trusted {Trusted}, AAGUID {Aaguid}, BE {BackupEligible}).")]
    public static partial void CredentialRegistered(ILogger logger, string credentialId, string subject, string format, string attestationType, bool trusted, Guid aaguid, bool backupEligible);

    [LoggerMessage(EventId = 2402, Level = LogLevel.Warning, Message = "WebAuthn registration refused: {ReasonCode}: {Detail}")]
    public static partial void RegistrationRefused(ILogger logger, string reasonCode, string detail);

    [LoggerMessage(EventId = 2410, Level = LogLevel.Debug, Message = "WebAuthn assertion options issued (level {Level}, {AllowedCount} allowed credential(s)).")]
    public static partial void AssertionOptionsIssued(ILogger logger, string level, int allowedCount);

    [LoggerMessage(EventId = 2411, Level = LogLevel.Information, Message = "WebAuthn assertion with credential {CredentialId} verified for {Subject} (UV {UserVerified}, BE {BackupEligible}, BS {BackedUp}, sign count {SignCount}).")]
    public static partial void AssertionVerified(ILogger logger, string credentialId, string subject, bool userVerified, bool backupEligible, bool backedUp, uint signCount);

    [LoggerMessage(EventId = 2412, Level = LogLevel.Warning, Message = "WebAuthn assertion refused: {ReasonCode}: {Detail}")]
    public static partial void AssertionRefused(ILogger logger, string reasonCode, string detail);

    [LoggerMessage(EventId = 2413, Level = LogLevel.Error, Message = "WebAuthn signature counter regression for credential {CredentialId} of {Subject}: stored {StoredCount}, received {ReceivedCount}. The authenticator may have been cloned.")]
    public static partial void CounterRegression(ILogger logger, string credentialId, string subject, uint storedCount, uint receivedCount);

    // FIDO Metadata Service (Metadata/FidoMetadataService): event ids 2500-2549.
    [LoggerMessage(EventId = 2500, Level = LogLevel.Information, Message = "Loaded the FIDO metadata BLOB no {Number} from {Source}: {Entries} entries, next update {NextUpdate:yyyy-MM-dd}.")]
    public static partial void Loaded(ILogger logger, long number, string source, int entries, DateTimeOffset nextUpdate);

    [LoggerMessage(EventId = 2501, Level = LogLevel.Information, Message = "The FIDO metadata BLOB from {Source} is no {Number}, the one in use: nothing new.")]
    public static partial void NotNewer(ILogger logger, string source, long number);

    [LoggerMessage(EventId = 2502, Level = LogLevel.Warning, Message = "The FIDO metadata BLOB from {Source} is no {Number}, older than the one in use (no {Current}): ignored as a rollback (FIDO MDS 3.0 §3.2).")]
    public static partial void RolledBack(ILogger logger, string source, long number, long current);

    [LoggerMessage(EventId = 2503, Level = LogLevel.Warning, Message = "FIDO metadata refresh from {Source} failed ({ReasonCode}): {Detail} Keeping BLOB no {Current} (next update {NextUpdate:yyyy-MM-dd}); next attempt after {NextAttempt:u}.")]
    public static partial void RefreshFailedKeeping(ILogger logger, string source, string reasonCode, string detail, long current, DateTimeOffset nextUpdate, DateTimeOffset nextAttempt);

    [LoggerMessage(EventId = 2504, Level = LogLevel.Error, Message = "FIDO metadata refresh from {Source} failed ({ReasonCode}) and no BLOB is loaded: {Detail} Next attempt after {NextAttempt:u}.")]
    public static partial void RefreshFailedEmpty(ILogger logger, string source, string reasonCode, string detail, DateTimeOffset nextAttempt);

    [LoggerMessage(EventId = 2505, Level = LogLevel.Error, Message = "The FIDO metadata BLOB no {Current} is past its next update {NextUpdate:yyyy-MM-dd} by more than {Grace} and no newer one could be loaded: metadata lookups now fail.")]
    public static partial void PastGrace(ILogger logger, long current, DateTimeOffset nextUpdate, TimeSpan grace);

    [LoggerMessage(EventId = 2506, Level = LogLevel.Warning, Message = "FIDO metadata BLOB no {Number}: {Count} malformed entries, skipped or kept without their unreadable parts, e.g. {Examples}.")]
    public static partial void MalformedEntries(ILogger logger, long number, int count, string examples);

    [LoggerMessage(EventId = 2507, Level = LogLevel.Information, Message = "Loaded the cached FIDO metadata BLOB no {Number} from {Path} (next update {NextUpdate:yyyy-MM-dd}).")]
    public static partial void CacheLoaded(ILogger logger, long number, string path, DateTimeOffset nextUpdate);

    [LoggerMessage(EventId = 2508, Level = LogLevel.Warning, Message = "The cached FIDO metadata BLOB {Path} is not used ({ReasonCode}): {Detail}")]
    public static partial void CacheRefused(ILogger logger, string path, string reasonCode, string detail);

    [LoggerMessage(EventId = 2509, Level = LogLevel.Warning, Message = "The FIDO metadata BLOB could not be written to the cache file {Path}: {Detail}")]
    public static partial void CacheWriteFailed(ILogger logger, string path, string detail);

    [LoggerMessage(EventId = 2510, Level = LogLevel.Debug, Message = "Fetching the FIDO metadata BLOB from {Source}.")]
    public static partial void Fetching(ILogger logger, string source);
}
