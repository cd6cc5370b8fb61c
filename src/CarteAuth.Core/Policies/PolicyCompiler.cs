using System.Collections.Frozen;
using CarteAuth.Authentication;
using CarteAuth.Identity;

namespace CarteAuth.Policies;

/// <summary>A policy definition or policy file is invalid. <see cref="Errors"/> lists every problem with its location.</summary>
public sealed class PolicyConfigurationException : CarteAuthException
{
    /// <summary>Creates the error from one or more problems.</summary>
    public PolicyConfigurationException(IReadOnlyList<string> errors, Exception? innerException = null)
        : base(ReasonCodes.InvalidPolicy, Format(errors), innerException)
    {
        Errors = errors;
    }

    /// <summary>Each problem, prefixed with where it is (e.g. <c>Policies:dossier-patient:AllowedMethods[1]</c>).</summary>
    public IReadOnlyList<string> Errors { get; }

    private static string Format(IReadOnlyList<string> errors) => errors.Count == 1
        ? "Invalid CarteAuth policy configuration: " + errors[0]
        : $"Invalid CarteAuth policy configuration ({errors.Count} problems):{Environment.NewLine}- " + string.Join(Environment.NewLine + "- ", errors);
}

/// <summary>Compiles policy definitions, checking everything a mistake could hide in. The only way to a <see cref="CompiledPolicy"/>.</summary>
public static class PolicyCompiler
{
    /// <summary>Compiles one definition.</summary>
    /// <exception cref="PolicyConfigurationException">The definition is invalid; every problem is listed.</exception>
    public static CompiledPolicy Compile(string name, PolicyDefinition definition)
    {
        var errors = new List<string>();
        var policy = Compile(name, definition, $"Policies:{name}", errors);
        return errors.Count == 0 ? policy! : throw new PolicyConfigurationException(errors);
    }

    /// <summary>Compiles every policy of an options object.</summary>
    /// <exception cref="PolicyConfigurationException">Any definition is invalid; every problem of every policy is listed.</exception>
    public static FrozenDictionary<string, CompiledPolicy> CompileAll(CarteAuthPolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var compiled = new Dictionary<string, CompiledPolicy>(StringComparer.Ordinal);
        foreach (var (name, definition) in options.Policies)
        {
            var policy = Compile(name, definition, $"Policies:{name}", errors);
            if (policy is not null)
            {
                compiled[name] = policy;
            }
        }

        return errors.Count == 0 ? compiled.ToFrozenDictionary(StringComparer.Ordinal) : throw new PolicyConfigurationException(errors);
    }

    private static CompiledPolicy? Compile(string name, PolicyDefinition? definition, string path, List<string> errors)
    {
        var before = errors.Count;
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add($"{path}: a policy needs a non-blank name.");
        }

        if (definition is null)
        {
            errors.Add($"{path}: the policy has no definition (null).");
            return null;
        }

        CheckLevel(definition.MinimumAssurance, $"{path}:MinimumAssurance", errors);
        var accepted = Methods(definition.AllowedMethods, $"{path}:AllowedMethods", errors);
        var required = Methods(definition.RequiredMethods, $"{path}:RequiredMethods", errors);
        CheckFactors(definition.MinimumFactors, $"{path}:MinimumFactors", errors);
        CheckAge(definition.MaxAuthenticationAge, $"{path}:MaxAuthenticationAge", errors);

        var baseRequirement = new CompiledRequirement(
            definition.MinimumAssurance,
            accepted,
            required,
            definition.RequirePhishingResistant,
            definition.MinimumFactors,
            definition.MaxAuthenticationAge?.Ticks ?? 0);

        var requirements = new[] { baseRequirement, baseRequirement };
        foreach (var (zoneName, zone) in definition.Zones)
        {
            var zonePath = $"{path}:Zones:{zoneName}";
            if (!Enum.TryParse<NetworkZone>(zoneName, ignoreCase: true, out var z) || !Enum.IsDefined(z) || int.TryParse(zoneName, out _))
            {
                errors.Add($"{zonePath}: '{zoneName}' is not a network zone; use {string.Join(" or ", Enum.GetNames<NetworkZone>())}.");
                continue;
            }

            if (zone is null)
            {
                continue;
            }

            requirements[(int)z] = Tighten(baseRequirement, zone, zonePath, errors);
        }

        var zoneAllowed = new bool[2];
        if (definition.AllowedZones.Count == 0)
        {
            zoneAllowed[0] = zoneAllowed[1] = true;
        }

        for (var i = 0; i < definition.AllowedZones.Count; i++)
        {
            var z = definition.AllowedZones[i];
            if (!Enum.IsDefined(z))
            {
                errors.Add($"{path}:AllowedZones[{i}]: {(int)z} is not a network zone; use {string.Join(" or ", Enum.GetNames<NetworkZone>())}.");
                continue;
            }

            zoneAllowed[(int)z] = true;
        }

