using System.Net;
using CarteAuth.AspNetCore;
using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Authentication;
using CarteAuth.Policies;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CarteAuth.Gateway;

/// <summary>
/// The forward-auth decision: checks that the caller is a trusted proxy, reads the original request, finds its route,
/// authenticates the CarteAuth session (cookie or bearer token) and evaluates the route's policy with Core's audited
/// evaluator. Allow: 200 with the identity headers and the assertion. Not signed in or step-up: 401 with
/// <see cref="ForwardAuthDefaults.LoginHeader"/>. Deny: 403. Refusals carry <see cref="CarteAuthDefaults.ReasonHeader"/>.
/// </summary>
internal sealed class ForwardAuthEndpoint(
    ForwardAuthRouteTable routes,
    IOptions<ForwardAuthOptions> options,
    IOptions<CarteAuthOptions> carteAuth,
    IPolicyEvaluator evaluator,
    ForwardAuthAssertionIssuer assertions,
    TimeProvider time,
    ILogger<ForwardAuthEndpoint> logger)
{
    private readonly IPNetwork[] _proxies = [.. options.Value.TrustedProxies.Select(static p => ForwardAuthOptions.TryParseNetwork(p, out var n) ? n : throw new CarteAuthException(ReasonCodes.GatewayInvalidOptions, $"TrustedProxies: '{p}' is not an address or network."))];

    public async Task HandleAsync(HttpContext http)
    {
        var response = http.Response;
        response.Headers.CacheControl = "no-store";
        var remote = http.Connection.RemoteIpAddress;
        if (remote is null || !IsTrustedProxy(remote))
        {
            GatewayLog.BadRequest(logger, ReasonCodes.GatewayUntrustedProxy, remote?.ToString());
            Refuse(response, StatusCodes.Status403Forbidden, ReasonCodes.GatewayUntrustedProxy);
            return;
        }

        var original = OriginalRequest.Read(http.Request, out var bad);
        if (original is null)
        {
            GatewayLog.BadRequest(logger, bad!, remote.ToString());
            Refuse(response, StatusCodes.Status400BadRequest, bad!);
            return;
        }

        var route = routes.Match(original.Host, original.Path);
        if (route is null)
        {
            GatewayLog.Denied(logger, original.Method, original.Host, original.Path, "-", ReasonCodes.GatewayNoRoute);
            Refuse(response, StatusCodes.Status403Forbidden, ReasonCodes.GatewayNoRoute);
            return;
        }

        var authentication = await http.AuthenticateAsync(CarteAuthDefaults.AuthenticationScheme).ConfigureAwait(false);
        var feature = authentication.Succeeded ? http.Features.Get<ICarteAuthSessionFeature>() : null;
        var evidence = feature?.Evidence;
        var policyContext = new PolicyContext(evidence, time.GetUtcNow(), route.Zone);
        var request = new AuthenticationContext
        {
            ClientAddress = ClientAddress(http.Request) ?? remote.ToString(),
            CorrelationId = feature?.Session.Id ?? http.TraceIdentifier,
            Zone = route.Zone,
        };
        var decision = await evaluator.EvaluateAsync(route.Policy, policyContext, request, http.RequestAborted).ConfigureAwait(false);
        if (decision.IsAllowed && evidence is not null && feature is not null)
        {
            string assertion;
            try
            {
                assertion = await assertions.IssueAsync(evidence, feature.Session.Id, http.RequestAborted).ConfigureAwait(false);
            }
            catch (CarteAuthException e)
            {
                GatewayLog.AssertionFailed(logger, e, e.ReasonCode);
                Refuse(response, StatusCodes.Status500InternalServerError, e.ReasonCode);
                return;
            }

            var headers = response.Headers;
            headers[ForwardAuthDefaults.IdNatHeader] = evidence.Identity.NationalId.Value;
            if (evidence.Identity.ProfessionCode is { } profession)
            {
                headers[ForwardAuthDefaults.ProfessionHeader] = profession;
            }

            headers[ForwardAuthDefaults.AmrHeader] = Amr.Format(evidence.Methods);
            headers[ForwardAuthDefaults.AcrHeader] = evidence.Acr ?? Acr.ToValue(evidence.Assurance);
            headers[ForwardAuthDefaults.LevelHeader] = Acr.ToValue(evidence.Assurance);
            headers[ForwardAuthDefaults.AssertionHeader] = assertion;
            response.StatusCode = StatusCodes.Status200OK;
            GatewayLog.Allowed(logger, original.Method, original.Host, original.Path, evidence.Identity.NationalId.Value, route.Policy);
            return;
        }

        // Allowed without a professional (a policy open to anonymous requests): no identity to pass on.
        if (decision.IsAllowed)
        {
            response.StatusCode = StatusCodes.Status200OK;
            return;
        }

        if (decision.Outcome == PolicyOutcome.StepUp || decision.ReasonCode == ReasonCodes.AuthenticationRequired)
        {
            var stepUp = decision.Outcome == PolicyOutcome.StepUp ? StepUpEncoding.Encode(decision.StepUp) : null;
            var reason = evidence is null && authentication.Failure is CarteAuthException { ReasonCode: var sessionReason } ? sessionReason : decision.ReasonCode;
            var login = LoginUrl(carteAuth.Value.LoginPath, original.Uri, stepUp, decision.PolicyName);
            response.Headers[ForwardAuthDefaults.LoginHeader] = login;
            response.Headers.WWWAuthenticate = stepUp is null
                ? $"{CarteAuthDefaults.ChallengeScheme} error=\"{reason}\", login=\"{carteAuth.Value.LoginPath}\""
                : $"{CarteAuthDefaults.ChallengeScheme} error=\"{reason}\", step_up=\"{stepUp}\", login=\"{carteAuth.Value.LoginPath}\"";
            GatewayLog.Challenged(logger, original.Method, original.Host, original.Path, route.Policy, reason);
            Refuse(response, StatusCodes.Status401Unauthorized, reason);
            return;
        }

        GatewayLog.Denied(logger, original.Method, original.Host, original.Path, route.Policy, decision.ReasonCode);
        Refuse(response, StatusCodes.Status403Forbidden, decision.ReasonCode);
    }

    /// <summary>The login page URL with <c>returnUrl</c> (the original URI, kept only when local), <c>stepUp</c> and <c>policy</c>.</summary>
    internal static string LoginUrl(string loginPath, string originalUri, string? stepUp, string policy)
    {
        var url = QueryHelpers.AddQueryString(loginPath, CarteAuthDefaults.ReturnUrlParameter, CarteAuthHttp.SafeReturnUrl(originalUri));
        if (stepUp is not null)
        {
            url = QueryHelpers.AddQueryString(url, CarteAuthDefaults.StepUpParameter, stepUp);
        }

        return QueryHelpers.AddQueryString(url, "policy", policy);
    }

    private static void Refuse(HttpResponse response, int status, string reasonCode)
    {
        response.StatusCode = status;
        response.Headers[CarteAuthDefaults.ReasonHeader] = reasonCode;
    }

    // The client as the trusted proxy saw it: X-Real-IP (nginx $remote_addr), else the last X-Forwarded-For hop.
    private static string? ClientAddress(HttpRequest request)
    {
        var real = request.Headers["X-Real-IP"].ToString();
        if (IPAddress.TryParse(real, out var address))
        {
            return address.ToString();
        }

        var forwarded = request.Headers["X-Forwarded-For"].ToString();
        var last = forwarded.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        return IPAddress.TryParse(last, out address) ? address.ToString() : null;
    }

    private bool IsTrustedProxy(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in _proxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
