using System.Collections.Frozen;
using CarteAuth.Authentication;

namespace CarteAuth.Policies;

/// <summary>The authentication requirements of one zone, flattened for evaluation.</summary>
internal readonly record struct CompiledRequirement(
    AssuranceLevel MinimumAssurance,
    AuthenticationMethods AcceptedMethods,
    AuthenticationMethods RequiredMethods,
    bool RequirePhishingResistant,
    int MinimumFactors,
    long MaxAgeTicks);

/// <summary>
/// A policy compiled once from a <see cref="PolicyDefinition"/>: method names resolved to flags, lists to frozen
/// sets, zone overrides merged. <see cref="Evaluate"/> allocates nothing. Immutable and thread-safe.
/// </summary>
public sealed class CompiledPolicy
{
    private const int ZoneCount = 2;

    private readonly CompiledRequirement[] _requirements;
    private readonly bool[] _zoneAllowed;
    private readonly FrozenSet<string>? _professions;
    private readonly FrozenSet<string>? _roles;
    private readonly FrozenSet<string>? _structures;
    private readonly bool _breakGlassEnabled;
    private readonly int _breakGlassMinimumReason;

    internal CompiledPolicy(
        string name,
        CompiledRequirement[] requirements,
        bool[] zoneAllowed,
        FrozenSet<string>? professions,
        FrozenSet<string>? roles,
        FrozenSet<string>? structures,
        bool breakGlassEnabled,
        int breakGlassMinimumReason)
    {
        if (requirements.Length != ZoneCount || zoneAllowed.Length != ZoneCount)
        {
            throw new ArgumentException("One requirement and one flag per network zone are expected.");
        }

        Name = name;
        _requirements = requirements;
        _zoneAllowed = zoneAllowed;
        _professions = professions;
        _roles = roles;
        _structures = structures;
        _breakGlassEnabled = breakGlassEnabled;
        _breakGlassMinimumReason = breakGlassMinimumReason;
    }

    /// <summary>The policy's name.</summary>
    public string Name { get; }

    /// <summary>Whether break-glass can lift this policy's profession, role and structure constraints.</summary>
    public bool BreakGlassEnabled => _breakGlassEnabled;

    /// <summary>What a new authentication must satisfy in <paramref name="zone"/> (for login pages that ask up front).</summary>
    public StepUpRequirement RequirementFor(NetworkZone zone) => new(in _requirements[(int)zone], UnmetRequirements.None);

    /// <summary>
    /// Decides. Order: zone (deny), then authorization constraints (deny unless break-glass with a sufficient reason),
    /// then authentication requirements (step-up listing what is missing). Allocates nothing.
    /// </summary>
    public PolicyDecision Evaluate(in PolicyContext context)
    {
        var zone = (int)context.Zone;
        if ((uint)zone >= ZoneCount || !_zoneAllowed[zone])
        {
            return PolicyDecision.Deny(Name, ReasonCodes.ZoneNotAllowed);
        }

        ref readonly var requirement = ref _requirements[zone];
        var evidence = context.Evidence;
        if (evidence is null)
        {
            return PolicyDecision.RequireStepUp(Name, ReasonCodes.AuthenticationRequired, new StepUpRequirement(in requirement, UnmetRequirements.NotAuthenticated), false);
        }

        var breakGlass = false;
        var constraint = FirstUnmetConstraint(evidence);
        if (constraint is not null)
        {
            var reason = context.BreakGlassReason;
            var asked = !string.IsNullOrWhiteSpace(reason);
            if (!_breakGlassEnabled)
            {
                return PolicyDecision.Deny(Name, asked ? ReasonCodes.BreakGlassNotAllowed : constraint);
            }

            if (!asked)
            {
                return PolicyDecision.Deny(Name, constraint, breakGlassAvailable: true);
            }

            if (reason!.AsSpan().Trim().Length < _breakGlassMinimumReason)
            {
                return PolicyDecision.Deny(Name, ReasonCodes.BreakGlassReasonRequired, breakGlassAvailable: true);
            }

            breakGlass = true;
        }

        var unmet = UnmetRequirements.None;
        var methods = evidence.Methods;
        if (evidence.Assurance < requirement.MinimumAssurance)
        {
            unmet |= UnmetRequirements.Assurance;
        }

        if (requirement.AcceptedMethods != AuthenticationMethods.None && (methods & requirement.AcceptedMethods) == 0)
        {
            unmet |= UnmetRequirements.AcceptedMethod;
        }

        if ((methods & requirement.RequiredMethods) != requirement.RequiredMethods)
        {
            unmet |= UnmetRequirements.RequiredMethods;
        }

        if (requirement.RequirePhishingResistant && !evidence.IsPhishingResistant)
        {
            unmet |= UnmetRequirements.PhishingResistance;
        }

        if (requirement.MinimumFactors > evidence.FactorCount)
        {
            unmet |= UnmetRequirements.Factors;
        }

        if (requirement.MaxAgeTicks > 0 && (context.Now - evidence.AuthenticatedAt).Ticks > requirement.MaxAgeTicks)
        {
            unmet |= UnmetRequirements.Freshness;
        }

        return unmet == UnmetRequirements.None
            ? PolicyDecision.Allow(Name, breakGlass)
            : PolicyDecision.RequireStepUp(Name, ReasonCodes.StepUpRequired, new StepUpRequirement(in requirement, unmet), breakGlass);
    }

    private string? FirstUnmetConstraint(AuthenticationEvidence evidence)
    {
        var identity = evidence.Identity;
        if (_professions is not null && (identity.ProfessionCode is null || !_professions.Contains(identity.ProfessionCode)))
        {
            return ReasonCodes.ProfessionNotAllowed;
        }

        if (_roles is not null && !AnyRole(identity.Roles))
        {
            return ReasonCodes.RoleNotAllowed;
        }

        if (_structures is not null && !AnyStructure(identity.Structures))
        {
            return ReasonCodes.StructureNotAllowed;
        }

        return null;
    }

    private bool AnyRole(IReadOnlyList<string> roles)
    {
        for (var i = 0; i < roles.Count; i++)
        {
            if (_roles!.Contains(roles[i]))
            {
                return true;
            }
        }

        return false;
    }

    private bool AnyStructure(IReadOnlyList<Identity.StructureAffiliation> structures)
    {
        for (var i = 0; i < structures.Count; i++)
        {
            if (_structures!.Contains(structures[i].Identifier.NationalValue))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => $"policy '{Name}'";
}
