using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.Identity;

namespace CarteAuth.SmartCard;

/// <summary>The kind of IGC-Santé card a certificate belongs to.</summary>
public enum CpsCardKind
{
    /// <summary>A personal card (CPS): <c>CN=idNat+SN+GN, title=profession, C=FR</c>.</summary>
    Personal = 1,

    /// <summary>An establishment staff card (CPA/CPE): <c>CN=idNat/card, OU=structure, L, O, C=FR</c>.</summary>
    Staff = 2,
}

/// <summary>What an IGC-Santé card certificate says: the professional's identity, the card kind, the issuing range, usages and validity.</summary>
public sealed class CpsCertificateInfo
{
    internal CpsCertificateInfo(ProfessionalIdentity identity, CpsCardKind kind)
    {
        Identity = identity;
        Kind = kind;
    }

    /// <summary>The professional, as Core's identity (idNat, names, profession, structure).</summary>
    public ProfessionalIdentity Identity { get; }

    /// <summary>Personal (CPS) or staff (CPA/CPE) card.</summary>
    public CpsCardKind Kind { get; }

    /// <summary>For staff cards, the card or personnel identifier after <c>/</c> in the idNat (e.g. <c>CPAT0001</c>).</summary>
    public string? CardId { get; init; }

    /// <summary>For staff cards, the structure identifier as written in <c>OU</c>, parsed or not.</summary>
    public string? StructureIdText { get; init; }

    /// <summary>
    /// For staff cards whose <c>OU</c> is missing or not a valid national structure identifier: why no structure
    /// affiliation was set (the identity is kept). Null when the structure was read, and for personal cards.
    /// </summary>
    public string? StructureProblem { get; init; }

    /// <summary>The IGC-Santé range of the issuing CA, or null when the issuer is not an <c>AC IGC-SANTE …</c> CA.</summary>
    public IgcSanteRange? Range { get; init; }

    /// <summary>The issuing CA's common name (e.g. <c>AC IGC-SANTE FORT PERSONNES</c>), when present.</summary>
    public string? IssuerCommonName { get; init; }

    /// <summary>The issuer's distinguished name, as displayed.</summary>
    public required string Issuer { get; init; }

    /// <summary>The serial number, upper-case hex.</summary>
    public required string SerialNumber { get; init; }

    /// <summary>The SHA-256 thumbprint of the certificate, upper-case hex.</summary>
    public required string Sha256Thumbprint { get; init; }

    /// <summary>Start of validity (UTC).</summary>
    public DateTimeOffset NotBefore { get; init; }

    /// <summary>End of validity (UTC).</summary>
    public DateTimeOffset NotAfter { get; init; }

    /// <summary>True when the certificate has the clientAuth extended key usage (RFC 5280 §4.2.1.12).</summary>
    public bool HasClientAuth { get; init; }

    /// <summary>True when the certificate has the digitalSignature key usage (RFC 5280 §4.2.1.3).</summary>
    public bool HasDigitalSignature { get; init; }

    /// <summary>True for test cards (RPPS 997…, idNat <c>8997…</c>).</summary>
    public bool IsTestCard => Identity.NationalId.IsTestIdentifier;
}

