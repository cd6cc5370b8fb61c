using Microsoft.Extensions.Logging;

namespace CarteAuth;

/// <summary>
/// Every source-generated log message of CarteAuth.Core, grouped by area (event ids 1000-1399). One class per assembly
/// on purpose: the .NET 10 LoggerMessage source generator writes the log classes of an assembly into one generated file
/// in an order that varies between builds (dotnet/runtime#119587); that file is embedded in the PDB, so with two classes
/// two builds of one commit can get different MVIDs and PDB ids. With one class the output cannot vary and the package is
/// byte-identical from build to build (a test in CarteAuth.Docs.Tests keeps it that way). The ILogger category stays the
/// caller's.
/// </summary>
internal static partial class CoreLog
{
    // Authentication (AuthenticationService): event ids 1000-1099.
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Authentication succeeded with {Authenticator} for {Subject} (correlation {CorrelationId}).")]
    public static partial void Succeeded(ILogger logger, string? authenticator, string? subject, string? correlationId);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Authentication failed with {Authenticator}: {ReasonCode} (subject {Subject}, correlation {CorrelationId}).")]
    public static partial void Failed(ILogger logger, string? authenticator, string? reasonCode, string? subject, string? correlationId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "The {Authenticator} authenticator threw; the attempt is refused (correlation {CorrelationId}).")]
    public static partial void AuthenticatorFailed(ILogger logger, Exception exception, string authenticator, string? correlationId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Critical, Message = "The audit trail could not record an authentication by {Authenticator} for {Subject} ({Outcome}); the attempt is refused.")]
    public static partial void AuditFailed(ILogger logger, Exception exception, string? authenticator, string? subject, string outcome);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Authentication refused without checking the credential ({ReasonCode}): {Key} is locked until {LockedUntil} (correlation {CorrelationId}).")]
    public static partial void LockedOut(ILogger logger, string reasonCode, string key, DateTimeOffset lockedUntil, string? correlationId);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "The attempt limiter could not count an attempt ({ReasonCode}).")]
    public static partial void CountFailed(ILogger logger, Exception exception, string reasonCode);

    // Policies (OptionsPolicyProvider, PolicyEvaluator): event ids 1100-1199.
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "CarteAuth policies compiled: {Count} policies.")]
    public static partial void PoliciesLoaded(ILogger logger, int count);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "CarteAuth policy configuration change rejected, the previous policies stay in force: {Problem}")]
    public static partial void PolicyReloadFailed(ILogger logger, Exception exception, string problem);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Debug, Message = "Policy {Policy}: {Result} ({ReasonCode}) for {Subject}.")]
    public static partial void Decided(ILogger logger, string policy, string result, string reasonCode, string? subject);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Warning, Message = "Break-glass access on policy {Policy} by {Subject}: {Reason}")]
    public static partial void BreakGlass(ILogger logger, string policy, string? subject, string? reason);

    // The event name stays "AuditFailed" (its name before the log classes were merged; 1003 has the same one).
    [LoggerMessage(EventId = 1112, EventName = "AuditFailed", Level = LogLevel.Critical, Message = "The audit trail could not record a decision of policy {Policy} for {Subject}; access is denied.")]
    public static partial void PolicyAuditFailed(ILogger logger, Exception exception, string policy, string? subject);

    // Session tokens (SessionTokenValidator): event ids 1200-1299.
    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Session token refused: {ReasonCode}: {Detail}")]
    public static partial void LogRefused(ILogger logger, string reasonCode, string detail);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Debug, Message = "Session token {TokenId} accepted (key {KeyId})")]
    public static partial void LogAccepted(ILogger logger, string tokenId, string keyId);

    // Audit trail (SqliteAuditStore): event ids 1300-1399.
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Created the CarteAuth audit schema (version {SchemaVersion}) in {Path}")]
    public static partial void SchemaCreated(ILogger logger, int schemaVersion, string path);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Debug, Message = "Opened the audit store {Path} (read-only: {ReadOnly})")]
    public static partial void StoreOpened(ILogger logger, string path, bool readOnly);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "The audit store {Path} uses the SQLite journal mode '{JournalMode}' instead of WAL; concurrent readers may wait for writers")]
    public static partial void NotWal(ILogger logger, string path, string journalMode);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Error, Message = "Could not record an audit event in {Path} ({ReasonCode}); the event was not recorded")]
    public static partial void AppendFailed(ILogger logger, Exception exception, string path, string reasonCode);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Error, Message = "Could not open the audit store {Path} ({ReasonCode})")]
    public static partial void OpenFailed(ILogger logger, Exception exception, string path, string reasonCode);
}
