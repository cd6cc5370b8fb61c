using System.Text;
using CarteAuth.Authentication;

namespace CarteAuth.Policies;

/// <summary>The three outcomes of a policy evaluation.</summary>
public enum PolicyOutcome
{
    /// <summary>Access is granted.</summary>
    Allow = 0,

    /// <summary>Access is refused; another authentication would not help (or only break-glass would).</summary>
    Deny = 1,

    /// <summary>Access would be granted after a stronger or fresher authentication, described by <see cref="PolicyDecision.StepUp"/>.</summary>
    StepUp = 2,
}

/// <summary>Which step-up requirements the current authentication does not meet.</summary>
[Flags]
public enum UnmetRequirements
{
    /// <summary>All met.</summary>
    None = 0,
    /// <summary>No authenticated professional at all.</summary>
    NotAuthenticated = 1,
    /// <summary>The level of assurance is too low.</summary>
    Assurance = 2,
    /// <summary>None of the accepted methods was used.</summary>
    AcceptedMethod = 4,
    /// <summary>A required method (e.g. <c>pin</c>) was not used.</summary>
    RequiredMethods = 8,
    /// <summary>The method was not phishing resistant.</summary>
    PhishingResistance = 16,
    /// <summary>Too few factor kinds were combined.</summary>
    Factors = 32,
    /// <summary>The authentication is older than allowed.</summary>
    Freshness = 64,
}

/// <summary>What a new authentication must satisfy, with what the current one lacks. Allocation free.</summary>
public readonly struct StepUpRequirement
{
    internal StepUpRequirement(in CompiledRequirement requirement, UnmetRequirements unmet)
    {
        MinimumAssurance = requirement.MinimumAssurance;
        AcceptedMethods = requirement.AcceptedMethods;
        RequiredMethods = requirement.RequiredMethods;
        RequirePhishingResistant = requirement.RequirePhishingResistant;
        MinimumFactors = requirement.MinimumFactors;
        MaxAuthenticationAge = requirement.MaxAgeTicks > 0 ? new TimeSpan(requirement.MaxAgeTicks) : null;
        Unmet = unmet;
    }

    /// <summary>Minimum level of assurance.</summary>
    public AssuranceLevel MinimumAssurance { get; }

    /// <summary>At least one of these methods (None: any).</summary>
    public AuthenticationMethods AcceptedMethods { get; }

    /// <summary>All of these methods.</summary>
    public AuthenticationMethods RequiredMethods { get; }

    /// <summary>Whether a phishing-resistant method is needed.</summary>
    public bool RequirePhishingResistant { get; }

    /// <summary>Minimum number of factor kinds.</summary>
    public int MinimumFactors { get; }

    /// <summary>The authentication must be at most this old (so a fresh one is needed when <see cref="UnmetRequirements.Freshness"/>).</summary>
    public TimeSpan? MaxAuthenticationAge { get; }

    /// <summary>What the current authentication lacks.</summary>
    public UnmetRequirements Unmet { get; }

    /// <summary>A sentence a person can act on, e.g. "authenticate again at level high with one of sc, hwk, including pin (phishing-resistant)".</summary>
    public string Describe()
    {
        var sb = new StringBuilder("authenticate");
        sb.Append(Unmet.HasFlag(UnmetRequirements.Freshness) ? " again" : string.Empty);
        sb.Append(" at level ").Append(Acr.ToValue(MinimumAssurance)).Append(" or above");
        if (AcceptedMethods != AuthenticationMethods.None)
        {
            sb.Append(" with one of ").AppendJoin(", ", Amr.ToValues(AcceptedMethods));
        }

        if (RequiredMethods != AuthenticationMethods.None)
        {
            sb.Append(", including ").AppendJoin(" and ", Amr.ToValues(RequiredMethods));
        }

        if (RequirePhishingResistant)
        {
            sb.Append(", using a phishing-resistant method (smart card certificate or FIDO2)");
        }

        if (MinimumFactors > 1)
        {
            sb.Append(", combining ").Append(MinimumFactors).Append(" factors");
        }

        if (MaxAuthenticationAge is { } age)
        {
            sb.Append(", within the last ").Append(age.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }
}

/// <summary>A policy decision: Allow, Deny(reason code) or StepUp(what would satisfy it). Allocation free.</summary>
public readonly struct PolicyDecision
{
    private PolicyDecision(string policyName, PolicyOutcome outcome, string reasonCode, StepUpRequirement stepUp, bool breakGlassUsed, bool breakGlassAvailable)
    {
        PolicyName = policyName;
        Outcome = outcome;
        ReasonCode = reasonCode;
        StepUp = stepUp;
        BreakGlassUsed = breakGlassUsed;
        BreakGlassAvailable = breakGlassAvailable;
    }

    /// <summary>The policy that decided.</summary>
    public string PolicyName { get; }

    /// <summary>The outcome.</summary>
    public PolicyOutcome Outcome { get; }

    /// <summary>The stable reason code (<c>policy.allow</c>, <c>policy.step-up-required</c>, <c>policy.profession-not-allowed</c>…).</summary>
    public string ReasonCode { get; }

    /// <summary>For <see cref="PolicyOutcome.StepUp"/>: what a new authentication must satisfy.</summary>
    public StepUpRequirement StepUp { get; }

    /// <summary>True when access was granted (or would be, after step-up) only through break-glass.</summary>
    public bool BreakGlassUsed { get; }

    /// <summary>For a denial: true when a break-glass request with a sufficient reason would lift it.</summary>
    public bool BreakGlassAvailable { get; }

    /// <summary>True for <see cref="PolicyOutcome.Allow"/>.</summary>
    public bool IsAllowed => Outcome == PolicyOutcome.Allow;

    internal static PolicyDecision Allow(string policy, bool breakGlass) =>
        new(policy, PolicyOutcome.Allow, breakGlass ? ReasonCodes.PolicyBreakGlass : ReasonCodes.PolicyAllow, default, breakGlass, false);

    internal static PolicyDecision Deny(string policy, string reasonCode, bool breakGlassAvailable = false) =>
        new(policy, PolicyOutcome.Deny, reasonCode, default, false, breakGlassAvailable);

    internal static PolicyDecision RequireStepUp(string policy, string reasonCode, StepUpRequirement requirement, bool breakGlass) =>
        new(policy, PolicyOutcome.StepUp, reasonCode, requirement, breakGlass, false);

    /// <inheritdoc/>
    public override string ToString() => Outcome switch
    {
        PolicyOutcome.StepUp => $"{PolicyName}: step-up ({ReasonCode}): {StepUp.Describe()}",
        _ => $"{PolicyName}: {Outcome.ToString().ToLowerInvariant()} ({ReasonCode})",
    };
}
