using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.Fido2.Metadata;

namespace CarteAuth.Fido2.Attestation;

/// <summary>
/// Verifies a registration's attestation (WebAuthn L3 §7.1 steps 21-24): selects the format verifier, runs its §8
/// verification procedure, consults the FIDO Metadata Service (status reports, attestation roots), validates the x5c
/// trust path against the configured anchors, and applies the <see cref="AttestationTrustOptions"/> and the
/// per-registration <see cref="AttestationRequirement"/>.
/// </summary>
public sealed class AttestationVerifier : IAttestationVerifier
{
    private readonly Dictionary<string, IAttestationStatementVerifier> _formats;
    private readonly AttestationTrustOptions _options;
    private readonly IFidoMetadataService? _metadata;

    /// <summary>Creates the verifier.</summary>
    /// <param name="formats">The format verifiers (one per format identifier; see <see cref="DefaultFormats"/>).</param>
    /// <param name="options">Trust settings (default: no anchors, all six formats, untrusted attestation accepted).</param>
    /// <param name="metadata">The FIDO Metadata Service, if any.</param>
    public AttestationVerifier(IEnumerable<IAttestationStatementVerifier> formats, AttestationTrustOptions? options = null, IFidoMetadataService? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(formats);
        _formats = new Dictionary<string, IAttestationStatementVerifier>(StringComparer.Ordinal);
        foreach (var format in formats)
        {
            ArgumentNullException.ThrowIfNull(format);
            if (!_formats.TryAdd(format.Format, format))
            {
                throw new ArgumentException($"Two attestation statement verifiers are registered for the format '{format.Format}'.", nameof(formats));
            }
        }

        _options = options ?? new AttestationTrustOptions();
        ArgumentNullException.ThrowIfNull(_options.TrustAnchors, nameof(options));
        ArgumentNullException.ThrowIfNull(_options.AllowedFormats, nameof(options));
        ArgumentNullException.ThrowIfNull(_options.TimeProvider, nameof(options));
        _metadata = metadata;
    }

    /// <summary>The verifiers of the six formats (none, packed, tpm, android-key, fido-u2f, apple) with the policies of <paramref name="options"/>.</summary>
    public static IReadOnlyList<IAttestationStatementVerifier> DefaultFormats(AttestationTrustOptions? options = null) =>
    [
        new NoneAttestationVerifier(),
        new PackedAttestationVerifier(),
        new TpmAttestationVerifier(),
        new AndroidKeyAttestationVerifier(options?.AndroidKey),
        new FidoU2FAttestationVerifier(options?.FidoU2F),
        new AppleAttestationVerifier(),
    ];

    /// <summary>A verifier of the six formats with <paramref name="options"/> and an optional metadata service.</summary>
    public static AttestationVerifier CreateDefault(AttestationTrustOptions? options = null, IFidoMetadataService? metadata = null) =>
        new(DefaultFormats(options), options, metadata);

    /// <summary>The format identifiers this verifier can verify (registered and allowed by the options).</summary>
    public IEnumerable<string> SupportedFormats => _formats.Keys.Where(_options.AllowedFormats.Contains);

