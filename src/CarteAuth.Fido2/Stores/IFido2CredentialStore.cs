namespace CarteAuth.Fido2.Stores;

/// <summary>
/// Durable store of registered WebAuthn credentials. Credential ids are unique; sign count updates are
/// compare-and-set so two concurrent uses of one credential cannot both win.
/// </summary>
public interface IFido2CredentialStore
{
    /// <summary>Adds a new credential.</summary>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnCredentialExists"/> when the id is already registered.</exception>
    ValueTask AddAsync(Fido2CredentialRecord record, CancellationToken cancellationToken = default);

    /// <summary>The credential with this id, or null.</summary>
    ValueTask<Fido2CredentialRecord?> FindAsync(ReadOnlyMemory<byte> credentialId, CancellationToken cancellationToken = default);

    /// <summary>The credentials of the account with this user handle (oldest first, at most <paramref name="max"/>).</summary>
    ValueTask<IReadOnlyList<Fido2CredentialRecord>> ListByUserHandleAsync(ReadOnlyMemory<byte> userHandle, int max = 64, CancellationToken cancellationToken = default);

    /// <summary>
    /// The credentials owned by the professional with this idNat (<see cref="Fido2CredentialRecord.Owner"/>), whatever
    /// their user handle, oldest first, at most <paramref name="max"/>: what key management lists and deletes.
    /// </summary>
    ValueTask<IReadOnlyList<Fido2CredentialRecord>> ListByOwnerAsync(string nationalId, int max = 64, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a verified assertion: sets the sign count to <paramref name="newSignCount"/>, the backup state and the
    /// last use, only if the stored sign count is still <paramref name="expectedSignCount"/>.
    /// </summary>
    /// <returns>False when the credential is gone or another update changed the sign count first.</returns>
    ValueTask<bool> UpdateAfterAssertionAsync(ReadOnlyMemory<byte> credentialId, uint expectedSignCount, uint newSignCount, bool backedUp, DateTimeOffset usedAt, CancellationToken cancellationToken = default);

    /// <summary>Deletes a credential; false when it did not exist.</summary>
    ValueTask<bool> DeleteAsync(ReadOnlyMemory<byte> credentialId, CancellationToken cancellationToken = default);
}