        var professions = Set(definition.Professions, $"{path}:Professions", errors, static _ => null);
        var roles = Set(definition.Roles, $"{path}:Roles", errors, static _ => null);
        var structures = Set(definition.Structures, $"{path}:Structures", errors, static s =>
        {
            try
            {
                StructureIdentifier.ParseNational(s);
                return null;
            }
            catch (IdentityFormatException e)
            {
                return e.Message;
            }
        });

        var breakGlass = definition.BreakGlass ?? new BreakGlassDefinition();
        if (breakGlass.Enabled && breakGlass.MinimumReasonLength < 1)
        {
            errors.Add($"{path}:BreakGlass:MinimumReasonLength: break-glass needs a mandatory reason; set a minimum length of at least 1 (10 or more is advised), not {breakGlass.MinimumReasonLength}.");
        }

        if (breakGlass.Enabled && professions is null && roles is null && structures is null)
        {
            errors.Add($"{path}:BreakGlass:Enabled: break-glass only lifts Professions, Roles or Structures constraints and this policy has none; remove BreakGlass or add a constraint.");
        }

        if (errors.Count > before)
        {
            return null;
        }

        return new CompiledPolicy(name, requirements, zoneAllowed, professions, roles, structures, breakGlass.Enabled, breakGlass.MinimumReasonLength);
    }

    private static CompiledRequirement Tighten(CompiledRequirement b, ZoneRequirements zone, string path, List<string> errors)
    {
        if (zone.MinimumAssurance is { } level)
        {
            CheckLevel(level, $"{path}:MinimumAssurance", errors);
        }

        if (zone.MinimumFactors is { } factors)
        {
            CheckFactors(factors, $"{path}:MinimumFactors", errors);
        }

        CheckAge(zone.MaxAuthenticationAge, $"{path}:MaxAuthenticationAge", errors);
        var accepted = zone.AllowedMethods.Count > 0 ? Methods(zone.AllowedMethods, $"{path}:AllowedMethods", errors) : b.AcceptedMethods;
        var required = b.RequiredMethods | Methods(zone.RequiredMethods, $"{path}:RequiredMethods", errors);
        var maxAge = zone.MaxAuthenticationAge is { } age && (b.MaxAgeTicks == 0 || age.Ticks < b.MaxAgeTicks) ? age.Ticks : b.MaxAgeTicks;
        return new CompiledRequirement(
            (AssuranceLevel)Math.Max((int)b.MinimumAssurance, (int)(zone.MinimumAssurance ?? AssuranceLevel.None)),
            accepted,
            required,
            b.RequirePhishingResistant || zone.RequirePhishingResistant == true,
            Math.Max(b.MinimumFactors, zone.MinimumFactors ?? 0),
            maxAge);
    }

    private static AuthenticationMethods Methods(IList<string>? values, string path, List<string> errors)
    {
        var result = AuthenticationMethods.None;
        if (values is null)
        {
            return result;
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (Amr.TryParse(values[i], out var method))
            {
                result |= method;
            }
            else
            {
                errors.Add($"{path}[{i}]: '{values[i]}' is not an RFC 8176 amr value; use one of {string.Join(", ", Amr.RegisteredValues)}.");
            }
        }

        return result;
    }

    private static FrozenSet<string>? Set(IList<string>? values, string path, List<string> errors, Func<string, string?> check)
    {
        if (values is null || values.Count == 0)
        {
            return null;
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(values[i]))
            {
                errors.Add($"{path}[{i}]: empty value; remove it or give a code.");
            }
            else if (check(values[i]) is { } problem)
            {
                errors.Add($"{path}[{i}]: {problem}");
            }
        }

        return values.Where(static v => !string.IsNullOrWhiteSpace(v)).ToFrozenSet(StringComparer.Ordinal);
    }

    private static void CheckLevel(AssuranceLevel level, string path, List<string> errors)
    {
        if (!Enum.IsDefined(level) || level == AssuranceLevel.None)
        {
            errors.Add($"{path}: {level} is not a minimum level; use Low, Substantial or High.");
        }
    }

    private static void CheckFactors(int factors, string path, List<string> errors)
    {
        if (factors is < 0 or > 3)
        {
            errors.Add($"{path}: {factors} is not a factor count; use 0 (no requirement) to 3 (knowledge, possession and inherence).");
        }
    }

    private static void CheckAge(TimeSpan? age, string path, List<string> errors)
    {
        if (age is { } a && a <= TimeSpan.Zero)
        {
            errors.Add($"{path}: {a} must be positive (e.g. 08:00:00), or left out for no limit.");
        }
    }
}
