using CarteAuth.Fido2.Attestation;

namespace CarteAuth.Fido2.Tests.TestSupport;

/// <summary>Accepts any attestation format and reports it (formats are tested by the attestation tests); trust is set by the test.</summary>
internal sealed class TestAttestationVerifier : IAttestationVerifier
{
    public bool Trusted { get; set; }

    public AttestationRequirement? LastRequirement { get; private set; }

    public string? FailWith { get; set; }

    public ValueTask<AttestationVerificationResult> VerifyAsync(AttestationObject attestation, ReadOnlyMemory<byte> clientDataHash, AttestationRequirement requirement, CancellationToken cancellationToken = default)
    {
        LastRequirement = requirement;
        if (FailWith is not null)
        {
            throw new WebAuthnException(FailWith, "test verifier refuses");
        }

        var aaguid = attestation.AuthenticatorData.AttestedCredentialData!.Aaguid;
        if (requirement.RequireTrustedAttestation && !Trusted)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnAttestationRequired, "trusted attestation required");
        }

        if (requirement.AllowedAaguids is { } allowed && !allowed.Contains(aaguid))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnAaguidNotAllowed, "model not allowed");
        }

        var type = attestation.Format == "none" ? AttestationType.None : AttestationType.Basic;
        return ValueTask.FromResult(new AttestationVerificationResult(attestation.Format, type, [], Trusted, aaguid, null));
    }
}
