using Microsoft.Extensions.Logging;

namespace CarteAuth.Fido2;

/// <summary>Log messages of the WebAuthn relying party (event ids 2400-2499). Challenges and keys are never logged.</summary>
internal static partial class Fido2Log
{
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
}
