using BenchmarkDotNet.Attributes;
using CarteAuth.Authentication;
using CarteAuth.Identity;
using CarteAuth.Policies;

namespace CarteAuth.Benchmarks;

/// <summary>
/// Policy evaluation on the hot path (every request of a protected route). Target: under 1 µs and 0 B allocated
/// for a full hospital policy. Baseline: a policy with a single minimum-level rule, in the same run.
/// </summary>
[MemoryDiagnoser]
public class PolicyEvaluationBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private CompiledPolicy _minimal = null!;
    private CompiledPolicy _full = null!;
    private PolicyContext _card;
    private PolicyContext _fido2Remote;
    private PolicyContext _breakGlass;

    [GlobalSetup]
    public void Setup()
    {
        _minimal = PolicyBuilder.Create("minimal").RequireAssurance(AssuranceLevel.Substantial).Build();
        _full = PolicyBuilder.Create("dossier-service")
            .RequireAssurance(AssuranceLevel.High)
            .AllowMethods(AuthenticationMethods.Sc | AuthenticationMethods.Hwk)
            .RequireMethods(AuthenticationMethods.Pin)
            .RequirePhishingResistant()
            .RequireFactors(2)
            .MaxAuthenticationAge(TimeSpan.FromHours(8))
            .RequireProfession("10", "21", "40", "50", "60")
            .RequireRole("praticien", "interne", "urgentiste")
            .RequireStructure("1750712184", "1130786049")
            .AllowBreakGlass(15)
            .ForZone(NetworkZone.Remote, z => z.MaxAuthenticationAge(TimeSpan.FromHours(1)))
            .Build();

        var doctor = new ProfessionalIdentity(NationalId.Parse("810002813839"), "DONNAT-GADY", "ISABELLE")
        {
            ProfessionCode = "10",
            Roles = ["praticien"],
            Structures = [new StructureAffiliation(StructureIdentifier.ParseNational("1750712184"))],
        };
        var outsider = new ProfessionalIdentity(NationalId.Parse("899700075122"), "PHARMACH0007512", "CAROLE") { ProfessionCode = "21", Roles = ["praticien"] };
        var card = new AuthenticationEvidence(doctor, AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk, AssuranceLevel.High, Now.AddMinutes(-5), "smartcard") { IsPhishingResistant = true };
        var fido2 = new AuthenticationEvidence(doctor, AuthenticationMethods.Hwk, AssuranceLevel.Substantial, Now.AddHours(-2), "fido2") { IsPhishingResistant = true };
        var outsiderCard = new AuthenticationEvidence(outsider, card.Methods, AssuranceLevel.High, Now.AddMinutes(-5), "smartcard") { IsPhishingResistant = true };
        _card = new PolicyContext(card, Now);
        _fido2Remote = new PolicyContext(fido2, Now, NetworkZone.Remote);
        _breakGlass = new PolicyContext(outsiderCard, Now, NetworkZone.Internal, "Patiente inconsciente, pharmacien de garde");
    }

    [Benchmark(Baseline = true)]
    public PolicyOutcome MinimalPolicy_Allow() => _minimal.Evaluate(_card).Outcome;

    [Benchmark]
    public PolicyOutcome FullPolicy_Allow() => _full.Evaluate(_card).Outcome;

    [Benchmark]
    public PolicyOutcome FullPolicy_StepUp() => _full.Evaluate(_fido2Remote).Outcome;

    [Benchmark]
    public PolicyOutcome FullPolicy_BreakGlass() => _full.Evaluate(_breakGlass).Outcome;
}
