namespace CarteAuth.Fido2;

/// <summary>
/// Byte arrays compared by content, for dictionaries keyed by challenges, credential ids or encoded keys; looked up
/// with a span (<see cref="Dictionary{TKey, TValue}.GetAlternateLookup{TAlternateKey}"/>) without copying.
/// </summary>
internal sealed class ByteContent : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    /// <summary>The one instance.</summary>
    public static readonly ByteContent Comparer = new();

    private ByteContent()
    {
    }

    /// <inheritdoc/>
    public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    /// <inheritdoc/>
    public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

    /// <inheritdoc/>
    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    /// <inheritdoc/>
    public int GetHashCode(ReadOnlySpan<byte> alternate)
    {
        // HashCode is seeded per process: content chosen by a client cannot be crafted to collide.
        var hash = default(HashCode);
        hash.AddBytes(alternate);
        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
