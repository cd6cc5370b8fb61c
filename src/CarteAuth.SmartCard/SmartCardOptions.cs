using System.Security.Cryptography.X509Certificates;
using CarteAuth.Authentication;

namespace CarteAuth.SmartCard;

/// <summary>
/// Options of <see cref="SmartCardCertificateValidator"/>: which CAs to trust (only these: never the operating
/// system's store), which IGC-Santé ranges to accept and at what assurance, clock skew and chain cache.
/// </summary>
public sealed class SmartCardOptions
{
    /// <summary>Trust anchors (IGC-Santé roots, e.g. <c>AC RACINE IGC-SANTE FORT</c>), in addition to <see cref="TrustAnchorPaths"/>.</summary>
    public X509Certificate2Collection TrustAnchors { get; } = [];

    /// <summary>PEM or DER files, or folders of them, holding trust anchors.</summary>
    public IList<string> TrustAnchorPaths { get; } = [];

    /// <summary>Intermediate CAs (e.g. <c>AC IGC-SANTE FORT PERSONNES</c>) used to build chains, in addition to <see cref="IntermediatePaths"/>. Not trusted by themselves.</summary>
    public X509Certificate2Collection Intermediates { get; } = [];

    /// <summary>PEM or DER files, or folders of them, holding intermediate CAs.</summary>
    public IList<string> IntermediatePaths { get; } = [];

    /// <summary>Ranges accepted; default FORT only (CPS/CPx cards). Certificates of other ranges are refused with <c>cert.unknown-range</c>.</summary>
    public ISet<IgcSanteRange> AllowedRanges { get; } = new HashSet<IgcSanteRange> { IgcSanteRange.Fort };

    /// <summary>Assurance reached with each range; default FORT high, STANDARD substantial, ELEMENTAIRE low (<see cref="IgcSanteRanges.DefaultAssurance"/>).</summary>
    public IDictionary<IgcSanteRange, AssuranceLevel> RangeAssurance { get; } = new Dictionary<IgcSanteRange, AssuranceLevel>
    {
        [IgcSanteRange.Fort] = IgcSanteRanges.DefaultAssurance(IgcSanteRange.Fort),
        [IgcSanteRange.Standard] = IgcSanteRanges.DefaultAssurance(IgcSanteRange.Standard),
        [IgcSanteRange.Elementaire] = IgcSanteRanges.DefaultAssurance(IgcSanteRange.Elementaire),
    };

    /// <summary>Tolerated clock difference when checking validity periods; default 5 minutes, at most 1 hour.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a built chain is reused for the same certificate; default 5 minutes, zero disables the cache.</summary>
    public TimeSpan ChainCacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long the validated path of an issuing CA (e.g. AC IGC-SANTE FORT PERSONNES → root) is reused to validate new
    /// cards of that CA with one signature check instead of a full chain build; default 1 hour, zero disables it.
    /// Paths with name or policy constraints, and unusual certificates, always get a full chain build.
    /// </summary>
    public TimeSpan IssuerPathCacheDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How many chains the cache holds at most; default 1024.</summary>
    public int ChainCacheCapacity { get; set; } = 1024;
}
