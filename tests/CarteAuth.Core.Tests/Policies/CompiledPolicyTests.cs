using CarteAuth.Authentication;
using CarteAuth.Policies;
using CarteAuth.Core.Tests.TestSupport;

namespace CarteAuth.Core.Tests.Policies;

public sealed class CompiledPolicyTests
{
    private static readonly DateTimeOffset Now = Evidence.Now;

    private static CompiledPolicy DossierPatient() => PolicyBuilder.Create("dossier-patient")
        .RequireAssurance(AssuranceLevel.High)
        .AllowMethods(AuthenticationMethods.Sc | AuthenticationMethods.Hwk)
        .RequireMethods(AuthenticationMethods.Pin)
        .RequirePhishingResistant()
        .MaxAuthenticationAge(TimeSpan.FromHours(8))
        .Build();

    [Fact]
    public void Card_with_pin_at_high_level_is_allowed()
    {
        var decision = DossierPatient().Evaluate(new PolicyContext(Evidence.Card(), Now));

        Assert.Equal(PolicyOutcome.Allow, decision.Outcome);
        Assert.Equal(ReasonCodes.PolicyAllow, decision.ReasonCode);
        Assert.True(decision.IsAllowed);
        Assert.False(decision.BreakGlassUsed);
        Assert.Equal("dossier-patient", decision.PolicyName);
    }

    [Fact]
    public void No_evidence_asks_for_authentication_with_the_full_requirement()
    {
        var decision = DossierPatient().Evaluate(new PolicyContext(null, Now));

        Assert.Equal(PolicyOutcome.StepUp, decision.Outcome);
        Assert.Equal(ReasonCodes.AuthenticationRequired, decision.ReasonCode);
        Assert.Equal(UnmetRequirements.NotAuthenticated, decision.StepUp.Unmet);
        Assert.Equal(AssuranceLevel.High, decision.StepUp.MinimumAssurance);
        Assert.Equal(AuthenticationMethods.Sc | AuthenticationMethods.Hwk, decision.StepUp.AcceptedMethods);
        Assert.Equal(AuthenticationMethods.Pin, decision.StepUp.RequiredMethods);
        Assert.True(decision.StepUp.RequirePhishingResistant);
    }

