using CarteAuth.Policies;
using Microsoft.AspNetCore.Authorization;

namespace CarteAuth.AspNetCore;

/// <summary>An ASP.NET Core authorization requirement satisfied when the CarteAuth policy <see cref="PolicyName"/> allows the request.</summary>
/// <param name="policyName">The CarteAuth policy (a name known to <see cref="IPolicyProvider"/>).</param>
public sealed class CarteAuthPolicyRequirement(string policyName) : IAuthorizationRequirement
{
    /// <summary>The CarteAuth policy's name.</summary>
    public string PolicyName { get; } = policyName ?? throw new ArgumentNullException(nameof(policyName));

    /// <inheritdoc/>
    public override string ToString() => $"CarteAuth policy '{PolicyName}'";
}

/// <summary>Why a <see cref="CarteAuthPolicyRequirement"/> failed: the CarteAuth decision (Deny with its reason code, or StepUp with what is missing).</summary>
public sealed class CarteAuthPolicyFailureReason : AuthorizationFailureReason
{
    /// <summary>Creates the reason.</summary>
    public CarteAuthPolicyFailureReason(IAuthorizationHandler handler, PolicyDecision decision)
        : base(handler, decision.ToString()) => Decision = decision;

    /// <summary>The CarteAuth decision.</summary>
    public PolicyDecision Decision { get; }
}

/// <summary>
/// The last failed CarteAuth decision of the request, in <c>HttpContext.Features</c>. ASP.NET Core drops the failure
/// reasons of an anonymous request (it only challenges), so the result handler reads the decision from here.
/// </summary>
internal sealed record CarteAuthPolicyDecisionFeature(PolicyDecision Decision);
