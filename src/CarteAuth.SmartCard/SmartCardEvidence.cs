using System.Globalization;
using CarteAuth.Authentication;

namespace CarteAuth.SmartCard;

/// <summary>Turns an accepted card certificate into evidence: one set of rules for every way a card is presented (TLS, PKCS#11 challenge).</summary>
internal static class SmartCardEvidence
{
    /// <summary>
    /// Methods <c>sc pin hwk</c> for the FORT range (card with PIN; <c>swk</c> for software ranges), assurance from the
    /// range, credential id the certificate's SHA-256 thumbprint, properties <c>issuer</c>, <c>serial</c>, <c>range</c>,
    /// <c>cardKind</c>, <c>revocation</c>, <c>notAfter</c> (and <c>degraded</c>, <c>structureProblem</c>, <c>testCard</c> when they apply).
    /// </summary>
    public static AuthenticationEvidence Create(CertificateValidationResult result, string authenticatorName, DateTimeOffset authenticatedAt, bool isPhishingResistant, IReadOnlyDictionary<string, string>? extraProperties = null)
    {
        var info = result.Certificate!;
        var range = result.Range!.Value;
        var methods = range == IgcSanteRange.Fort
            ? AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk
            : AuthenticationMethods.Swk;
        var properties = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["issuer"] = info.Issuer,
            ["serial"] = info.SerialNumber,
            ["range"] = range.ToString().ToUpperInvariant(),
            ["cardKind"] = info.Kind.ToString().ToLowerInvariant(),
            ["revocation"] = result.RevocationSummary,
            ["notAfter"] = info.NotAfter.ToString("O", CultureInfo.InvariantCulture),
        };
        if (result.IsDegraded)
        {
            properties[AuthenticationEvidence.DegradedProperty] = ReasonCodes.CertRevocationDegraded;
        }

        if (info.StructureProblem is not null)
        {
            properties["structureProblem"] = info.StructureProblem;
        }

        if (info.IsTestCard)
        {
            properties["testCard"] = "true";
        }

        foreach (var (key, value) in extraProperties ?? new Dictionary<string, string>())
        {
            properties[key] = value;
        }

        return new AuthenticationEvidence(info.Identity, methods, result.Assurance, authenticatedAt, authenticatorName)
        {
            CredentialId = info.Sha256Thumbprint,
            IsPhishingResistant = isPhishingResistant,
            Properties = properties,
        };
    }
}
