using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CarteAuth.Audit;

/// <summary>
/// The audit hash chain: the one place that defines how an event's hash is computed. Every store
/// (<see cref="InMemoryAuditStore"/>, <see cref="SqliteAuditStore"/>, and stores in other packages) builds its
/// events with <see cref="CreateEvent"/>, and <see cref="AuditChainVerifier"/> checks them with
/// <see cref="ComputeHash"/>.
/// </summary>
/// <remarks>
/// <para><b>Canonical encoding, format version 1.</b> An event's hash is
/// <c>SHA-256(canonical bytes)</c>, where the canonical bytes are, in this order and with no separators:</para>
/// <list type="number">
/// <item>1 byte: the format version, <c>0x01</c>.</item>
/// <item>8 bytes: the sequence number, signed 64-bit big-endian (the first event is 1).</item>
/// <item>8 bytes: the timestamp as the number of milliseconds since 1970-01-01T00:00:00Z (Unix time in
/// milliseconds, UTC), signed 64-bit big-endian. Timestamps are truncated to whole milliseconds before they are
/// stored or hashed (<see cref="NormalizeTimestamp"/>).</item>
/// <item>Ten text fields, in this order: <c>kind</c>, <c>result</c>, <c>subject</c>, <c>methods</c>,
/// <c>authenticator</c>, <c>policy</c>, <c>reason_code</c>, <c>client_address</c>, <c>correlation_id</c>,
/// <c>detail</c>. Each is a signed 32-bit big-endian length followed by that many bytes of UTF-8 (no byte order
/// mark, no Unicode normalization). A null field is the length <c>-1</c> (<c>FF FF FF FF</c>) and no bytes; an empty
/// string is the length <c>0</c> (<c>00 00 00 00</c>) and no bytes.</item>
/// <item>32 bytes: the previous event's hash; for the first event (the genesis link), 32 zero bytes.</item>
/// </list>
/// <para>Example: an event with sequence 1, Unix time 1735689600000 ms, kind <c>"a"</c>, result <c>""</c>, the
/// eight other fields null and the genesis link is
/// <c>01 | 00000000 00000001 | 00000194 1F297C00 | 00000001 61 | 00000000 | FFFFFFFF ×8 | 00 ×32</c>
/// (the bars are only for reading).</para>
/// <para>Any change to this encoding must use a new format version byte; old events keep verifying under
/// their own version.</para>
/// </remarks>
public static class AuditChain
{
    /// <summary>The version byte that starts the canonical encoding described on <see cref="AuditChain"/>.</summary>
    public const byte FormatVersion = 1;

    /// <summary>The size of a hash in bytes (SHA-256).</summary>
    public const int HashSize = 32;

    private const int NullLength = -1;
    private const int FieldCount = 10;

    private static readonly byte[] Genesis = new byte[HashSize];

    /// <summary>The previous hash of the first event: 32 zero bytes.</summary>
    public static ReadOnlyMemory<byte> GenesisHash => Genesis;

    /// <summary>Converts a time to UTC and truncates it to whole milliseconds, the precision events are hashed and stored with.</summary>
    /// <param name="timestamp">Any time.</param>
    /// <returns>The same instant, in UTC, truncated to the millisecond.</returns>
    public static DateTimeOffset NormalizeTimestamp(DateTimeOffset timestamp)
        => DateTimeOffset.FromUnixTimeMilliseconds(timestamp.ToUnixTimeMilliseconds());

    /// <summary>
    /// Builds the event that records <paramref name="entry"/> at <paramref name="sequence"/>, linked to
    /// <paramref name="previousHash"/>. Stores call this inside their append lock or transaction.
    /// </summary>
    /// <param name="entry">What to record. Its timestamp is used when set, otherwise the clock's current time.</param>
    /// <param name="sequence">The event's sequence number: the previous event's plus one, 1 for the first.</param>
    /// <param name="previousHash">The previous event's hash, or <see cref="GenesisHash"/> for the first event.</param>
    /// <param name="timeProvider">The clock used when <paramref name="entry"/> has no timestamp.</param>
    /// <returns>The event, with its normalized timestamp and its hash.</returns>
    /// <exception cref="AuditFormatException">The entry cannot be recorded as given (<see cref="ReasonCodes.AuditInvalidEntry"/>).</exception>
    public static AuditEvent CreateEvent(AuditEntry entry, long sequence, ReadOnlySpan<byte> previousHash, TimeProvider timeProvider)
    {
        CheckLinkArguments(entry, sequence, previousHash, timeProvider);
        ValidateEntry(entry);
        return Link(entry, sequence, previousHash, timeProvider);
    }

    /// <summary>
    /// <see cref="CreateEvent"/> for an entry that already passed <see cref="ValidateEntry"/>: the stores validate
    /// when <c>AppendAsync</c> is called (so a bad entry fails before it is queued) and chain it later, on the append
    /// path, where checking every text field again would be the same work twice.
    /// </summary>
    internal static AuditEvent CreateEventFromValidatedEntry(AuditEntry entry, long sequence, ReadOnlySpan<byte> previousHash, TimeProvider timeProvider)
    {
        CheckLinkArguments(entry, sequence, previousHash, timeProvider);
        return Link(entry, sequence, previousHash, timeProvider);
    }

    private static void CheckLinkArguments(AuditEntry entry, long sequence, ReadOnlySpan<byte> previousHash, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        if (previousHash.Length != HashSize)
        {
            throw new ArgumentException($"The previous hash must be {HashSize} bytes, not {previousHash.Length}.", nameof(previousHash));
        }
    }

