using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace CarteAuth.Audit;

/// <summary>
/// The head of an audit chain at some moment: the last event's sequence number and hash. An operator records it
/// outside the store (a ticket, a log server, a signed mail, a timestamping service) and later passes it to
/// <see cref="AuditChainVerifier.VerifyAsync"/>, which then also detects events removed from the end of the chain
/// and a chain rewritten from scratch. Its text form is <c>sequence:hash-hex</c>, e.g.
/// <c>42:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08</c>.
/// </summary>
public sealed class AuditHead : IEquatable<AuditHead>
{
    private readonly byte[] _hash;

    /// <summary>Creates a head.</summary>
    /// <param name="sequence">The last event's sequence number (1 or more).</param>
    /// <param name="hash">The last event's 32-byte hash (copied).</param>
    /// <exception cref="AuditFormatException">The sequence is below 1 or the hash is not 32 bytes (<see cref="ReasonCodes.AuditInvalidHead"/>).</exception>
    public AuditHead(long sequence, ReadOnlyMemory<byte> hash)
    {
        if (sequence < 1)
        {
            throw new AuditFormatException(
                ReasonCodes.AuditInvalidHead,
                $"An audit head's sequence must be 1 or more, not {sequence}. Use the sequence of the last event you recorded.");
        }

        if (hash.Length != AuditChain.HashSize)
        {
            throw new AuditFormatException(
                ReasonCodes.AuditInvalidHead,
                $"An audit head's hash must be {AuditChain.HashSize} bytes (64 hex digits), not {hash.Length} bytes. Copy the full hash of the last event you recorded.");
        }

        Sequence = sequence;
        _hash = hash.ToArray();
    }

    /// <summary>The last event's sequence number.</summary>
    public long Sequence { get; }

    /// <summary>The last event's hash (32 bytes).</summary>
    public ReadOnlyMemory<byte> Hash => _hash;

    /// <summary><see cref="Hash"/> as lower-case hexadecimal.</summary>
    public string HashHex => Convert.ToHexStringLower(_hash);

    /// <summary>Parses the text form <c>sequence:hash-hex</c> (hex in either case, surrounding white space ignored).</summary>
    /// <param name="text">The head, e.g. <c>42:9f86d0…0a08</c>.</param>
    /// <exception cref="AuditFormatException">The text is not a valid head (<see cref="ReasonCodes.AuditInvalidHead"/>); the message says why.</exception>
    public static AuditHead Parse(string? text)
    {
        if (TryParse(text, out var head, out var message))
        {
            return head;
        }

        throw new AuditFormatException(ReasonCodes.AuditInvalidHead, message);
    }

    /// <summary>Tries to parse the text form <c>sequence:hash-hex</c> without throwing.</summary>
    /// <param name="text">The head.</param>
    /// <param name="head">The parsed head, or null.</param>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out AuditHead? head)
        => TryParse(text, out head, out _);

    /// <summary>The text form <c>sequence:hash-hex</c>, which <see cref="Parse"/> reads back.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Sequence}:{HashHex}");

    /// <inheritdoc/>
    public bool Equals(AuditHead? other) =>
        other is not null && Sequence == other.Sequence && _hash.AsSpan().SequenceEqual(other._hash);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as AuditHead);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Sequence, BitConverter.ToInt32(_hash, 0));

    private static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out AuditHead? head, out string message)
    {
        head = null;
        const string Expected = "Expected 'sequence:hash', e.g. '42:' followed by the 64 hex digits of event 42's hash, as printed by `carteauth audit verify`.";
        if (string.IsNullOrWhiteSpace(text))
        {
            message = "The audit head is empty. " + Expected;
            return false;
        }

        var trimmed = text.AsSpan().Trim();
        var colon = trimmed.IndexOf(':');
        if (colon < 0)
        {
            message = $"The audit head '{text}' has no ':' between the sequence and the hash. " + Expected;
            return false;
        }

        var sequencePart = trimmed[..colon];
        var hashPart = trimmed[(colon + 1)..];
        if (!long.TryParse(sequencePart, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) || sequence < 1)
        {
            message = $"The audit head '{text}' has the sequence '{sequencePart}', which is not a whole number of 1 or more. " + Expected;
            return false;
        }

        if (hashPart.Length != AuditChain.HashSize * 2)
        {
            message = $"The audit head '{text}' has a hash of {hashPart.Length} characters; a SHA-256 hash is {AuditChain.HashSize * 2} hex digits. " + Expected;
            return false;
        }

        var hash = new byte[AuditChain.HashSize];
        if (Convert.FromHexString(hashPart, hash, out _, out _) != System.Buffers.OperationStatus.Done)
        {
            message = $"The audit head '{text}' has a hash that is not hexadecimal (only 0-9 and a-f are allowed). " + Expected;
            return false;
        }

        head = new AuditHead(sequence, hash);
        message = string.Empty;
        return true;
    }
}