/// <summary>
/// Reads IGC-Santé card certificates (CPS, CPA/CPE) into Core's <see cref="ProfessionalIdentity"/>. Reading does not
/// validate the chain, the validity period or usages: <see cref="SmartCardCertificateValidator"/> does.
/// </summary>
public static class CpsCertificate
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>Reads the identity in a card certificate.</summary>
    /// <param name="certificate">The card's authentication certificate.</param>
    /// <param name="info">What the certificate says, on success.</param>
    /// <param name="reasonCode">On failure, <c>cert.malformed-subject</c> (or <c>cert.unreadable</c> when the validity dates cannot be decoded); empty on success.</param>
    /// <param name="message">On failure, what is wrong with the subject or the certificate; empty on success.</param>
    public static bool TryRead(
        X509Certificate2 certificate,
        [NotNullWhen(true)] out CpsCertificateInfo? info,
        out string reasonCode,
        out string message)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        info = null;
        reasonCode = ReasonCodes.CertMalformedSubject;
        List<DistinguishedNames.Attribute> subject;
        List<DistinguishedNames.Attribute> issuer;
        try
        {
            subject = DistinguishedNames.Read(certificate.SubjectName);
            issuer = DistinguishedNames.Read(certificate.IssuerName);
        }
        catch (CryptographicException e)
        {
            message = $"The certificate's subject or issuer name cannot be decoded ({e.Message}); it is not an IGC-Santé card certificate.";
            return false;
        }

        var commonNames = DistinguishedNames.Values(subject, DistinguishedNames.CommonName);
        if (commonNames.Count != 1)
        {
            message = $"The certificate subject has {commonNames.Count} CN attributes; an IGC-Santé card certificate has exactly one, holding the idNat.";
            return false;
        }

        var surnames = DistinguishedNames.Values(subject, DistinguishedNames.Surname);
        if (surnames.Count != 1 || string.IsNullOrWhiteSpace(surnames[0]))
        {
            message = $"The certificate subject has {(surnames.Count == 1 ? "an empty" : surnames.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))} SN attribute{(surnames.Count == 1 ? string.Empty : "s")}; an IGC-Santé card certificate has exactly one family name (SN) next to the idNat (CN).";
            return false;
        }

        if (!NationalId.TryParse(commonNames[0], out var nationalId, out _, out var idMessage))
        {
            message = $"The certificate's CN is not a valid idNat: {idMessage}";
            return false;
        }

        var givenNames = DistinguishedNames.Values(subject, DistinguishedNames.GivenName);
        var givenName = givenNames.Count > 0 ? givenNames[0] : null;
        var kind = nationalId.Kind == NationalIdKind.StructureStaff ? CpsCardKind.Staff : CpsCardKind.Personal;
        var titles = DistinguishedNames.Values(subject, DistinguishedNames.Title);
        var label = titles.Count > 0 && !string.IsNullOrWhiteSpace(titles[0]) ? titles[0].Trim() : null;
        string? structureText = null;
        string? structureProblem = null;
        IReadOnlyList<StructureAffiliation> structures = [];
        if (kind == CpsCardKind.Staff)
        {
            var units = DistinguishedNames.Values(subject, DistinguishedNames.OrganizationalUnit);
            var organization = DistinguishedNames.Values(subject, DistinguishedNames.Organization).FirstOrDefault();
            structureText = units.FirstOrDefault();
            if (units.Count == 0)
            {
                structureProblem = "The staff certificate has no OU: no structure affiliation is set.";
            }
            else
            {
                try
                {
                    structures = [new StructureAffiliation(StructureIdentifier.ParseNational(units[0]), organization)];
                }
                catch (IdentityFormatException e)
                {
                    structureProblem = $"The staff certificate's OU '{Printable.Of(units[0])}' is not a national structure identifier ({e.Message}); no structure affiliation is set.";
                }
            }
        }

        ProfessionalIdentity identity;
        try
        {
            identity = new ProfessionalIdentity(nationalId, surnames[0], givenName)
            {
                ProfessionLabel = label,
                ProfessionCode = IgcSanteProfessions.TryGetCode(label, out var code) ? code : null,
                Structures = structures,
            };
        }
        catch (IdentityFormatException e)
        {
            message = e.Message;
            return false;
        }

        if (!TryReadValidity(certificate, out var notBefore, out var notAfter, out var validityProblem))
        {
            reasonCode = ReasonCodes.CertUnreadable;
            message = validityProblem;
            return false;
        }

        var issuerCn = DistinguishedNames.Values(issuer, DistinguishedNames.CommonName).FirstOrDefault();
        info = new CpsCertificateInfo(identity, kind)
        {
            CardId = kind == CpsCardKind.Staff ? nationalId.InternalPart.ToString() : null,
            StructureIdText = structureText,
            StructureProblem = structureProblem,
            Range = IgcSanteRanges.TryParseIssuerCommonName(issuerCn, out var range) ? range : null,
            IssuerCommonName = issuerCn,
            Issuer = certificate.Issuer,
            SerialNumber = certificate.SerialNumber,
            Sha256Thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256),
            NotBefore = notBefore,
            NotAfter = notAfter,
            HasClientAuth = HasClientAuth(certificate),
            HasDigitalSignature = HasDigitalSignature(certificate),
        };
        reasonCode = string.Empty;
        message = string.Empty;
        return true;
    }

    /// <summary>Reads the identity in a card certificate.</summary>
    /// <exception cref="CarteAuthException"><c>cert.malformed-subject</c>: the subject does not have the CPS/CPx shape; <c>cert.unreadable</c>: the validity dates cannot be decoded.</exception>
    public static CpsCertificateInfo Read(X509Certificate2 certificate)
    {
        if (TryRead(certificate, out var info, out var code, out var message))
        {
            return info;
        }

        throw new CarteAuthException(code, message);
    }

    /// <summary>
    /// RFC 5280 §4.1.2.5: the validity period as UTC instants. False, with what is wrong, when the dates cannot be
    /// decoded (the platform decodes them lazily, so a certificate that loaded can still fail here).
    /// </summary>
    internal static bool TryReadValidity(X509Certificate2 certificate, out DateTimeOffset notBefore, out DateTimeOffset notAfter, out string problem)
    {
        try
        {
            notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
            notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            problem = string.Empty;
            return true;
        }
        catch (CryptographicException e)
        {
            (notBefore, notAfter) = (default, default);
            problem = $"The certificate's validity dates cannot be decoded ({e.Message.TrimEnd('.')}); it is not a well-formed X.509 certificate (RFC 5280 §4.1.2.5). Export the card's certificate again.";
            return false;
        }
    }

    /// <summary>
    /// RFC 5280 §4.2.1.12: true when the extended key usage extension is present and lists id-kp-clientAuth. An
    /// extension whose value cannot be decoded asserts nothing (false: the certificate is refused, fail closed).
    /// </summary>
    internal static bool HasClientAuth(X509Certificate2 certificate)
    {
        try
        {
            foreach (var extension in certificate.Extensions)
            {
                if (extension is X509EnhancedKeyUsageExtension eku)
                {
                    foreach (var oid in eku.EnhancedKeyUsages)
                    {
                        if (oid.Value == ClientAuthOid)
                        {
                            return true;
                        }
                    }
                }
            }
        }
        catch (CryptographicException)
        {
            return false;
        }

        return false;
    }

    /// <summary>
    /// RFC 5280 §4.2.1.3: true when the key usage extension is present and asserts digitalSignature. An extension
    /// whose value cannot be decoded asserts nothing (false: the certificate is refused, fail closed).
    /// </summary>
    internal static bool HasDigitalSignature(X509Certificate2 certificate)
    {
        try
        {
            foreach (var extension in certificate.Extensions)
            {
                if (extension is X509KeyUsageExtension ku)
                {
                    return (ku.KeyUsages & X509KeyUsageFlags.DigitalSignature) != 0;
                }
            }
        }
        catch (CryptographicException)
        {
            return false;
        }

        return false;
    }
}
