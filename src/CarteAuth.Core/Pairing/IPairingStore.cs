namespace CarteAuth.Pairing;

/// <summary>
/// Keeps HOSPI-Connect pairings. At most one active pairing per local account and per idNat, enforced by the store
/// (across processes for shared stores). Ended pairings are kept as history. Implementations:
/// <see cref="InMemoryPairingStore"/> (tests, demos) and <see cref="SqlitePairingStore"/> (embedded default); every
/// implementation passes the same contract tests. Failures are <see cref="CarteAuthException"/>s with
/// <see cref="ReasonCodes.PairingStoreUnavailable"/>.
/// </summary>
public interface IPairingStore
{
    /// <summary>The latest pairing of this local account (active, else the most recently ended), or null when never paired.</summary>
    ValueTask<PairingRecord?> GetByLocalAccountAsync(string localAccountId, CancellationToken ct = default);

    /// <summary>The latest pairing of this idNat (active, else the most recently ended), or null when never paired.</summary>
    ValueTask<PairingRecord?> GetByNationalIdAsync(string nationalId, CancellationToken ct = default);

    /// <summary>
    /// Pairs the record's local account and idNat. Pairing them again while already paired together changes nothing
    /// and returns the existing active record.
    /// </summary>
    /// <returns>The active pairing.</returns>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.PairingAccountAlreadyPaired"/> when the account is paired
    /// with another idNat; <see cref="ReasonCodes.PairingIdentityAlreadyPaired"/> when the idNat is paired with another
    /// account; <see cref="ReasonCodes.PairingInvalidRecord"/> for a malformed record (or one already ended).</exception>
    ValueTask<PairingRecord> PairAsync(PairingRecord record, CancellationToken ct = default);

    /// <summary>Ends the active pairing of this local account.</summary>
    /// <returns>The ended record, or null when the account had no active pairing.</returns>
    ValueTask<PairingRecord?> UnpairAsync(string localAccountId, DateTimeOffset unpairedAt, string reason, CancellationToken ct = default);
}

/// <summary>Errors shared by the pairing stores.</summary>
internal static class PairingStoreErrors
{
    internal static CarteAuthException AccountPaired() =>
        new(ReasonCodes.PairingAccountAlreadyPaired, "This local account is already paired with another national identity: unpair it (POST /carteauth/pairing/unpair) before pairing it again.");

    internal static CarteAuthException IdentityPaired() =>
        new(ReasonCodes.PairingIdentityAlreadyPaired, "This national identity is already paired with another local account: unpair that account first, or check the local account directory mapping.");

    internal static void CheckNew(PairingRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.Validate();
        if (!record.IsActive)
        {
            throw new CarteAuthException(ReasonCodes.PairingInvalidRecord, "A new pairing cannot already be ended: leave UnpairedAt and UnpairReason null.");
        }
    }

    /// <summary>
    /// The pairing rule shared by the stores: the existing active record when both sides are already paired together,
    /// an error when either side is paired elsewhere, null when the record may be inserted.
    /// </summary>
    internal static PairingRecord? Decide(PairingRecord record, PairingRecord? activeOfAccount, PairingRecord? activeOfIdentity)
    {
        if (activeOfAccount is not null)
        {
            return string.Equals(activeOfAccount.NationalId, record.NationalId, StringComparison.Ordinal) ? activeOfAccount : throw AccountPaired();
        }

        return activeOfIdentity is not null ? throw IdentityPaired() : null;
    }
}
