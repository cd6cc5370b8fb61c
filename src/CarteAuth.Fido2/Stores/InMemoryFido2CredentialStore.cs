namespace CarteAuth.Fido2.Stores;

/// <summary>A credential store in process memory (tests, demos, single-node with no persistence needed).</summary>
public sealed class InMemoryFido2CredentialStore : IFido2CredentialStore
{
    private readonly Dictionary<byte[], Fido2CredentialRecord> _records = new(ByteContent.Comparer);
    private readonly Lock _lock = new();

    /// <inheritdoc/>
    public ValueTask AddAsync(Fido2CredentialRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_records.TryAdd(record.Id.ToArray(), record))
            {
                throw Fido2CredentialStoreErrors.Exists(record.IdText);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<Fido2CredentialRecord?> FindAsync(ReadOnlyMemory<byte> credentialId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(_records.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(credentialId.Span, out var record) ? record : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<Fido2CredentialRecord>> ListByUserHandleAsync(ReadOnlyMemory<byte> userHandle, int max = 64, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var handle = userHandle.ToArray();
        lock (_lock)
        {
            IReadOnlyList<Fido2CredentialRecord> list = _records.Values
                .Where(r => r.UserHandle.AsSpan().SequenceEqual(handle))
                .OrderBy(r => r.CreatedAt)
                .Take(max)
                .ToList();
            return ValueTask.FromResult(list);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<Fido2CredentialRecord>> ListByOwnerAsync(string nationalId, int max = 64, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nationalId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            IReadOnlyList<Fido2CredentialRecord> list = _records.Values
                .Where(r => string.Equals(r.Owner.NationalId.Value, nationalId, StringComparison.Ordinal))
                .OrderBy(r => r.CreatedAt)
                .Take(max)
                .ToList();
            return ValueTask.FromResult(list);
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> UpdateAfterAssertionAsync(ReadOnlyMemory<byte> credentialId, uint expectedSignCount, uint newSignCount, bool backedUp, DateTimeOffset usedAt, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var records = _records.GetAlternateLookup<ReadOnlySpan<byte>>();
            if (!records.TryGetValue(credentialId.Span, out var key, out var record) || record.SignCount != expectedSignCount)
            {
                return ValueTask.FromResult(false);
            }

            _records[key] = record with { SignCount = newSignCount, BackedUp = backedUp, LastUsedAt = usedAt };
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(ReadOnlyMemory<byte> credentialId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(_records.GetAlternateLookup<ReadOnlySpan<byte>>().Remove(credentialId.Span));
        }
    }
}

/// <summary>Errors shared by the credential stores.</summary>
internal static class Fido2CredentialStoreErrors
{
    internal static WebAuthnException Exists(string id) =>
        new(ReasonCodes.WebAuthnCredentialExists, $"A credential with id {Shorten(id)} is already registered (WebAuthn §7.1 step 26); register a new credential, or delete the old one first.");

    internal static string Shorten(string id) => id.Length <= 24 ? id : id[..24] + "…";
}
