using System.Collections.ObjectModel;
using CarteAuth.Identity;

namespace CarteAuth.Authentication;

/// <summary>
/// What an authenticator proved: who the professional is, with which methods, at what level and when.
/// Everything above the authenticators (policy engine, sessions, gateways) speaks only evidence. Immutable.
/// </summary>
public sealed class AuthenticationEvidence
{
    private static readonly IReadOnlyDictionary<string, string> NoProperties = ReadOnlyDictionary<string, string>.Empty;

    /// <summary>Creates evidence.</summary>
    /// <param name="identity">The authenticated professional.</param>
    /// <param name="methods">The RFC 8176 methods used (e.g. <c>sc | pin | hwk</c> for a CPS card).</param>
    /// <param name="assurance">The level of assurance reached.</param>
    /// <param name="authenticatedAt">When the professional authenticated (OIDC <c>auth_time</c>).</param>
    /// <param name="authenticator">The name of the authenticator that produced it (e.g. <c>smartcard</c>, <c>fido2</c>, <c>psc</c>).</param>
    public AuthenticationEvidence(
        ProfessionalIdentity identity,
        AuthenticationMethods methods,
        AssuranceLevel assurance,
        DateTimeOffset authenticatedAt,
        string authenticator)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentException.ThrowIfNullOrWhiteSpace(authenticator);
        if (!Enum.IsDefined(assurance))
        {
            throw new ArgumentOutOfRangeException(nameof(assurance), assurance, "Unknown assurance level.");
        }

        Identity = identity;
        Methods = methods;
        Assurance = assurance;
        AuthenticatedAt = authenticatedAt;
        Authenticator = authenticator;
    }

    /// <summary>The authenticated professional.</summary>
    public ProfessionalIdentity Identity { get; }

    /// <summary>The methods used (RFC 8176 amr).</summary>
    public AuthenticationMethods Methods { get; }

    /// <summary>The level of assurance reached.</summary>
    public AssuranceLevel Assurance { get; }

    /// <summary>The ACR value as received or asserted (e.g. PSC's <c>eidas1</c>); null when none was given.</summary>
    public string? Acr { get; init; }

    /// <summary>When the professional authenticated.</summary>
    public DateTimeOffset AuthenticatedAt { get; }

    /// <summary>Name of the authenticator that produced this evidence.</summary>
    public string Authenticator { get; }

    /// <summary>Identifier of the credential used (certificate thumbprint, WebAuthn credential id…), when meaningful.</summary>
    public string? CredentialId { get; init; }

    /// <summary>
    /// True when the method resists phishing (origin-bound: TLS client certificate, WebAuthn). Set by the
    /// authenticator; never inferred from amr values alone.
    /// </summary>
    public bool IsPhishingResistant { get; init; }

    /// <summary>The factor kinds combined, derived from <see cref="Methods"/>.</summary>
    public AuthenticationFactors Factors => Methods.ToFactors();

    /// <summary>How many distinct factor kinds were combined (2 or more is multi-factor).</summary>
    public int FactorCount => System.Numerics.BitOperations.PopCount((uint)Factors);

    /// <summary>
    /// The <see cref="Properties"/> key an authenticator sets when it accepted the credential in a degraded mode (e.g. the
    /// smart card revocation bypass, "débrayage"); its value is the reason code of that mode (e.g.
    /// <see cref="ReasonCodes.CertRevocationDegraded"/>). The authentication service records that code in the success's
    /// audit event, so every degraded access can be found and reviewed afterwards.
    /// </summary>
    public const string DegradedProperty = "degraded";

    /// <summary>
    /// Extra facts the authenticator wants kept (AAGUID, certificate issuer…). Never used for decisions by Core.
    /// A read-only copy of what was set: later changes to the caller's dictionary do not show here.
    /// </summary>
    public IReadOnlyDictionary<string, string> Properties
    {
        get;
        init => field = value is null || value.Count == 0
            ? NoProperties
            : new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(value, StringComparer.Ordinal));
    } = NoProperties;
}
