using CarteAuth.Authentication;

namespace CarteAuth.Pairing;

/// <summary>
/// A HOSPI-Connect pairing ("appairage"): a local account of the establishment linked once to a professional's
/// national identity (idNat) by a national sign-in (CPS card or Pro Santé Connect), so local methods (FIDO2) can then
/// stand for that identity. Immutable; stores return updated copies. An active pairing has no <see cref="UnpairedAt"/>.
/// </summary>
public sealed record PairingRecord
{
    /// <summary>Longest accepted <see cref="LocalAccountId"/>.</summary>
    public const int MaxLocalAccountIdLength = 256;

    /// <summary>The local account id (from the hospital directory, or the opaque id CarteAuth created).</summary>
    public required string LocalAccountId { get; init; }

    /// <summary>The professional's idNat.</summary>
    public required string NationalId { get; init; }

    /// <summary>When the pairing was made.</summary>
    public required DateTimeOffset PairedAt { get; init; }

    /// <summary>The authenticator of the national evidence that made the pairing (<c>smartcard</c>, <c>psc</c>).</summary>
    public required string PairedByAuthenticator { get; init; }

    /// <summary>The amr values of that evidence, space-separated (e.g. <c>sc pin hwk</c>).</summary>
    public required string PairedByMethods { get; init; }

    /// <summary>The assurance level of that evidence.</summary>
    public required AssuranceLevel PairedByAssurance { get; init; }

    /// <summary>When the pairing was ended; null while active.</summary>
    public DateTimeOffset? UnpairedAt { get; init; }

    /// <summary>Why it was ended (e.g. <c>unpaired-by-user</c>); null while active.</summary>
    public string? UnpairReason { get; init; }

    /// <summary>True while the pairing is in force.</summary>
    public bool IsActive => UnpairedAt is null;

    /// <summary>Checks the record's fields.</summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.PairingInvalidRecord"/> (or the idNat's own code) saying which field.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(LocalAccountId) || LocalAccountId.Length > MaxLocalAccountIdLength || LocalAccountId.AsSpan().ContainsAnyInRange('\0', '\u001f'))
        {
            throw new CarteAuthException(ReasonCodes.PairingInvalidRecord, $"The local account id must be 1 to {MaxLocalAccountIdLength} characters without control characters; check what ICarteAuthLocalAccountResolver returned.");
        }

        Identity.NationalId.Parse(NationalId);
        if (string.IsNullOrWhiteSpace(PairedByAuthenticator))
        {
            throw new CarteAuthException(ReasonCodes.PairingInvalidRecord, "PairedByAuthenticator is empty: record the authenticator of the national evidence (smartcard, psc).");
        }
    }
}
