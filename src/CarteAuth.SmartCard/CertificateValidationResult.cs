using System.Security.Cryptography.X509Certificates;
using CarteAuth.Authentication;
using CarteAuth.SmartCard.Revocation;

namespace CarteAuth.SmartCard;

/// <summary>The outcome of <see cref="SmartCardCertificateValidator.ValidateAsync"/>: accepted with the card's identity, or refused with a stable reason code.</summary>
public sealed class CertificateValidationResult
{
    internal CertificateValidationResult()
    {
    }

    /// <summary>True when the certificate is accepted.</summary>
    public bool IsValid => ReasonCode is null;

    /// <summary>The reason code when refused (<c>cert.untrusted-chain</c>, <c>cert.expired</c>…); null when accepted.</summary>
    public string? ReasonCode { get; private init; }

    /// <summary>Why it was refused, actionable; null when accepted.</summary>
    public string? Message { get; private init; }

    /// <summary>What the certificate says, when its subject could be read (also on some refusals, for the audit trail).</summary>
    public CpsCertificateInfo? Certificate { get; internal init; }

    /// <summary>The IGC-Santé range of the issuing CA, when recognised.</summary>
    public IgcSanteRange? Range { get; internal init; }

    /// <summary>The assurance the range gives (from <see cref="SmartCardOptions.RangeAssurance"/>); None when refused.</summary>
    public AssuranceLevel Assurance { get; internal init; }

    /// <summary>The issuing CA found when building the chain.</summary>
    public X509Certificate2? IssuerCertificate { get; internal init; }

    /// <summary>True when a revocation checker was configured and called.</summary>
    public bool RevocationChecked => Revocation is not null;

    /// <summary>The revocation checker's answer, when one was called.</summary>
    public RevocationCheckResult? Revocation { get; internal init; }

    /// <summary>Revocation in words: <c>not checked</c> (no checker configured), <c>good</c>, <c>degraded: …</c>, or the refusal.</summary>
    public string RevocationSummary => Revocation switch
    {
        null => "not checked",
        { Degraded: true } r => $"degraded ({r.Status}): {r.Message}",
        { Status: RevocationStatus.Good } => "good",
        var r => $"{r.Status}: {r.Message}",
    };

    /// <summary>True when the certificate was accepted in degraded mode (the revocation checker applied its documented bypass); always audit it.</summary>
    public bool IsDegraded => IsValid && Revocation is { Degraded: true };

    /// <summary>True when the chain came from the cache rather than being built again.</summary>
    public bool ChainFromCache { get; internal init; }

    internal static CertificateValidationResult Refused(string reasonCode, string message, CpsCertificateInfo? info = null, IgcSanteRange? range = null, RevocationCheckResult? revocation = null) =>
        new() { ReasonCode = reasonCode, Message = message, Certificate = info, Range = range, Revocation = revocation };
}
