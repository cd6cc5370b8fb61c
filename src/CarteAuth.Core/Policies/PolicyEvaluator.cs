using CarteAuth.Audit;
using CarteAuth.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CarteAuth.Policies;

/// <summary>Evaluates named policies and records every decision in the audit trail.</summary>
public interface IPolicyEvaluator
{
    /// <summary>
    /// Decides and records the decision. An unknown policy is a denial (<see cref="ReasonCodes.UnknownPolicy"/>);
    /// a decision that cannot be recorded is a denial too (fail closed).
    /// </summary>
    ValueTask<PolicyDecision> EvaluateAsync(string policyName, PolicyContext context, AuthenticationContext? request = null, CancellationToken cancellationToken = default);
}

/// <summary>The default <see cref="IPolicyEvaluator"/>: compiled policies from <see cref="IPolicyProvider"/>, decisions to <see cref="IAuditTrail"/>.</summary>
public sealed class PolicyEvaluator : IPolicyEvaluator
{
    private readonly IPolicyProvider _policies;
    private readonly IAuditTrail _audit;
    private readonly ILogger _logger;

    /// <summary>Creates the evaluator.</summary>
    public PolicyEvaluator(IPolicyProvider policies, IAuditTrail audit, ILogger<PolicyEvaluator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(audit);
        _policies = policies;
        _audit = audit;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public async ValueTask<PolicyDecision> EvaluateAsync(string policyName, PolicyContext context, AuthenticationContext? request = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policyName);
        var decision = _policies.TryGetPolicy(policyName, out var policy)
            ? policy.Evaluate(in context)
            : PolicyDecision.Deny(policyName, ReasonCodes.UnknownPolicy);

        var evidence = context.Evidence;
        var entry = new AuditEntry
        {
            Kind = AuditEventKinds.PolicyDecision,
            Result = decision.Outcome switch
            {
                PolicyOutcome.Allow when decision.BreakGlassUsed => AuditResults.BreakGlass,
                PolicyOutcome.Allow => AuditResults.Allow,
                PolicyOutcome.Deny => AuditResults.Deny,
                _ => AuditResults.StepUp,
            },
            Subject = evidence?.Identity.NationalId.Value,
            Methods = evidence is null ? null : Amr.Format(evidence.Methods),
            Authenticator = evidence?.Authenticator,
            Policy = policyName,
            ReasonCode = decision.ReasonCode,
            ClientAddress = request?.ClientAddress,
            CorrelationId = request?.CorrelationId,
            Detail = Detail(decision, context),
            Timestamp = context.Now,
        };
        try
        {
            await _audit.AppendAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (CarteAuthException e)
        {
            CoreLog.PolicyAuditFailed(_logger, e, policyName, entry.Subject);
            return PolicyDecision.Deny(policyName, e.ReasonCode);
        }

        if (decision.BreakGlassUsed)
        {
            CoreLog.BreakGlass(_logger, policyName, entry.Subject, context.BreakGlassReason);
        }
        else
        {
            CoreLog.Decided(_logger, policyName, entry.Result, decision.ReasonCode, entry.Subject);
        }

        return decision;
    }

    private static string? Detail(in PolicyDecision decision, in PolicyContext context)
    {
        var zone = "zone=" + context.Zone.ToString().ToLowerInvariant();
        if (decision.BreakGlassUsed)
        {
            return $"{zone}; break-glass reason: {context.BreakGlassReason?.Trim()}";
        }

        return decision.Outcome == PolicyOutcome.StepUp ? $"{zone}; {decision.StepUp.Describe()}" : zone;
    }
}