    /// <inheritdoc/>
    public async ValueTask<AttestationVerificationResult> VerifyAsync(AttestationObject attestation, ReadOnlyMemory<byte> clientDataHash, AttestationRequirement requirement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        ArgumentNullException.ThrowIfNull(requirement);
        var format = attestation.Format;
        var attested = attestation.AuthenticatorData.AttestedCredentialData
            ?? throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, "The authenticator data has no attested credential data (AT flag clear); a registration must carry the new credential (WebAuthn §6.5.2).");
        if (clientDataHash.Length != 32)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, $"The client data hash is {clientDataHash.Length} bytes; it is the SHA-256 of clientDataJSON (32 bytes).");
        }

        // §7.1 step numbers as in the Level 3 Candidate Recommendation (they shift between drafts; the text is quoted).
        // Step 21: "determine the attestation statement format by performing a USASCII case-sensitive match on fmt
        // against the set of supported WebAuthn Attestation Statement Format Identifier values" (registered and allowed).
        if (!_formats.TryGetValue(format, out var verifier) || !_options.AllowedFormats.Contains(format) || (requirement.AllowedFormats is { } allowed && !allowed.Contains(format)))
        {
            var why = !_formats.ContainsKey(format) ? "is not supported" : "is not allowed by the relying party's policy";
            var accepted = SupportedFormats.Where(f => requirement.AllowedFormats?.Contains(f) ?? true).Order(StringComparer.Ordinal);
            throw new WebAuthnException(ReasonCodes.WebAuthnAttestationFormatUnsupported, $"The attestation statement format '{Printable(format)}' {why} (accepted: {string.Join(", ", accepted)}). Request attestation 'none' or use an authenticator with an accepted format.");
        }

        // Step 22: "verify that attStmt is a correct attestation statement, conveying a valid attestation signature, by
        // using the attestation statement format fmt's verification procedure given attStmt, authData and hash".
        AttestationStatementResult statement;
        try
        {
            statement = verifier.Verify(new AttestationInput(attestation.Statement, attestation.AuthenticatorData, clientDataHash));
        }
        catch (Exception ex) when (ex is CryptographicException or System.Formats.Asn1.AsnContentException or FormatException)
        {
            // A certificate or structure the platform cannot process (e.g. explicit EC curve parameters).
            throw new WebAuthnException(ReasonCodes.WebAuthnAttestationInvalid, $"{format}: the attestation statement cannot be processed ({ex.Message.TrimEnd('.')}).", ex);
        }

        try
        {
            return await AssessAsync(format, statement, attested.Aaguid, requirement, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            foreach (var certificate in statement.TrustPath)
            {
                certificate.Dispose();
            }

            throw;
        }
    }

    /// <summary>§7.1 steps 23-24 and the relying party's model policy, after the statement verified.</summary>
    private async Task<AttestationVerificationResult> AssessAsync(string format, AttestationStatementResult statement, Guid aaguid, AttestationRequirement requirement, CancellationToken cancellationToken)
    {
        var trustPath = statement.TrustPath;

        // Relying party policy on the authenticator model (AAGUID allow-lists of the options and of the registration).
        foreach (var allowList in new[] { _options.AllowedAaguids, requirement.AllowedAaguids })
        {
            if (allowList is not null && !allowList.Contains(aaguid))
            {
                throw new WebAuthnException(ReasonCodes.WebAuthnAaguidNotAllowed, $"The authenticator model {aaguid} ({format} attestation) is not in the relying party's list of allowed AAGUIDs ({allowList.Count} allowed). Register with an allowed authenticator model.");
            }
        }

        var requireTrusted = requirement.RequireTrustedAttestation || !_options.AcceptUntrustedAttestation;

        // Step 23: "obtain a list of acceptable trust anchors (i.e. attestation root certificates) for that attestation
        // type and attestation statement format fmt, from a trusted source or from policy": the configured anchors plus
        // the attestation root certificates of the model's FIDO Metadata Service entry (looked up by AAGUID), whose
        // status reports are checked on the way.
        MetadataEntry? entry = null;
        if (_metadata is not null && aaguid != Guid.Empty)
        {
            try
            {
                entry = await _metadata.GetEntryAsync(aaguid, cancellationToken).ConfigureAwait(false);
            }
            catch (WebAuthnException) when (!requireTrusted)
            {
                // Metadata unavailable or invalid: a registration that accepts untrusted attestation proceeds without
                // it (reported with Metadata null); one that requires trust does not.
                entry = null;
            }
        }

        if (entry is not null)
        {
            CheckStatusReports(entry, trustPath, format);
        }

        // Step 24: "assess the attestation trustworthiness using the outputs of the verification procedure".
        bool trusted;
        switch (statement.Type)
        {
            case AttestationType.None:
            case AttestationType.Self:
                // "If no attestation was provided / if self attestation was used, verify that it is acceptable under
                // Relying Party policy": only when the policy does not require trust.
                if (requireTrusted)
                {
                    throw new WebAuthnException(ReasonCodes.WebAuthnAttestationRequired, $"The registration carries {(statement.Type == AttestationType.None ? "no attestation (format none)" : $"self attestation ({format} without x5c)")} but the relying party requires a trusted attestation. Request attestation 'direct' or 'enterprise' and use an authenticator with a certified attestation.");
                }

                trusted = false;
                break;
            default:
            {
                // "Otherwise, use the X.509 certificates returned as the attestation trust path from the verification
                // procedure to verify that the attestation public key either correctly chains up to an acceptable root
                // certificate, or is itself an acceptable certificate".
                if (trustPath.Count == 0)
                {
                    throw new WebAuthnException(ReasonCodes.WebAuthnAttestationInvalid, $"{format}: the format verifier reported {statement.Type} attestation without a trust path (x5c).");
                }

                var anchors = _options.TrustAnchors.Concat(entry?.AttestationRootCertificates ?? []).ToList();
                var (chains, why) = ValidateTrustPath(trustPath, anchors, _options.TimeProvider.GetUtcNow());
                trusted = chains;
                if (!trusted && requireTrusted)
                {
                    throw new WebAuthnException(ReasonCodes.WebAuthnAttestationUntrusted, $"The {format} attestation certificate '{trustPath[0].Subject}' (issuer '{trustPath[0].Issuer}') does not chain to an accepted attestation root: {why}. Configure the vendor's attestation root as a trust anchor or in the FIDO Metadata Service.");
                }

                break;
            }
        }

        return new AttestationVerificationResult(format, statement.Type, trustPath, trusted, aaguid, entry);
    }

    /// <summary>
    /// MDS status reports: a compromised model is refused; an ATTESTATION_KEY_COMPROMISE report naming a certificate
    /// refuses the trust paths that contain that certificate.
    /// </summary>
    private static void CheckStatusReports(MetadataEntry entry, IReadOnlyList<X509Certificate2> trustPath, string format)
    {
        if (entry.IsCompromised)
        {
            var latest = entry.StatusReports.Count > 0 ? entry.StatusReports[^1].Status.ToString() : "compromised";
            throw new WebAuthnException(ReasonCodes.WebAuthnAuthenticatorRevoked, $"The FIDO Metadata Service reports the authenticator model {entry.Aaguid} ('{entry.Description}') as {latest}; its credentials are not accepted. Use another authenticator.");
        }

        foreach (var report in entry.StatusReports)
        {
            if (report.Status == AuthenticatorStatus.AttestationKeyCompromise && report.Certificate is { Length: > 0 } compromised &&
                trustPath.Any(c => c.RawData.AsSpan().SequenceEqual(compromised)))
            {
                throw new WebAuthnException(ReasonCodes.WebAuthnAuthenticatorRevoked, $"The FIDO Metadata Service reports the {format} attestation key of '{entry.Description}' ({entry.Aaguid}) in this trust path as compromised (ATTESTATION_KEY_COMPROMISE{(report.EffectiveDate is { } d ? $" since {d:yyyy-MM-dd}" : "")}). Use another authenticator.");
            }
        }
    }

    /// <summary>Builds the chain of <paramref name="trustPath"/> to <paramref name="anchors"/> at <paramref name="time"/>, without revocation checks or downloads.</summary>
    internal static (bool Trusted, string Reason) ValidateTrustPath(IReadOnlyList<X509Certificate2> trustPath, IReadOnlyList<X509Certificate2> anchors, DateTimeOffset time)
    {
        if (anchors.Count == 0)
        {
            return (false, "no attestation trust anchor is configured and the FIDO Metadata Service has none for this model");
        }

        var leaf = trustPath[0];
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = time.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        foreach (var anchor in anchors)
        {
            chain.ChainPolicy.CustomTrustStore.Add(anchor);
        }

        for (var i = 1; i < trustPath.Count; i++)
        {
            chain.ChainPolicy.ExtraStore.Add(trustPath[i]);
        }

        try
        {
            bool built;
            try
            {
                built = chain.Build(leaf);
            }
            catch (CryptographicException ex)
            {
                return (false, $"the chain cannot be built ({ex.Message.TrimEnd('.')})");
            }

            if (built)
            {
                return (true, "");
            }

            // "or is itself an acceptable certificate": the attestation certificate is one of the anchors, valid now.
            if (anchors.Any(a => a.RawData.AsSpan().SequenceEqual(leaf.RawData)) && leaf.NotBefore.ToUniversalTime() <= time.UtcDateTime && time.UtcDateTime <= leaf.NotAfter.ToUniversalTime())
            {
                return (true, "");
            }

            var statuses = chain.ChainStatus.Select(s => $"{s.Status} ({s.StatusInformation.Trim().TrimEnd('.')})").Distinct();
            return (false, string.Join("; ", statuses));
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                if (!trustPath.Contains(element.Certificate) && !anchors.Contains(element.Certificate))
                {
                    element.Certificate.Dispose();
                }
            }
        }
    }

    private static string Printable(string value) =>
        value.Length <= 32 && value.All(c => c is >= ' ' and <= '~') ? value : $"{new string(value.Take(32).Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray())}…";
}
