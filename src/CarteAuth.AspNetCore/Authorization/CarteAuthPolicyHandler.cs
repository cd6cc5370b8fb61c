using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Policies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace CarteAuth.AspNetCore;

/// <summary>
/// Evaluates <see cref="CarteAuthPolicyRequirement"/>s with Core's audited <see cref="IPolicyEvaluator"/>, against the
/// request's CarteAuth session evidence (none when anonymous) and network zone. Allow succeeds; Deny and StepUp fail
/// with a <see cref="CarteAuthPolicyFailureReason"/> that <see cref="CarteAuthAuthorizationResultHandler"/> turns into
/// a 403 or a step-up challenge.
/// </summary>
internal sealed class CarteAuthPolicyHandler(IPolicyEvaluator evaluator, ICarteAuthNetworkZoneResolver zones, TimeProvider time, IHttpContextAccessor accessor, IOptions<CarteAuthOptions> options)
    : AuthorizationHandler<CarteAuthPolicyRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, CarteAuthPolicyRequirement requirement)
    {
        var http = context.Resource as HttpContext ?? accessor.HttpContext;
        if (http is null)
        {
            context.Fail(new AuthorizationFailureReason(this, "CarteAuth policies are evaluated for HTTP requests only (no HttpContext)."));
            return;
        }

        var feature = http.Features.Get<ICarteAuthSessionFeature>();
        var evidence = feature is not null && context.User.Identity?.IsAuthenticated == true ? feature.Evidence : null;
        var zone = zones.Resolve(http);
        var policyContext = new PolicyContext(evidence, time.GetUtcNow(), zone, evidence is null ? null : BreakGlassReason(http.Request));
        var request = new Authentication.AuthenticationContext
        {
            ClientAddress = http.Connection.RemoteIpAddress?.ToString(),
            CorrelationId = CarteAuthHttp.HeaderCorrelationId(http.Request, options.Value.CorrelationIdHeader) ?? feature?.Session.Id ?? http.TraceIdentifier,
            Zone = zone,
        };
        var decision = await evaluator.EvaluateAsync(requirement.PolicyName, policyContext, request, http.RequestAborted).ConfigureAwait(false);
        if (decision.IsAllowed)
        {
            context.Succeed(requirement);
        }
        else
        {
            http.Features.Set(new CarteAuthPolicyDecisionFeature(decision));
            context.Fail(new CarteAuthPolicyFailureReason(this, decision));
        }
    }

    /// <summary>The decoded <see cref="CarteAuthDefaults.BreakGlassHeader"/>, or null when absent or unusable (too long, control characters, bad escapes).</summary>
    internal static string? BreakGlassReason(HttpRequest request)
    {
        var raw = request.Headers[CarteAuthDefaults.BreakGlassHeader].ToString();
        if (raw.Length is 0 or > 4096)
        {
            return null;
        }

        string reason;
        try
        {
            reason = Uri.UnescapeDataString(raw).Trim();
        }
        catch (UriFormatException)
        {
            return null;
        }

        return reason.Length is 0 or > 512 || reason.AsSpan().ContainsAnyInRange('\0', '\u001f') ? null : reason;
    }
}
