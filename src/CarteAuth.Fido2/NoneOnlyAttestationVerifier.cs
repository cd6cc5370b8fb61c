using CarteAuth.Fido2.Attestation;

namespace CarteAuth.Fido2;

/// <summary>
/// The fallback <see cref="IAttestationVerifier"/> registered by <c>AddCarteAuthFido2</c> when no other is: accepts only
/// the <c>none</c> format with an empty <c>attStmt</c> (WebAuthn L3 §8.7), so nothing is trusted and the high level
/// (trusted attestation) cannot be reached. Register the full attestation verifier to accept other formats.
/// </summary>
internal sealed class NoneOnlyAttestationVerifier : IAttestationVerifier
{
    public ValueTask<AttestationVerificationResult> VerifyAsync(AttestationObject attestation, ReadOnlyMemory<byte> clientDataHash, AttestationRequirement requirement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        ArgumentNullException.ThrowIfNull(requirement);
        if (attestation.Format != "none")
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnAttestationFormatUnsupported, $"Attestation format '{attestation.Format}' is not supported by this configuration (only 'none'). Register the CarteAuth attestation verifier, or ask for attestation \"none\".");
        }

        if (attestation.Statement.Count != 0)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnAttestationInvalid, "The 'none' attestation statement must be an empty map (WebAuthn §8.7).");
        }

        if (requirement.AllowedFormats is { } formats && !formats.Contains("none"))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnAttestationFormatUnsupported, "Attestation format 'none' is not allowed here.");
        }

        if (requirement.RequireTrustedAttestation)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnAttestationRequired, "This registration needs a trusted attestation (high level) but the authenticator sent none. Use an attested security key, and register the CarteAuth attestation verifier.");
        }

        var aaguid = attestation.AuthenticatorData.AttestedCredentialData!.Aaguid;
        if (requirement.AllowedAaguids is { } aaguids && !aaguids.Contains(aaguid))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnAaguidNotAllowed, $"Authenticator model {aaguid} is not in the allowed list for this level.");
        }

        return ValueTask.FromResult(new AttestationVerificationResult("none", AttestationType.None, [], false, aaguid, null));
    }
}
