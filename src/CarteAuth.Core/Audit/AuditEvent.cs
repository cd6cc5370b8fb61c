using System.Text;

namespace CarteAuth.Audit;

/// <summary>
/// One recorded audit event: an <see cref="AuditEntry"/> with the sequence number, time and hashes the store
/// gave it. <see cref="Hash"/> covers every other member (see <see cref="AuditChain"/> for the exact encoding), and
/// <see cref="PreviousHash"/> is the hash of the event before it, so changing, removing or reordering any event
/// breaks the chain (<see cref="AuditChainVerifier"/>).
/// </summary>
/// <remarks>Two events are equal when all their members are, hashes compared byte by byte.</remarks>
public sealed record AuditEvent
{
    /// <summary>The position in the chain: 1 for the first event, then contiguous.</summary>
    public required long Sequence { get; init; }

    /// <summary>When it happened, in UTC, truncated to whole milliseconds (<see cref="AuditChain.NormalizeTimestamp"/>).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The kind of event (<see cref="AuditEventKinds"/>).</summary>
    public required string Kind { get; init; }

    /// <summary>The result (<see cref="AuditResults"/>).</summary>
    public required string Result { get; init; }

    /// <summary>Who: the professional's idNat (or the identity a failed credential claimed).</summary>
    public string? Subject { get; init; }

    /// <summary>What method: amr values, space-separated (e.g. <c>sc pin hwk</c>).</summary>
    public string? Methods { get; init; }

    /// <summary>The authenticator's name, for authentication events.</summary>
    public string? Authenticator { get; init; }

    /// <summary>The policy's name, for policy decisions.</summary>
    public string? Policy { get; init; }

    /// <summary>The stable reason code.</summary>
    public string? ReasonCode { get; init; }

    /// <summary>The client's address.</summary>
    public string? ClientAddress { get; init; }

    /// <summary>The correlation id of the request or session.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Free text detail (failure message, break-glass reason, step-up requirement).</summary>
    public string? Detail { get; init; }

    /// <summary>The previous event's <see cref="Hash"/> (32 bytes), or 32 zero bytes for the first event.</summary>
    public required ReadOnlyMemory<byte> PreviousHash { get; init; }

    /// <summary>This event's SHA-256 hash (32 bytes) over its canonical encoding (<see cref="AuditChain"/>).</summary>
    public required ReadOnlyMemory<byte> Hash { get; init; }

    /// <summary><see cref="PreviousHash"/> as lower-case hexadecimal.</summary>
    public string PreviousHashHex => Convert.ToHexStringLower(PreviousHash.Span);

    /// <summary><see cref="Hash"/> as lower-case hexadecimal.</summary>
    public string HashHex => Convert.ToHexStringLower(Hash.Span);

    /// <summary>This event's sequence and hash, to record or anchor outside the store and check later.</summary>
    /// <exception cref="AuditFormatException">The event's hash is not 32 bytes.</exception>
    public AuditHead ToHead() => new(Sequence, Hash);

    /// <summary>The entry this event records, with its timestamp set.</summary>
    public AuditEntry ToEntry() => new()
    {
        Kind = Kind,
        Result = Result,
        Subject = Subject,
        Methods = Methods,
        Authenticator = Authenticator,
        Policy = Policy,
        ReasonCode = ReasonCode,
        ClientAddress = ClientAddress,
        CorrelationId = CorrelationId,
        Detail = Detail,
        Timestamp = Timestamp,
    };

    /// <summary>True when every member is equal, hashes compared byte by byte.</summary>
    /// <param name="other">The other event.</param>
    public bool Equals(AuditEvent? other) =>
        other is not null
        && Sequence == other.Sequence
        && Timestamp.UtcTicks == other.Timestamp.UtcTicks
        && Timestamp.Offset == other.Timestamp.Offset
        && string.Equals(Kind, other.Kind, StringComparison.Ordinal)
        && string.Equals(Result, other.Result, StringComparison.Ordinal)
        && string.Equals(Subject, other.Subject, StringComparison.Ordinal)
        && string.Equals(Methods, other.Methods, StringComparison.Ordinal)
        && string.Equals(Authenticator, other.Authenticator, StringComparison.Ordinal)
        && string.Equals(Policy, other.Policy, StringComparison.Ordinal)
        && string.Equals(ReasonCode, other.ReasonCode, StringComparison.Ordinal)
        && string.Equals(ClientAddress, other.ClientAddress, StringComparison.Ordinal)
        && string.Equals(CorrelationId, other.CorrelationId, StringComparison.Ordinal)
        && string.Equals(Detail, other.Detail, StringComparison.Ordinal)
        && PreviousHash.Span.SequenceEqual(other.PreviousHash.Span)
        && Hash.Span.SequenceEqual(other.Hash.Span);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Sequence);
        hash.Add(Timestamp.UtcTicks);
        hash.Add(Kind, StringComparer.Ordinal);
        hash.Add(Result, StringComparer.Ordinal);
        hash.AddBytes(Hash.Span);
        return hash.ToHashCode();
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Sequence = ").Append(Sequence)
            .Append(", Timestamp = ").Append(Timestamp.ToString("O", System.Globalization.CultureInfo.InvariantCulture))
            .Append(", Kind = ").Append(Kind)
            .Append(", Result = ").Append(Result)
            .Append(", Subject = ").Append(Subject)
            .Append(", Methods = ").Append(Methods)
            .Append(", Authenticator = ").Append(Authenticator)
            .Append(", Policy = ").Append(Policy)
            .Append(", ReasonCode = ").Append(ReasonCode)
            .Append(", ClientAddress = ").Append(ClientAddress)
            .Append(", CorrelationId = ").Append(CorrelationId)
            .Append(", Detail = ").Append(Detail)
            .Append(", PreviousHash = ").Append(PreviousHashHex)
            .Append(", Hash = ").Append(HashHex);
        return true;
    }
}
