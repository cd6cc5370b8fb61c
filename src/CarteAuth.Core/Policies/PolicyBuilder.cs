using CarteAuth.Authentication;

namespace CarteAuth.Policies;

/// <summary>
/// Fluent C# form of a policy, equivalent to the JSON form:
/// <code>
/// var policy = PolicyBuilder.Create("dossier-patient")
///     .RequireAssurance(AssuranceLevel.High)
///     .AllowMethods(AuthenticationMethods.Sc | AuthenticationMethods.Hwk)
///     .RequirePhishingResistant()
///     .MaxAuthenticationAge(TimeSpan.FromHours(8))
///     .ForZone(NetworkZone.Remote, z => z.RequireMethods(AuthenticationMethods.Pin).MaxAuthenticationAge(TimeSpan.FromHours(1)))
///     .Build();
/// </code>
/// Both forms go through <see cref="PolicyCompiler"/>.
/// </summary>
public sealed class PolicyBuilder
{
    private readonly PolicyDefinition _definition = new();

    private PolicyBuilder(string name) => Name = name;

    /// <summary>The policy's name.</summary>
    public string Name { get; }

    /// <summary>Starts a policy.</summary>
    public static PolicyBuilder Create(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new PolicyBuilder(name);
    }

    /// <summary>Minimum level of assurance.</summary>
    public PolicyBuilder RequireAssurance(AssuranceLevel level)
    {
        _definition.MinimumAssurance = level;
        return this;
    }

    /// <summary>At least one of these methods must have been used.</summary>
    public PolicyBuilder AllowMethods(AuthenticationMethods methods)
    {
        _definition.AllowedMethods = Amr.ToValues(methods);
        return this;
    }

    /// <summary>All of these methods must have been used.</summary>
    public PolicyBuilder RequireMethods(AuthenticationMethods methods)
    {
        _definition.RequiredMethods = Amr.ToValues(methods);
        return this;
    }

    /// <summary>Require a phishing-resistant method.</summary>
    public PolicyBuilder RequirePhishingResistant(bool required = true)
    {
        _definition.RequirePhishingResistant = required;
        return this;
    }

    /// <summary>Require at least this many factor kinds (2 = multi-factor).</summary>
    public PolicyBuilder RequireFactors(int minimum)
    {
        _definition.MinimumFactors = minimum;
        return this;
    }

    /// <summary>Maximum time since authentication.</summary>
    public PolicyBuilder MaxAuthenticationAge(TimeSpan age)
    {
        _definition.MaxAuthenticationAge = age;
        return this;
    }

    /// <summary>Only these professions (TRE_G15 codes).</summary>
    public PolicyBuilder RequireProfession(params string[] codes)
    {
        _definition.Professions = [.. codes];
        return this;
    }

    /// <summary>Only professionals holding one of these roles.</summary>
    public PolicyBuilder RequireRole(params string[] roles)
    {
        _definition.Roles = [.. roles];
        return this;
    }

    /// <summary>Only professionals of these structures (national form, e.g. <c>1750712184</c>).</summary>
    public PolicyBuilder RequireStructure(params string[] structures)
    {
        _definition.Structures = [.. structures];
        return this;
    }

    /// <summary>Only requests from these zones.</summary>
    public PolicyBuilder AllowZones(params NetworkZone[] zones)
    {
        _definition.AllowedZones = [.. zones];
        return this;
    }

    /// <summary>Tighter requirements in one zone.</summary>
    public PolicyBuilder ForZone(NetworkZone zone, Action<ZoneRequirementsBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var requirements = new ZoneRequirements();
        configure(new ZoneRequirementsBuilder(requirements));
        _definition.Zones[zone.ToString()] = requirements;
        return this;
    }

    /// <summary>Allow break-glass with a mandatory reason of at least <paramref name="minimumReasonLength"/> characters.</summary>
    public PolicyBuilder AllowBreakGlass(int minimumReasonLength = 10)
    {
        _definition.BreakGlass = new BreakGlassDefinition { Enabled = true, MinimumReasonLength = minimumReasonLength };
        return this;
    }

    /// <summary>The definition built so far (for configuration: <c>options.Policies[name] = builder.ToDefinition()</c>).</summary>
    public PolicyDefinition ToDefinition() => _definition;

    /// <summary>Compiles the policy.</summary>
    /// <exception cref="PolicyConfigurationException">The policy is invalid.</exception>
    public CompiledPolicy Build() => PolicyCompiler.Compile(Name, _definition);
}

/// <summary>Fluent form of <see cref="ZoneRequirements"/>.</summary>
public sealed class ZoneRequirementsBuilder
{
    private readonly ZoneRequirements _requirements;

    internal ZoneRequirementsBuilder(ZoneRequirements requirements) => _requirements = requirements;

    /// <summary>Minimum level in this zone.</summary>
    public ZoneRequirementsBuilder RequireAssurance(AssuranceLevel level)
    {
        _requirements.MinimumAssurance = level;
        return this;
    }

    /// <summary>Accepted methods in this zone (replaces the base list).</summary>
    public ZoneRequirementsBuilder AllowMethods(AuthenticationMethods methods)
    {
        _requirements.AllowedMethods = Amr.ToValues(methods);
        return this;
    }

    /// <summary>Methods additionally required in this zone.</summary>
    public ZoneRequirementsBuilder RequireMethods(AuthenticationMethods methods)
    {
        _requirements.RequiredMethods = Amr.ToValues(methods);
        return this;
    }

    /// <summary>Require phishing resistance in this zone.</summary>
    public ZoneRequirementsBuilder RequirePhishingResistant()
    {
        _requirements.RequirePhishingResistant = true;
        return this;
    }

    /// <summary>Minimum factor kinds in this zone.</summary>
    public ZoneRequirementsBuilder RequireFactors(int minimum)
    {
        _requirements.MinimumFactors = minimum;
        return this;
    }

    /// <summary>Maximum authentication age in this zone.</summary>
    public ZoneRequirementsBuilder MaxAuthenticationAge(TimeSpan age)
    {
        _requirements.MaxAuthenticationAge = age;
        return this;
    }
}