    [Fact]
    public void Fido2_without_user_verification_steps_up_for_pin_and_level()
    {
        var decision = DossierPatient().Evaluate(new PolicyContext(Evidence.Fido2NoUv(), Now));

        Assert.Equal(PolicyOutcome.StepUp, decision.Outcome);
        Assert.Equal(ReasonCodes.StepUpRequired, decision.ReasonCode);
        Assert.Equal(UnmetRequirements.Assurance | UnmetRequirements.RequiredMethods, decision.StepUp.Unmet);
        var text = decision.StepUp.Describe();
        Assert.Contains("high", text, StringComparison.Ordinal);
        Assert.Contains("including pin", text, StringComparison.Ordinal);
        Assert.Contains("sc, hwk", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Password_and_otp_lack_accepted_method_and_phishing_resistance()
    {
        var decision = DossierPatient().Evaluate(new PolicyContext(Evidence.PasswordOtp(), Now));

        Assert.Equal(PolicyOutcome.StepUp, decision.Outcome);
        Assert.True(decision.StepUp.Unmet.HasFlag(UnmetRequirements.AcceptedMethod));
        Assert.True(decision.StepUp.Unmet.HasFlag(UnmetRequirements.PhishingResistance));
        Assert.True(decision.StepUp.Unmet.HasFlag(UnmetRequirements.RequiredMethods));
        Assert.Contains("phishing-resistant", decision.StepUp.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Authentication_older_than_the_maximum_age_steps_up_for_freshness_only()
    {
        var decision = DossierPatient().Evaluate(new PolicyContext(Evidence.Card(age: TimeSpan.FromHours(8) + TimeSpan.FromSeconds(1)), Now));

        Assert.Equal(PolicyOutcome.StepUp, decision.Outcome);
        Assert.Equal(UnmetRequirements.Freshness, decision.StepUp.Unmet);
        Assert.Equal(TimeSpan.FromHours(8), decision.StepUp.MaxAuthenticationAge);
        Assert.StartsWith("authenticate again", decision.StepUp.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Authentication_exactly_at_the_maximum_age_is_still_allowed()
    {
        var decision = DossierPatient().Evaluate(new PolicyContext(Evidence.Card(age: TimeSpan.FromHours(8)), Now));

        Assert.True(decision.IsAllowed);
    }

    [Fact]
    public void Minimum_factors_counts_distinct_factor_kinds()
    {
        var policy = PolicyBuilder.Create("mfa").RequireFactors(2).Build();

        Assert.True(policy.Evaluate(new PolicyContext(Evidence.Card(), Now)).IsAllowed);
        var single = policy.Evaluate(new PolicyContext(Evidence.Fido2NoUv(), Now));
        Assert.Equal(UnmetRequirements.Factors, single.StepUp.Unmet);
        Assert.Contains("combining 2 factors", single.StepUp.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Zone_not_allowed_is_denied_whatever_the_evidence()
    {
        var policy = PolicyBuilder.Create("internal-only").AllowZones(NetworkZone.Internal).Build();

        var decision = policy.Evaluate(new PolicyContext(Evidence.Card(), Now, NetworkZone.Remote));

        Assert.Equal(PolicyOutcome.Deny, decision.Outcome);
        Assert.Equal(ReasonCodes.ZoneNotAllowed, decision.ReasonCode);
        Assert.True(policy.Evaluate(new PolicyContext(Evidence.Card(), Now, NetworkZone.Internal)).IsAllowed);
    }

    [Fact]
    public void Remote_zone_tightens_the_base_requirements()
    {
        var policy = PolicyBuilder.Create("webmail")
            .RequireAssurance(AssuranceLevel.Substantial)
            .MaxAuthenticationAge(TimeSpan.FromHours(10))
            .ForZone(NetworkZone.Remote, z => z.RequireAssurance(AssuranceLevel.High).RequirePhishingResistant().MaxAuthenticationAge(TimeSpan.FromHours(1)))
            .Build();

        Assert.True(policy.Evaluate(new PolicyContext(Evidence.PasswordOtp(), Now, NetworkZone.Internal)).IsAllowed);

        var remote = policy.Evaluate(new PolicyContext(Evidence.PasswordOtp(), Now, NetworkZone.Remote));
        Assert.Equal(UnmetRequirements.Assurance | UnmetRequirements.PhishingResistance, remote.StepUp.Unmet);

        var oldCard = policy.Evaluate(new PolicyContext(Evidence.Card(age: TimeSpan.FromHours(2)), Now, NetworkZone.Remote));
        Assert.Equal(UnmetRequirements.Freshness, oldCard.StepUp.Unmet);
        Assert.Equal(TimeSpan.FromHours(1), oldCard.StepUp.MaxAuthenticationAge);
        Assert.Equal(TimeSpan.FromHours(10), policy.RequirementFor(NetworkZone.Internal).MaxAuthenticationAge);
    }

    [Fact]
    public void Zone_cannot_loosen_a_base_requirement()
    {
        var policy = PolicyBuilder.Create("strict")
            .RequireAssurance(AssuranceLevel.High)
            .MaxAuthenticationAge(TimeSpan.FromHours(1))
            .ForZone(NetworkZone.Remote, z => z.RequireAssurance(AssuranceLevel.Low).MaxAuthenticationAge(TimeSpan.FromHours(12)))
            .Build();

        var requirement = policy.RequirementFor(NetworkZone.Remote);
        Assert.Equal(AssuranceLevel.High, requirement.MinimumAssurance);
        Assert.Equal(TimeSpan.FromHours(1), requirement.MaxAuthenticationAge);
    }

    [Fact]
    public void Profession_constraint_denies_other_professions()
    {
        var policy = PolicyBuilder.Create("prescription").RequireProfession("10").Build();

        Assert.True(policy.Evaluate(new PolicyContext(Evidence.Card(), Now)).IsAllowed);
        var pharmacist = policy.Evaluate(new PolicyContext(Evidence.Card(Evidence.Pharmacist()), Now));
        Assert.Equal(PolicyOutcome.Deny, pharmacist.Outcome);
        Assert.Equal(ReasonCodes.ProfessionNotAllowed, pharmacist.ReasonCode);
        Assert.False(pharmacist.BreakGlassAvailable);
    }

    [Fact]
    public void Role_and_structure_constraints_need_one_match()
    {
        var policy = PolicyBuilder.Create("urgences").RequireRole("urgentiste", "interne").RequireStructure("1750712184").Build();

        Assert.True(policy.Evaluate(new PolicyContext(Evidence.Card(Evidence.Doctor("interne")), Now)).IsAllowed);
        Assert.Equal(ReasonCodes.RoleNotAllowed, policy.Evaluate(new PolicyContext(Evidence.Card(Evidence.Doctor("cadre")), Now)).ReasonCode);
        Assert.Equal(ReasonCodes.StructureNotAllowed, policy.Evaluate(new PolicyContext(Evidence.Card(Evidence.Doctor("interne", structure: null)), Now)).ReasonCode);
    }

    [Fact]
    public void Break_glass_needs_a_reason_and_is_flagged()
    {
        var policy = PolicyBuilder.Create("dossier-service").RequireStructure("1750712184").AllowBreakGlass(minimumReasonLength: 15).Build();
        var outsider = Evidence.Card(Evidence.Doctor(structure: null));

        var noReason = policy.Evaluate(new PolicyContext(outsider, Now));
        Assert.Equal(PolicyOutcome.Deny, noReason.Outcome);
        Assert.Equal(ReasonCodes.StructureNotAllowed, noReason.ReasonCode);
        Assert.True(noReason.BreakGlassAvailable);

        var shortReason = policy.Evaluate(new PolicyContext(outsider, Now, breakGlassReason: "   urgence    "));
        Assert.Equal(ReasonCodes.BreakGlassReasonRequired, shortReason.ReasonCode);

        var granted = policy.Evaluate(new PolicyContext(outsider, Now, breakGlassReason: "Patient inconscient aux urgences"));
        Assert.Equal(PolicyOutcome.Allow, granted.Outcome);
        Assert.Equal(ReasonCodes.PolicyBreakGlass, granted.ReasonCode);
        Assert.True(granted.BreakGlassUsed);

        var member = policy.Evaluate(new PolicyContext(Evidence.Card(), Now, breakGlassReason: "Patient inconscient aux urgences"));
        Assert.Equal(ReasonCodes.PolicyAllow, member.ReasonCode);
        Assert.False(member.BreakGlassUsed);
    }

    [Fact]
    public void Break_glass_never_lifts_authentication_requirements()
    {
        var policy = PolicyBuilder.Create("dossier-service").RequireAssurance(AssuranceLevel.High).RequireStructure("1750712184").AllowBreakGlass().Build();

        var decision = policy.Evaluate(new PolicyContext(Evidence.PasswordOtp(Evidence.Doctor(structure: null)), Now, breakGlassReason: "Patient inconscient aux urgences"));

        Assert.Equal(PolicyOutcome.StepUp, decision.Outcome);
        Assert.True(decision.BreakGlassUsed);
        Assert.Equal(UnmetRequirements.Assurance, decision.StepUp.Unmet);
    }

    [Fact]
    public void Break_glass_on_a_policy_without_it_is_refused_explicitly()
    {
        var policy = PolicyBuilder.Create("prescription").RequireProfession("10").Build();

        var decision = policy.Evaluate(new PolicyContext(Evidence.Card(Evidence.Pharmacist()), Now, breakGlassReason: "Patient inconscient aux urgences"));

        Assert.Equal(ReasonCodes.BreakGlassNotAllowed, decision.ReasonCode);
    }

    [Fact]
    public void Decision_describes_itself_for_logs()
    {
        var decision = DossierPatient().Evaluate(new PolicyContext(Evidence.Fido2NoUv(), Now));

        Assert.StartsWith("dossier-patient: step-up (policy.step-up-required): authenticate at level high", decision.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluation_allocates_nothing()
    {
        var policy = PolicyBuilder.Create("dossier-service")
            .RequireAssurance(AssuranceLevel.High)
            .AllowMethods(AuthenticationMethods.Sc | AuthenticationMethods.Hwk)
            .RequireMethods(AuthenticationMethods.Pin)
            .RequirePhishingResistant()
            .RequireFactors(2)
            .MaxAuthenticationAge(TimeSpan.FromHours(8))
            .RequireProfession("10", "21")
            .RequireRole("interne", "praticien")
            .RequireStructure("1750712184")
            .AllowBreakGlass()
            .ForZone(NetworkZone.Remote, z => z.MaxAuthenticationAge(TimeSpan.FromHours(1)))
            .Build();
        var contexts = new[]
        {
            new PolicyContext(Evidence.Card(Evidence.Doctor("interne")), Now),
            new PolicyContext(Evidence.Fido2NoUv(Evidence.Doctor("interne")), Now, NetworkZone.Remote),
            new PolicyContext(Evidence.Card(Evidence.Doctor("cadre")), Now),
            new PolicyContext(Evidence.Card(Evidence.Doctor("cadre")), Now, breakGlassReason: "Patient inconscient aux urgences"),
            new PolicyContext(null, Now),
        };
        var outcomes = 0;
        foreach (var c in contexts)
        {
            outcomes += (int)policy.Evaluate(c).Outcome; // warm up (JIT, static init)
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            foreach (var c in contexts)
            {
                outcomes += (int)policy.Evaluate(c).Outcome;
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(outcomes > 0);
    }
}
