using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.Fido2.Attestation;

/// <summary>The <c>packed</c> attestation statement format (WebAuthn L3 §8.2), with x5c (Basic/AttCA) or self attestation.</summary>
public sealed class PackedAttestationVerifier : IAttestationStatementVerifier
{
    /// <summary>The Subject-OU a packed attestation certificate must have (§8.2.1).</summary>
    public const string RequiredOrganizationalUnit = "Authenticator Attestation";

    /// <inheritdoc/>
    public string Format => AttestationFormats.Packed;

    /// <inheritdoc/>
    public AttestationStatementResult Verify(AttestationInput input)
    {
        AttestationChecks.RequireClientDataHash(Format, input);
        var statement = input.Statement;
        var attested = AttestationChecks.Attested(Format, input);

        // Step 1: attStmt is valid CBOR of the packed syntax: alg and sig required, x5c optional
        // (AttestationStatement.Parse has already decoded it with strict CBOR rules and the x5c size limits).
        var alg = AttestationChecks.RequireAlg(Format, statement);
        var sig = AttestationChecks.RequireSig(Format, statement);
        var signed = AttestationChecks.AuthDataAndClientDataHash(input);

        if (statement.X5c is not null)
        {
            // Step 2: x5c is present.
            var x5c = AttestationChecks.RequireX5c(Format, statement);
            try
            {
                var attestnCert = x5c[0];

                // Step 2.1: sig is a valid signature over authenticatorData ‖ clientDataHash with the attestation
                // public key in attestnCert and the algorithm alg.
                AttestationChecks.RequireCertificateSignature(Format, "the attestation certificate (x5c[0])", attestnCert, alg, signed, sig, "authenticatorData ‖ clientDataHash");

                // Step 2.2: attestnCert meets the requirements of §8.2.1.
                CheckCertificateRequirements(attestnCert);

                // Step 2.3: if attestnCert has the id-fido-gen-ce-aaguid extension, its value matches authData's aaguid.
                AttestationChecks.CheckAaguidExtension(Format, "the attestation certificate", attestnCert, attested.Aaguid, mustNotBeCritical: true);

                // Steps 2.4-2.5: whether this is Basic or AttCA cannot be told from x5c alone ("uncertainty"); report
                // Basic with trust path x5c. The relying party then checks the chain (§7.1 steps 23-24).
                return new AttestationStatementResult(AttestationType.Basic, x5c);
            }
            catch
            {
                foreach (var c in x5c)
                {
                    c.Dispose();
                }

                throw;
            }
        }

        // Step 3: x5c is absent: self attestation.
        // Step 3.1: alg matches the algorithm of the credentialPublicKey in authenticatorData.
        var credentialKey = attested.CredentialPublicKey;
        if (alg != credentialKey.Algorithm)
        {
            throw AttestationChecks.Invalid(Format, $"self attestation (no x5c) with alg {alg} ({(int)alg}) but the credential public key's algorithm is {credentialKey.Algorithm} ({(int)credentialKey.Algorithm}); they must be equal (WebAuthn §8.2 step 3)");
        }

        // Step 3.2: sig is a valid signature over authenticatorData ‖ clientDataHash with the credential public key and alg.
        if (!credentialKey.Verify(signed, sig))
        {
            throw AttestationChecks.Invalid(Format, $"the self attestation signature (sig, {alg}) over authenticatorData ‖ clientDataHash does not verify with the credential public key (WebAuthn §8.2 step 3)");
        }

        // Step 3.3: attestation type Self, empty trust path.
        return new AttestationStatementResult(AttestationType.Self, []);
    }

    /// <summary>§8.2.1 certificate requirements for packed attestation statements.</summary>
    private void CheckCertificateRequirements(X509Certificate2 certificate)
    {
        const string which = "the attestation certificate";

        // Version MUST be set to 3.
        AttestationChecks.RequireVersion3(Format, which, certificate);

        // Subject: C (ISO 3166 code), O (vendor), OU = "Authenticator Attestation", CN (vendor's choice).
        List<(string Oid, string? Value)> subject;
        try
        {
            subject = AttestationChecks.NameAttributes(certificate.SubjectName.RawData);
        }
        catch (System.Formats.Asn1.AsnContentException ex)
        {
            throw AttestationChecks.Invalid(Format, $"{which}'s subject cannot be read ({ex.Message.TrimEnd('.')})");
        }

        string? Single(string oid, string name)
        {
            var values = subject.Where(a => a.Oid == oid).Select(a => a.Value).ToList();
            if (values.Count != 1 || string.IsNullOrWhiteSpace(values[0]))
            {
                throw AttestationChecks.Invalid(Format, $"{which}'s subject '{certificate.Subject}' must have exactly one non-empty {name} attribute (WebAuthn §8.2.1) but has {values.Count}");
            }

            return values[0];
        }

        var country = Single("2.5.4.6", "C (country)");
        if (country!.Length != 2 || !country.All(char.IsAsciiLetterUpper))
        {
            throw AttestationChecks.Invalid(Format, $"{which}'s subject C is '{country}'; it must be an ISO 3166 alpha-2 country code (WebAuthn §8.2.1)");
        }

        Single("2.5.4.10", "O (organization)");
        var ou = Single("2.5.4.11", "OU (organizational unit)");
        if (ou != RequiredOrganizationalUnit)
        {
            throw AttestationChecks.Invalid(Format, $"{which}'s subject OU is '{ou}'; it must be the literal string '{RequiredOrganizationalUnit}' (WebAuthn §8.2.1)");
        }

        Single("2.5.4.3", "CN (common name)");

        // The Basic Constraints extension MUST have the CA component set to false.
        AttestationChecks.RequireNotCa(Format, which, certificate);
    }
}
