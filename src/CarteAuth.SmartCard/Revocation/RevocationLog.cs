using Microsoft.Extensions.Logging;

namespace CarteAuth.SmartCard.Revocation;

/// <summary>Revocation log messages (event ids 2100-2199).</summary>
internal static partial class RevocationLog
{
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
}
