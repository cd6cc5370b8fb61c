using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace CarteAuth.Fido2.Metadata;

/// <summary>What is known about the metadata BLOB in use.</summary>
/// <param name="Number">Its serial number (<c>no</c>).</param>
/// <param name="NextUpdate">The date by which a newer BLOB is published (<c>nextUpdate</c>, midnight UTC).</param>
/// <param name="LegalHeader">Its legal header, if any.</param>
/// <param name="EntryCount">How many entries were indexed (by AAGUID or attestation key identifier).</param>
/// <param name="MalformedEntryCount">How many entries were malformed: skipped (bad AAGUID, duplicate) or indexed without their unreadable parts.</param>
/// <param name="LoadedAt">When this service verified it.</param>
public sealed record MetadataBlobInfo(long Number, DateTimeOffset NextUpdate, string? LegalHeader, int EntryCount, int MalformedEntryCount, DateTimeOffset LoadedAt);

/// <summary>A verified, parsed metadata BLOB payload (FIDO MDS 3.0 §3.1.6 MetadataBLOBPayload), indexed for lookups.</summary>
internal sealed class MetadataBlob
{
    /// <summary>Most attestation root certificates read per entry.</summary>
    internal const int MaxRootsPerEntry = 64;

    /// <summary>Most attestation certificate key identifiers read per entry.</summary>
    internal const int MaxKeyIdentifiersPerEntry = 1024;

    /// <summary>Most status reports read per entry.</summary>
    internal const int MaxStatusReportsPerEntry = 256;

    // Duplicate members are tolerated in the signed payload (the last one counts): one quirk must not make the whole
    // BLOB, and so every status report, unusable.
    private static readonly JsonDocumentOptions Json = new() { MaxDepth = 64 };

    private readonly Dictionary<Guid, MetadataEntry> _byAaguid;
    private readonly Dictionary<string, MetadataEntry> _byKeyIdentifier;

    private MetadataBlob(MetadataBlobInfo info, Dictionary<Guid, MetadataEntry> byAaguid, Dictionary<string, MetadataEntry> byKeyIdentifier, IReadOnlyList<string> problems)
    {
        Info = info;
        _byAaguid = byAaguid;
        _byKeyIdentifier = byKeyIdentifier;
        Problems = problems;
    }

    public MetadataBlobInfo Info { get; }

    /// <summary>What was wrong with malformed entries (at most 20 kept).</summary>
    public IReadOnlyList<string> Problems { get; }

    public MetadataEntry? Find(Guid aaguid) => _byAaguid.GetValueOrDefault(aaguid);

    public MetadataEntry? FindByKeyIdentifier(string keyIdentifierHex) => _byKeyIdentifier.GetValueOrDefault(keyIdentifierHex);