    private static AuditEvent Link(AuditEntry entry, long sequence, ReadOnlySpan<byte> previousHash, TimeProvider timeProvider)
    {
        var timestamp = NormalizeTimestamp(entry.Timestamp ?? timeProvider.GetUtcNow());
        var unlinked = new AuditEvent
        {
            Sequence = sequence,
            Timestamp = timestamp,
            Kind = entry.Kind,
            Result = entry.Result,
            Subject = entry.Subject,
            Methods = entry.Methods,
            Authenticator = entry.Authenticator,
            Policy = entry.Policy,
            ReasonCode = entry.ReasonCode,
            ClientAddress = entry.ClientAddress,
            CorrelationId = entry.CorrelationId,
            Detail = entry.Detail,
            PreviousHash = previousHash.ToArray(),
            Hash = ReadOnlyMemory<byte>.Empty,
        };
        return unlinked with { Hash = ComputeHash(unlinked) };
    }

    /// <summary>
    /// Computes the hash <paramref name="auditEvent"/> must have: SHA-256 of its canonical encoding (see
    /// <see cref="AuditChain"/>), which covers its sequence, timestamp, text fields and previous hash but not its own
    /// <see cref="AuditEvent.Hash"/>.
    /// </summary>
    /// <param name="auditEvent">The event.</param>
    /// <returns>The 32-byte hash.</returns>
    public static byte[] ComputeHash(AuditEvent auditEvent) => SHA256.HashData(GetCanonicalBytes(auditEvent));

    /// <summary>Validates an entry before it is recorded.</summary>
    /// <exception cref="AuditFormatException">The entry cannot be recorded as given.</exception>
    internal static void ValidateEntry(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (string.IsNullOrEmpty(entry.Kind))
        {
            throw new AuditFormatException(
                ReasonCodes.AuditInvalidEntry,
                "The audit entry has no Kind. Set AuditEntry.Kind to what happened, e.g. AuditEventKinds.Authentication (\"authentication\") or AuditEventKinds.PolicyDecision (\"policy-decision\").");
        }

        if (string.IsNullOrEmpty(entry.Result))
        {
            throw new AuditFormatException(
                ReasonCodes.AuditInvalidEntry,
                $"The audit entry of kind '{entry.Kind}' has no Result. Set AuditEntry.Result to the outcome, e.g. one of AuditResults (\"success\", \"failure\", \"allow\", \"deny\", \"step-up\", \"break-glass\").");
        }

        CheckText(entry.Kind, nameof(AuditEntry.Kind));
        CheckText(entry.Result, nameof(AuditEntry.Result));
        CheckText(entry.Subject, nameof(AuditEntry.Subject));
        CheckText(entry.Methods, nameof(AuditEntry.Methods));
        CheckText(entry.Authenticator, nameof(AuditEntry.Authenticator));
        CheckText(entry.Policy, nameof(AuditEntry.Policy));
        CheckText(entry.ReasonCode, nameof(AuditEntry.ReasonCode));
        CheckText(entry.ClientAddress, nameof(AuditEntry.ClientAddress));
        CheckText(entry.CorrelationId, nameof(AuditEntry.CorrelationId));
        CheckText(entry.Detail, nameof(AuditEntry.Detail));
    }

    /// <summary>The canonical encoding of an event (format version 1), whose SHA-256 is its hash.</summary>
    internal static byte[] GetCanonicalBytes(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        if (auditEvent.PreviousHash.Length != HashSize)
        {
            throw new ArgumentException(
                $"Audit event {auditEvent.Sequence} has a previous hash of {auditEvent.PreviousHash.Length} bytes; a hash is {HashSize} bytes.",
                nameof(auditEvent));
        }

        Span<string?> fields =
        [
            auditEvent.Kind,
            auditEvent.Result,
            auditEvent.Subject,
            auditEvent.Methods,
            auditEvent.Authenticator,
            auditEvent.Policy,
            auditEvent.ReasonCode,
            auditEvent.ClientAddress,
            auditEvent.CorrelationId,
            auditEvent.Detail,
        ];

        var size = 1 + sizeof(long) + sizeof(long) + (FieldCount * sizeof(int)) + HashSize;
        foreach (var field in fields)
        {
            size += field is null ? 0 : Encoding.UTF8.GetByteCount(field);
        }

        var buffer = new byte[size];
        var span = buffer.AsSpan();
        span[0] = FormatVersion;
        span = span[1..];
        BinaryPrimitives.WriteInt64BigEndian(span, auditEvent.Sequence);
        span = span[sizeof(long)..];
        BinaryPrimitives.WriteInt64BigEndian(span, auditEvent.Timestamp.ToUnixTimeMilliseconds());
        span = span[sizeof(long)..];
        foreach (var field in fields)
        {
            if (field is null)
            {
                BinaryPrimitives.WriteInt32BigEndian(span, NullLength);
                span = span[sizeof(int)..];
                continue;
            }

            var written = Encoding.UTF8.GetBytes(field, span[sizeof(int)..]);
            BinaryPrimitives.WriteInt32BigEndian(span, written);
            span = span[(sizeof(int) + written)..];
        }

        auditEvent.PreviousHash.Span.CopyTo(span);
        return buffer;
    }

    private static void CheckText(string? value, string field)
    {
        if (value is null)
        {
            return;
        }

        var span = value.AsSpan();
        var first = span.IndexOfAnyInRange('\uD800', '\uDFFF'); // vectorized: most text has no surrogate at all
        if (first < 0)
        {
            return;
        }

        for (var i = first; i < span.Length; i++)
        {
            if (char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(span[i]))
            {
                throw new AuditFormatException(
                    ReasonCodes.AuditInvalidEntry,
                    $"The audit entry's {field} contains an unpaired UTF-16 surrogate at position {i}, which cannot be stored as UTF-8 without changing it. Pass valid Unicode text (for bytes, encode them as hex or base64 first).");
            }
        }
    }
}
