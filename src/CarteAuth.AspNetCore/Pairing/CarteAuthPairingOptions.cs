using CarteAuth.Authentication;

namespace CarteAuth.AspNetCore;

/// <summary>When a local account is paired with the national identity (HOSPI-Connect "appairage").</summary>
public enum CarteAuthPairingMode
{
    /// <summary>The first national sign-in (card or Pro Santé Connect) pairs the local account (the default).</summary>
    Automatic,

    /// <summary>The signed-in professional pairs with <c>POST /carteauth/pairing</c> from a national sign-in.</summary>
    Explicit,
}

/// <summary>
/// HOSPI-Connect pairing settings (<c>AddCarteAuth(…).AddPairing(o => …)</c>): a local account is linked once to the
/// national identity by a national sign-in; local methods (FIDO2) are then accepted for the paired identity only.
/// Validated at start (<see cref="ReasonCodes.PairingInvalidOptions"/>).
/// </summary>
public sealed class CarteAuthPairingOptions
{
    /// <summary>The authenticators whose evidence is national by default: the CPS card (TLS or PKCS#11) and Pro Santé Connect.</summary>
    public static readonly IReadOnlyList<string> DefaultNationalAuthenticators = ["smartcard", "smartcard-pkcs11", "psc"];

    /// <summary>Automatic (default) or explicit pairing.</summary>
    public CarteAuthPairingMode Mode { get; set; } = CarteAuthPairingMode.Automatic;

    /// <summary>
    /// The authenticators (evidence <c>authenticator</c>) that prove the national identity and may pair; every other one
    /// is a local method, accepted only for a paired identity. Default <see cref="DefaultNationalAuthenticators"/>.
    /// </summary>
    public IList<string> NationalAuthenticators { get; set; } = [.. DefaultNationalAuthenticators];

    /// <summary>The lowest assurance level of a national sign-in that may pair. Default substantial (PSC's <c>eidas1</c>, the card's high both pass).</summary>
    public AssuranceLevel MinimumAssurance { get; set; } = AssuranceLevel.Substantial;

    /// <summary>
    /// The SQLite file of the pairings (may be the FIDO2 credential file). Null: pairings are kept in memory (tests,
    /// demos: lost on restart). An <see cref="Pairing.IPairingStore"/> registered before <c>AddPairing</c> wins over both.
    /// </summary>
    public string? StorePath { get; set; }

    /// <summary>True when <paramref name="evidence"/> is a national sign-in that may pair.</summary>
    public bool IsNational(AuthenticationEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        return IsNationalAuthenticator(evidence.Authenticator) && evidence.Assurance >= MinimumAssurance;
    }

    /// <summary>True when <paramref name="authenticator"/> is one of <see cref="NationalAuthenticators"/>.</summary>
    public bool IsNationalAuthenticator(string authenticator) => NationalAuthenticators.Contains(authenticator, StringComparer.Ordinal);

    /// <summary>Checks the options.</summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.PairingInvalidOptions"/> listing every problem and how to fix it.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (NationalAuthenticators is null || NationalAuthenticators.Count == 0)
        {
            errors.Add("NationalAuthenticators is empty: nothing could pair. Keep the default (smartcard, smartcard-pkcs11, psc) or name the national authenticators.");
        }
        else if (NationalAuthenticators.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("NationalAuthenticators contains an empty name: remove it.");
        }

        if (!Enum.IsDefined(MinimumAssurance))
        {
            errors.Add($"MinimumAssurance {MinimumAssurance} is not a level: use Low, Substantial or High.");
        }

        if (!Enum.IsDefined(Mode))
        {
            errors.Add($"Mode {Mode} is not a pairing mode: use Automatic or Explicit.");
        }

        if (StorePath is not null && string.IsNullOrWhiteSpace(StorePath))
        {
            errors.Add("StorePath is empty: give the SQLite file (e.g. \"/var/lib/carteauth/pairings.db\"), or null to keep pairings in memory.");
        }

        if (errors.Count > 0)
        {
            throw new CarteAuthException(ReasonCodes.PairingInvalidOptions, "Invalid CarteAuth pairing options: " + string.Join(" ", errors));
        }
    }
}