    /// <summary>
    /// Parses a verified payload. Missing or mistyped <c>no</c>, <c>nextUpdate</c> or <c>entries</c> refuse the BLOB
    /// (<see cref="ReasonCodes.WebAuthnMetadataInvalid"/>); a malformed entry is skipped; unknown fields and statuses are ignored.
    /// </summary>
    public static MetadataBlob Parse(byte[] payload, DateTimeOffset loadedAt)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload, Json);
        }
        catch (JsonException e)
        {
            throw MetadataBlobJws.Invalid($"its payload is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw MetadataBlobJws.Invalid("its payload is not a JSON object.");
            }

            // §3.1.6: no (serial number, integer), nextUpdate (ISO-8601 date) and entries are required.
            if (!root.TryGetProperty("no", out var no) || no.ValueKind != JsonValueKind.Number || !no.TryGetInt64(out var number) || number < 0)
            {
                throw MetadataBlobJws.Invalid("its payload has no valid serial number \"no\" (a non-negative integer).");
            }

            if (!root.TryGetProperty("nextUpdate", out var next) || ReadDate(next) is not { } nextDate)
            {
                throw MetadataBlobJws.Invalid("its payload has no valid \"nextUpdate\" date (YYYY-MM-DD).");
            }

            if (!root.TryGetProperty("entries", out var entries) || entries.ValueKind != JsonValueKind.Array)
            {
                throw MetadataBlobJws.Invalid("its payload has no \"entries\" array.");
            }

            var legalHeader = root.TryGetProperty("legalHeader", out var legal) && legal.ValueKind == JsonValueKind.String ? legal.GetString() : null;
            var byAaguid = new Dictionary<Guid, MetadataEntry>();
            var byKeyIdentifier = new Dictionary<string, MetadataEntry>(StringComparer.Ordinal);
            var problems = new List<string>();
            var problemCount = 0;
            var indexed = 0;
            var index = 0;
            foreach (var item in entries.EnumerateArray())
            {
                var (entry, problem) = ReadEntry(item);
                if (entry is not null)
                {
                    indexed++;
                    if (entry.Aaguid != Guid.Empty && !byAaguid.TryAdd(entry.Aaguid, entry))
                    {
                        // Fail safe: of two entries for one model, a compromised one wins; otherwise the first is kept.
                        problem = $"AAGUID {entry.Aaguid} appears twice";
                        indexed--;
                        if (entry.IsCompromised && !byAaguid[entry.Aaguid].IsCompromised)
                        {
                            byAaguid[entry.Aaguid] = entry;
                        }
                    }

                    foreach (var keyIdentifier in entry.AttestationCertificateKeyIdentifiers)
                    {
                        if (!byKeyIdentifier.TryAdd(keyIdentifier, entry) && entry.IsCompromised)
                        {
                            byKeyIdentifier[keyIdentifier] = entry;
                        }
                    }
                }

                if (problem is not null)
                {
                    problemCount++;
                    if (problems.Count < 20)
                    {
                        problems.Add($"entries[{index}]: {problem}");
                    }
                }

                index++;
            }

            var nextUpdate = new DateTimeOffset(nextDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var info = new MetadataBlobInfo(number, nextUpdate, legalHeader, indexed, problemCount, loadedAt);
            return new MetadataBlob(info, byAaguid, byKeyIdentifier, problems);
        }
    }

    /// <summary>
    /// One MetadataBLOBPayloadEntry (§3.1.1). Fail safe: an entry that can be indexed is kept even when parts of it are
    /// unreadable (an unreadable certificate is left out, an unreadable status report counts as an unknown status), so
    /// its status reports (e.g. REVOKED) are never lost to a formatting error; the problem is reported for the log.
    /// Entries that cannot be indexed (bad AAGUID) are skipped; UAF entries (no AAGUID, no key identifier) quietly.
    /// </summary>
    private static (MetadataEntry? Entry, string? Problem) ReadEntry(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return (null, "not a JSON object");
        }

        var aaguid = Guid.Empty;
        if (item.TryGetProperty("aaguid", out var aaguidElement)
            && (aaguidElement.ValueKind != JsonValueKind.String || !Guid.TryParseExact(aaguidElement.GetString(), "D", out aaguid)))
        {
            return (null, "\"aaguid\" is not a UUID string");
        }

        var keyIdentifiers = new List<string>();
        if (item.TryGetProperty("attestationCertificateKeyIdentifiers", out var ids) && ids.ValueKind == JsonValueKind.Array)
        {
            foreach (var id in ids.EnumerateArray())
            {
                if (keyIdentifiers.Count < MaxKeyIdentifiersPerEntry && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 and <= 128 } hex && IsHex(hex))
                {
                    keyIdentifiers.Add(hex.ToLowerInvariant());
                }
            }
        }

        if (aaguid == Guid.Empty && keyIdentifiers.Count == 0)
        {
            // UAF entries (aaid) and entries without any identifier cannot be looked up by a WebAuthn relying party.
            return (null, null);
        }

        string? problem = null;
        var reports = new List<MetadataStatusReport>();
        if (!item.TryGetProperty("statusReports", out var reportsElement) || reportsElement.ValueKind != JsonValueKind.Array)
        {
            problem = "no \"statusReports\" array";
        }
        else
        {
            foreach (var reportElement in reportsElement.EnumerateArray())
            {
                if (reports.Count == MaxStatusReportsPerEntry)
                {
                    problem = $"more than {MaxStatusReportsPerEntry} status reports; the first ones are kept";
                    break;
                }

                var (report, reportProblem) = ReadStatusReport(reportElement);
                reports.Add(report);
                problem ??= reportProblem;
            }
        }

        var description = string.Empty;
        var roots = new List<X509Certificate2>();
        if (item.TryGetProperty("metadataStatement", out var statement) && statement.ValueKind == JsonValueKind.Object)
        {
            if (statement.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String)
            {
                description = d.GetString()!;
            }

            if (statement.TryGetProperty("attestationRootCertificates", out var rootsElement) && rootsElement.ValueKind == JsonValueKind.Array)
            {
                foreach (var rootElement in rootsElement.EnumerateArray())
                {
                    if (roots.Count == MaxRootsPerEntry)
                    {
                        problem ??= $"more than {MaxRootsPerEntry} attestation root certificates; the first ones are kept";
                        break;
                    }

                    if (ReadCertificate(rootElement) is { } certificate)
                    {
                        roots.Add(certificate);
                    }
                    else
                    {
                        problem ??= "an attestation root certificate is not a base64 DER X.509 certificate and is left out";
                    }
                }
            }
        }

        var latest = Latest(reports);
        DateOnly? lastChange = item.TryGetProperty("timeOfLastStatusChange", out var change) ? ReadDate(change) : null;
        return (new MetadataEntry(aaguid, description, roots, reports)
        {
            LatestStatus = latest?.Status,
            IsCompromised = latest is { } l && IsCompromising(l),
            TimeOfLastStatusChange = lastChange,
            AttestationCertificateKeyIdentifiers = keyIdentifiers,
        }, problem);
    }

    /// <summary>A status report; an unreadable one counts as an unknown status, an unreadable certificate as none (so ATTESTATION_KEY_COMPROMISE then covers every key).</summary>
    private static (MetadataStatusReport Report, string? Problem) ReadStatusReport(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("status", out var statusElement) || statusElement.ValueKind != JsonValueKind.String)
        {
            return (new MetadataStatusReport(AuthenticatorStatus.Unknown, null, null), "a status report has no \"status\" string");
        }

        var status = ParseStatus(statusElement.GetString()!);
        DateOnly? effective = element.TryGetProperty("effectiveDate", out var date) ? ReadDate(date) : null;
        byte[]? certificate = null;
        string? problem = null;
        if (element.TryGetProperty("certificate", out var certificateElement))
        {
            certificate = ReadCertificateDer(certificateElement);
            problem = certificate is null ? "a status report's \"certificate\" is not base64 DER" : null;
        }

        return (new MetadataStatusReport(status, effective, certificate), problem);
    }

    /// <summary>
    /// The current status report (§3.1.1: the latest one): the one with the latest <c>effectiveDate</c>; among equal
    /// dates (or none), the one listed last.
    /// </summary>
    internal static MetadataStatusReport? Latest(IReadOnlyList<MetadataStatusReport> reports)
    {
        MetadataStatusReport? latest = null;
        foreach (var report in reports)
        {
            if (latest is null || (report.EffectiveDate ?? DateOnly.MinValue) >= (latest.EffectiveDate ?? DateOnly.MinValue))
            {
                latest = report;
            }
        }

        return latest;
    }

    /// <summary>
    /// Statuses that make a model untrusted (§3.1.4): REVOKED, USER_VERIFICATION_BYPASS, USER_KEY_REMOTE_COMPROMISE,
    /// USER_KEY_PHYSICAL_COMPROMISE, and ATTESTATION_KEY_COMPROMISE when no specific certificate is named (all keys).
    /// </summary>
    internal static bool IsCompromising(MetadataStatusReport report) => report.Status switch
    {
        AuthenticatorStatus.Revoked or AuthenticatorStatus.UserVerificationBypass or AuthenticatorStatus.UserKeyRemoteCompromise or AuthenticatorStatus.UserKeyPhysicalCompromise => true,
        AuthenticatorStatus.AttestationKeyCompromise => report.Certificate is null,
        _ => false,
    };

    /// <summary>§3.1.4 AuthenticatorStatus; values this version does not know are <see cref="AuthenticatorStatus.Unknown"/>.</summary>
    internal static AuthenticatorStatus ParseStatus(string status) => status switch
    {
        "NOT_FIDO_CERTIFIED" => AuthenticatorStatus.NotFidoCertified,
        "FIDO_CERTIFIED" or "FIDO_CERTIFIED_L1" or "FIDO_CERTIFIED_L1plus" or "FIDO_CERTIFIED_L2" or "FIDO_CERTIFIED_L2plus"
            or "FIDO_CERTIFIED_L3" or "FIDO_CERTIFIED_L3plus" => AuthenticatorStatus.FidoCertified,
        "USER_VERIFICATION_BYPASS" => AuthenticatorStatus.UserVerificationBypass,
        "ATTESTATION_KEY_COMPROMISE" => AuthenticatorStatus.AttestationKeyCompromise,
        "USER_KEY_REMOTE_COMPROMISE" => AuthenticatorStatus.UserKeyRemoteCompromise,
        "USER_KEY_PHYSICAL_COMPROMISE" => AuthenticatorStatus.UserKeyPhysicalCompromise,
        "UPDATE_AVAILABLE" => AuthenticatorStatus.UpdateAvailable,
        "REVOKED" => AuthenticatorStatus.Revoked,
        "SELF_ASSERTION_SUBMITTED" => AuthenticatorStatus.SelfAssertionSubmitted,
        _ => AuthenticatorStatus.Unknown,
    };

    /// <summary>An ISO-8601 date (YYYY-MM-DD; a full date-time is accepted and cut to its UTC date), or null.</summary>
    private static DateOnly? ReadDate(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.String || element.GetString() is not { Length: > 0 and <= 64 } text)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var moment)
            ? DateOnly.FromDateTime(moment.UtcDateTime)
            : null;
    }

    /// <summary>Base64 (standard alphabet, as the spec's examples) DER, at most <see cref="MetadataBlobJws.MaxCertificateBytes"/> bytes; null when not.</summary>
    private static byte[]? ReadCertificateDer(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.String || element.GetString() is not { Length: > 0 } text || text.Length > MetadataBlobJws.MaxCertificateBytes * 4 / 3 + 4)
        {
            return null;
        }

        var buffer = new byte[(text.Length / 4 * 3) + 3];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer.AsSpan(0, written).ToArray() : null;
    }

    private static X509Certificate2? ReadCertificate(JsonElement element)
    {
        if (ReadCertificateDer(element) is not { } der)
        {
            return null;
        }

        try
        {
            return X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static bool IsHex(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return text.Length % 2 == 0;
    }
}
