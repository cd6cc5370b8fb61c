using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Policies;
using CarteAuth.Core.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.Core.Tests.Policies;

public sealed class PolicyEvaluatorTests
{
    private static IPolicyProvider Policies() => new ServiceCollection()
        .AddCarteAuthPolicy("dossier-patient", b => b.RequireAssurance(AssuranceLevel.High).RequireMethods(AuthenticationMethods.Pin))
        .AddCarteAuthPolicy("dossier-service", b => b.RequireStructure("1750712184").AllowBreakGlass(15))
        .BuildServiceProvider()
        .GetRequiredService<IPolicyProvider>();

    private static async Task<AuditEvent> SingleEventAsync(InMemoryAuditStore store)
    {
        var events = new List<AuditEvent>();
        await foreach (var e in store.ReadAsync())
        {
            events.Add(e);
        }

        return Assert.Single(events);
    }

    [Fact]
    public async Task Each_decision_is_recorded_with_policy_subject_and_reason()
    {
        var store = new InMemoryAuditStore();
        var evaluator = new PolicyEvaluator(Policies(), store);

        var decision = await evaluator.EvaluateAsync("dossier-patient", new PolicyContext(Evidence.Fido2NoUv(), Evidence.Now, NetworkZone.Remote), new AuthenticationContext { ClientAddress = "192.0.2.7", CorrelationId = "c-9" });

        Assert.Equal(PolicyOutcome.StepUp, decision.Outcome);
        var e = await SingleEventAsync(store);
        Assert.Equal(AuditEventKinds.PolicyDecision, e.Kind);
        Assert.Equal(AuditResults.StepUp, e.Result);
        Assert.Equal("dossier-patient", e.Policy);
        Assert.Equal(ReasonCodes.StepUpRequired, e.ReasonCode);
        Assert.Equal("810002813839", e.Subject);
        Assert.Equal("hwk", e.Methods);
        Assert.Equal("192.0.2.7", e.ClientAddress);
        Assert.Equal("c-9", e.CorrelationId);
        Assert.StartsWith("zone=remote; authenticate at level high", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Break_glass_is_recorded_with_its_reason()
    {
        var store = new InMemoryAuditStore();
        var evaluator = new PolicyEvaluator(Policies(), store);

        var decision = await evaluator.EvaluateAsync("dossier-service", new PolicyContext(Evidence.Card(Evidence.Doctor(structure: null)), Evidence.Now, breakGlassReason: " Patient inconscient aux urgences "));

        Assert.True(decision.BreakGlassUsed);
        var e = await SingleEventAsync(store);
        Assert.Equal(AuditResults.BreakGlass, e.Result);
        Assert.Equal("zone=internal; break-glass reason: Patient inconscient aux urgences", e.Detail);
    }

    [Fact]
    public async Task Unknown_policy_is_a_recorded_denial()
    {
        var store = new InMemoryAuditStore();
        var evaluator = new PolicyEvaluator(Policies(), store);

        var decision = await evaluator.EvaluateAsync("nope", new PolicyContext(Evidence.Card(), Evidence.Now));

        Assert.Equal(PolicyOutcome.Deny, decision.Outcome);
        Assert.Equal(ReasonCodes.UnknownPolicy, decision.ReasonCode);
        Assert.Equal(ReasonCodes.UnknownPolicy, (await SingleEventAsync(store)).ReasonCode);
    }

    [Fact]
    public async Task Allow_that_cannot_be_audited_becomes_a_denial()
    {
        var evaluator = new PolicyEvaluator(Policies(), new FailingAuditTrail());

        var decision = await evaluator.EvaluateAsync("dossier-patient", new PolicyContext(Evidence.Card(), Evidence.Now));

        Assert.Equal(PolicyOutcome.Deny, decision.Outcome);
        Assert.Equal(ReasonCodes.AuditStoreUnavailable, decision.ReasonCode);
    }
}
