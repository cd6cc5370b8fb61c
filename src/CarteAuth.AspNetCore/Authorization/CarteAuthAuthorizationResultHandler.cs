using CarteAuth.Policies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CarteAuth.AspNetCore;

/// <summary>
/// Turns failed CarteAuth policies into responses. StepUp (or Deny for want of authentication): HTML requests are
/// redirected to <see cref="CarteAuthOptions.LoginPath"/> with <c>returnUrl</c> (this request's local URL),
/// <c>stepUp</c> (<see cref="StepUpEncoding"/>) and <c>policy</c>; API requests get 401 with
/// <c>WWW-Authenticate: CarteAuth error="policy.step-up-required", step_up="…"</c> and a problem details body.
/// Deny: 403 with the reason code in the <c>CarteAuth-Reason</c> header and the body (no personal data). Any other
/// outcome is left to ASP.NET Core's default handler.
/// </summary>
internal sealed class CarteAuthAuthorizationResultHandler(IOptions<CarteAuthOptions> options, CarteAuthMetrics metrics, ILogger<CarteAuthAuthorizationResultHandler> logger) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        // Forbidden requests carry the failure reasons; challenged (anonymous) ones do not, hence the feature.
        var decision = authorizeResult.AuthorizationFailure?.FailureReasons.OfType<CarteAuthPolicyFailureReason>().FirstOrDefault()?.Decision
            ?? (authorizeResult.Challenged ? context.Features.Get<CarteAuthPolicyDecisionFeature>()?.Decision : null);
        if (decision is null || authorizeResult.Succeeded)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
            return;
        }

        await RespondAsync(context, decision.Value).ConfigureAwait(false);
    }

    private async Task RespondAsync(HttpContext context, PolicyDecision decision)
    {
        CarteAuthHttp.NoStore(context.Response);
        if (decision.Outcome == PolicyOutcome.StepUp || decision.ReasonCode == ReasonCodes.AuthenticationRequired)
        {
            await StepUpAsync(context, decision).ConfigureAwait(false);
            return;
        }

        CarteAuthAspNetCoreLog.PolicyDenied(logger, decision.PolicyName, decision.ReasonCode);
        metrics.Denied(decision.PolicyName, decision.ReasonCode);
        await CarteAuthHttp.WriteProblemAsync(context, StatusCodes.Status403Forbidden, decision.ReasonCode, "Access to this resource is refused by its CarteAuth policy.", new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["policy"] = decision.PolicyName,
            ["breakGlassAvailable"] = decision.BreakGlassAvailable,
        }).ConfigureAwait(false);
    }

    private async Task StepUpAsync(HttpContext context, PolicyDecision decision)
    {
        var stepUp = decision.Outcome == PolicyOutcome.StepUp ? StepUpEncoding.Encode(decision.StepUp) : null;
        var description = decision.Outcome == PolicyOutcome.StepUp ? decision.StepUp.Describe() : "sign in";
        CarteAuthAspNetCoreLog.StepUpChallenge(logger, decision.PolicyName, decision.ReasonCode, description);
        metrics.StepUp(decision.PolicyName, decision.ReasonCode);
        var loginPath = options.Value.LoginPath;
        if (CarteAuthHttp.IsApiRequest(context.Request))
        {
            // Like RFC 9470 §3 (insufficient_user_authentication), in CarteAuth's own challenge scheme.
            context.Response.Headers.WWWAuthenticate = stepUp is null
                ? $"{CarteAuthDefaults.ChallengeScheme} error=\"{decision.ReasonCode}\", login=\"{loginPath}\""
                : $"{CarteAuthDefaults.ChallengeScheme} error=\"{decision.ReasonCode}\", step_up=\"{stepUp}\", login=\"{loginPath}\"";
            await CarteAuthHttp.WriteProblemAsync(context, StatusCodes.Status401Unauthorized, decision.ReasonCode, "A stronger or fresher authentication is needed: " + description + ".", new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["policy"] = decision.PolicyName,
                ["stepUp"] = stepUp,
                ["loginUrl"] = Sessions.CarteAuthSessionHandler.LoginUrl(context.Request.PathBase, loginPath, CarteAuthHttp.CurrentLocalUrl(context.Request), stepUp, decision.PolicyName),
            }).ConfigureAwait(false);
            return;
        }

        context.Response.Redirect(Sessions.CarteAuthSessionHandler.LoginUrl(context.Request.PathBase, loginPath, CarteAuthHttp.CurrentLocalUrl(context.Request), stepUp, decision.PolicyName));
    }
}
