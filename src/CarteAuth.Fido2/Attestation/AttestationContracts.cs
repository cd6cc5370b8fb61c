using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.Fido2.Attestation;

/// <summary>Attestation types (WebAuthn L3 §6.5.3).</summary>
public enum AttestationType
{
    /// <summary>No attestation (format none).</summary>
    None,
    /// <summary>Self attestation: signed by the credential key itself.</summary>
    Self,
    /// <summary>Basic attestation: an attestation key shared by a batch of authenticators, certified by the vendor.</summary>
    Basic,
    /// <summary>Attestation CA (TPM AIK certified by a CA).</summary>
    AttCA,
    /// <summary>Anonymization CA (e.g. Apple): a per-credential certificate from the vendor's CA.</summary>
    AnonCA,
}

/// <summary>What a format verifier receives (WebAuthn L3 §8: attStmt, authenticatorData, clientDataHash).</summary>
/// <param name="Statement">The attestation statement.</param>
/// <param name="AuthenticatorData">The authenticator data, with attested credential data.</param>
/// <param name="ClientDataHash">SHA-256 of clientDataJSON.</param>
public sealed record AttestationInput(AttestationStatement Statement, AuthenticatorData AuthenticatorData, ReadOnlyMemory<byte> ClientDataHash);

/// <summary>What a verified attestation statement proves (the "attestation type and trust path" of §8).</summary>
/// <param name="Type">The attestation type.</param>
/// <param name="TrustPath">The x5c certificates (attestation certificate first), empty for none and self.</param>
public sealed record AttestationStatementResult(AttestationType Type, IReadOnlyList<X509Certificate2> TrustPath);

/// <summary>
/// Verifies one attestation statement format (WebAuthn L3 §8 "verification procedure"). Throws
/// <see cref="WebAuthnException"/> (<see cref="ReasonCodes.WebAuthnAttestationInvalid"/>, or
/// <see cref="ReasonCodes.WebAuthnMalformed"/> for missing or mistyped fields) when the statement does not verify.
/// Trust of the returned path (chain to anchors, MDS) is checked afterwards by the relying party (§7.1 steps 22-23).
/// </summary>
public interface IAttestationStatementVerifier
{
    /// <summary>The format identifier (IANA "WebAuthn Attestation Statement Format Identifiers"), e.g. <c>packed</c>.</summary>
    string Format { get; }

    /// <summary>Runs the format's verification procedure.</summary>
    AttestationStatementResult Verify(AttestationInput input);
}
