using CarteAuth.Authentication;

namespace CarteAuth.Policies;

/// <summary>
/// The options root bound from configuration (section <see cref="SectionName"/>): named policy definitions.
/// <code>
/// "CarteAuth": { "Policies": { "dossier-patient": { "MinimumAssurance": "High", "AllowedMethods": [ "sc", "hwk" ] } } }
/// </code>
/// </summary>
public sealed class CarteAuthPolicyOptions
{
    /// <summary>The configuration section the policies are bound from.</summary>
    public const string SectionName = "CarteAuth";

    /// <summary>Policy definitions by name (names are case-sensitive).</summary>
    public IDictionary<string, PolicyDefinition> Policies { get; set; } = new Dictionary<string, PolicyDefinition>(StringComparer.Ordinal);
}

/// <summary>
/// A declarative access policy, as written in JSON configuration or produced by <see cref="PolicyBuilder"/>.
/// Compile it with <see cref="PolicyCompiler"/>; evaluation uses the compiled form only.
/// Authentication requirements (level, methods, phishing resistance, freshness, factors) lead to a step-up when
/// unmet; authorization constraints (profession, role, structure, zone) lead to a denial, which break-glass can
/// lift for profession, role and structure only.
/// </summary>
public sealed class PolicyDefinition
{
    /// <summary>Minimum level of assurance (default <see cref="AssuranceLevel.Low"/>: any authenticated professional).</summary>
    public AssuranceLevel MinimumAssurance { get; set; } = AssuranceLevel.Low;

    /// <summary>Accepted primary methods, as RFC 8176 amr values (<c>sc</c>, <c>hwk</c>…): at least one must have been used. Empty: any.</summary>
    public IList<string> AllowedMethods { get; set; } = [];

    /// <summary>Methods that must all have been used (e.g. <c>pin</c> for user verification). Empty: none.</summary>
    public IList<string> RequiredMethods { get; set; } = [];

    /// <summary>Require a phishing-resistant method (TLS client certificate, WebAuthn).</summary>
    public bool RequirePhishingResistant { get; set; }

    /// <summary>Minimum number of distinct factor kinds (knowledge, possession, inherence); 0 for no requirement, 2 for multi-factor.</summary>
    public int MinimumFactors { get; set; }

    /// <summary>Maximum time since the professional authenticated (e.g. <c>08:00:00</c>). Null: no limit.</summary>
    public TimeSpan? MaxAuthenticationAge { get; set; }

    /// <summary>Allowed profession codes (TRE_G15, e.g. <c>10</c> Médecin, <c>60</c> Infirmier). Empty: any.</summary>
    public IList<string> Professions { get; set; } = [];

    /// <summary>Allowed roles; the professional must hold at least one. Empty: any.</summary>
    public IList<string> Roles { get; set; } = [];

    /// <summary>Allowed structures in national form (type digit + identifier, e.g. <c>1750712184</c> for FINESS 750712184). Empty: any.</summary>
    public IList<string> Structures { get; set; } = [];

    /// <summary>Network zones the policy accepts requests from (<c>Internal</c>, <c>Remote</c>). Empty: all.</summary>
    public IList<NetworkZone> AllowedZones { get; set; } = [];

    /// <summary>Stricter requirements per zone, by zone name (<c>Internal</c>, <c>Remote</c>); each only tightens the base ones.</summary>
    public IDictionary<string, ZoneRequirements> Zones { get; set; } = new Dictionary<string, ZoneRequirements>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Break-glass ("bris de glace"): access despite profession/role/structure constraints, with a mandatory reason, always audited.</summary>
    public BreakGlassDefinition BreakGlass { get; set; } = new();
}

/// <summary>Requirements that apply in one network zone on top of the policy's base requirements.</summary>
public sealed class ZoneRequirements
{
    /// <summary>Minimum level in this zone (the higher of this and the base applies).</summary>
    public AssuranceLevel? MinimumAssurance { get; set; }

    /// <summary>Accepted primary methods in this zone; when set, replaces the base list (amr values).</summary>
    public IList<string> AllowedMethods { get; set; } = [];

    /// <summary>Methods additionally required in this zone (amr values).</summary>
    public IList<string> RequiredMethods { get; set; } = [];

    /// <summary>Require phishing resistance in this zone.</summary>
    public bool? RequirePhishingResistant { get; set; }

    /// <summary>Minimum factor kinds in this zone (the higher of this and the base applies).</summary>
    public int? MinimumFactors { get; set; }

    /// <summary>Maximum authentication age in this zone (the shorter of this and the base applies).</summary>
    public TimeSpan? MaxAuthenticationAge { get; set; }
}

/// <summary>Break-glass settings of a policy.</summary>
public sealed class BreakGlassDefinition
{
    /// <summary>Whether break-glass may lift profession, role and structure constraints.</summary>
    public bool Enabled { get; set; }

    /// <summary>Minimum length of the mandatory reason, in characters after trimming (default 10).</summary>
    public int MinimumReasonLength { get; set; } = 10;
}
