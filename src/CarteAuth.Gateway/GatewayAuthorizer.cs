using CarteAuth.AspNetCore;
using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Policies;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CarteAuth.Gateway;

/// <summary>
/// The one evaluation path of the gateway, shared by the forward-auth endpoint and the YARP middleware: authenticates
/// the CarteAuth session (cookie or bearer token) of the request, evaluates the route's policy with Core's
/// audited evaluator and, on Allow, issues the upstream assertion and builds the identity headers.
/// </summary>
internal sealed class GatewayAuthorizer(
    IOptions<CarteAuthOptions> carteAuth,
    IPolicyEvaluator evaluator,
    IAuditStore audit,
    ForwardAuthAssertionIssuer assertions,
    TimeProvider time,
    ILogger<GatewayAuthorizer> logger)
{
    /// <summary>Decides <paramref name="original"/> under <paramref name="route"/> for the session of <paramref name="http"/>.</summary>
    /// <param name="http">The request carrying the session (cookie or bearer token).</param>
    /// <param name="original">The request to decide.</param>
    /// <param name="route">Its route: policy and zone.</param>
    /// <param name="clientAddress">The client's address, for the audit.</param>
    /// <param name="bindCardCertificate">
    /// The connection is the client's own TLS connection (YARP, not a proxy's forward-auth call): a card session's request
    /// presenting a client certificate other than the session's card is refused before the policy is evaluated.
    /// </param>
    public async Task<GatewayDecision> AuthorizeAsync(HttpContext http, OriginalRequest original, ForwardAuthRoute route, string clientAddress, bool bindCardCertificate = false)
    {
        var authentication = await http.AuthenticateAsync(CarteAuthDefaults.AuthenticationScheme).ConfigureAwait(false);
        var feature = authentication.Succeeded ? http.Features.Get<ICarteAuthSessionFeature>() : null;
        var evidence = feature?.Evidence;

        // The connection's certificate when it is the card the session was opened with (YARP forwards only that one).
        System.Security.Cryptography.X509Certificates.X509Certificate2? sessionCard = null;
        if (bindCardCertificate && evidence is not null && feature is not null && evidence.Methods.HasFlag(AuthenticationMethods.Sc)
            && evidence.CredentialId is { Length: > 0 } credential
            && await http.Connection.GetClientCertificateAsync(http.RequestAborted).ConfigureAwait(false) is { } presented)
        {
            // The card authenticator keeps the certificate's SHA-256 thumbprint as the evidence's credential id. Another
            // certificate: another professional's card at the workstation, or the cookie taken elsewhere. The session is
            // not this card holder's; refused before any decision is made or forwarded. (A card session without a
            // thumbprint, e.g. Pro Santé Connect with a CPS, has nothing to compare: decided as usual, nothing forwarded.)
            var thumbprint = presented.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
            if (!string.Equals(thumbprint, credential, StringComparison.OrdinalIgnoreCase))
            {
                GatewayLog.ClientCertificateMismatch(logger, original.Method, original.Host, original.Path, thumbprint, feature.Session.Id, credential);
                try
                {
                    // Audited as the route's decision (deny): the refusal is one, made before the policy could be.
                    await audit.AppendAsync(new AuditEntry
                    {
                        Kind = AuditEventKinds.PolicyDecision,
                        Result = AuditResults.Deny,
                        Subject = evidence.Identity.NationalId.Value,
                        Methods = Amr.Format(evidence.Methods),
                        Authenticator = evidence.Authenticator,
                        Policy = route.Policy,
                        ReasonCode = ReasonCodes.GatewayClientCertificateMismatch,
                        ClientAddress = clientAddress,
                        CorrelationId = feature.Session.Id,
                        Detail = "presented certificate sha256=" + thumbprint,
                        Timestamp = time.GetUtcNow(),
                    }, CancellationToken.None).ConfigureAwait(false);
                }
                catch (CarteAuthException e)
                {
                    // Refused all the same; the log line above keeps the facts.
                    GatewayLog.RefusalNotAudited(logger, e, e.ReasonCode);
                }

                return GatewayDecision.Refused(StatusCodes.Status403Forbidden, ReasonCodes.GatewayClientCertificateMismatch);
            }

            sessionCard = presented;
        }

        var policyContext = new PolicyContext(evidence, time.GetUtcNow(), route.Zone);
        var request = new AuthenticationContext
        {
            ClientAddress = clientAddress,
            CorrelationId = CarteAuthHttp.HeaderCorrelationId(http.Request, carteAuth.Value.CorrelationIdHeader) ?? feature?.Session.Id ?? http.TraceIdentifier,
            Zone = route.Zone,
        };
        var decision = await evaluator.EvaluateAsync(route.Policy, policyContext, request, http.RequestAborted).ConfigureAwait(false);
        if (decision.IsAllowed && evidence is not null && feature is not null)
        {
            string assertion;
            try
            {
                assertion = await assertions.GetOrIssueAsync(evidence, feature.Session.Id, feature.Session.EvidenceJson, http.RequestAborted).ConfigureAwait(false);
            }
            catch (CarteAuthException e)
            {
                GatewayLog.AssertionFailed(logger, e, e.ReasonCode);
                return GatewayDecision.Refused(StatusCodes.Status500InternalServerError, e.ReasonCode);
            }

            var headers = new List<KeyValuePair<string, string>>(6)
            {
                new(ForwardAuthDefaults.IdNatHeader, evidence.Identity.NationalId.Value),
            };
            if (evidence.Identity.ProfessionCode is { } profession)
            {
                headers.Add(new(ForwardAuthDefaults.ProfessionHeader, profession));
            }

            headers.Add(new(ForwardAuthDefaults.AmrHeader, Amr.Format(evidence.Methods)));
            headers.Add(new(ForwardAuthDefaults.AcrHeader, evidence.Acr ?? Acr.ToValue(evidence.Assurance)));
            headers.Add(new(ForwardAuthDefaults.LevelHeader, Acr.ToValue(evidence.Assurance)));
            headers.Add(new(ForwardAuthDefaults.AssertionHeader, assertion));
            GatewayLog.Allowed(logger, original.Method, original.Host, original.Path, evidence.Identity.NationalId.Value, route.Policy);
            return new GatewayDecision(StatusCodes.Status200OK, null, headers, null, null, evidence, sessionCard);
        }

        // Allowed without a professional (a policy open to anonymous requests): no identity to pass on.
        if (decision.IsAllowed)
        {
            return new GatewayDecision(StatusCodes.Status200OK, null, [], null, null, null);
        }

        if (decision.Outcome == PolicyOutcome.StepUp || decision.ReasonCode == ReasonCodes.AuthenticationRequired)
        {
            var stepUp = decision.Outcome == PolicyOutcome.StepUp ? StepUpEncoding.Encode(decision.StepUp) : null;
            var reason = evidence is null && authentication.Failure is CarteAuthException { ReasonCode: var sessionReason } ? sessionReason : decision.ReasonCode;
            var loginPath = carteAuth.Value.LoginPath.ToString();
            var login = CarteAuthSessionHandler.LoginUrl(PathString.Empty, carteAuth.Value.LoginPath, CarteAuthHttp.SafeReturnUrl(original.Uri), stepUp, decision.PolicyName);
            var challenge = stepUp is null
                ? $"{CarteAuthDefaults.ChallengeScheme} error=\"{reason}\", login=\"{loginPath}\""
                : $"{CarteAuthDefaults.ChallengeScheme} error=\"{reason}\", step_up=\"{stepUp}\", login=\"{loginPath}\"";
            GatewayLog.Challenged(logger, original.Method, original.Host, original.Path, route.Policy, reason);
            return new GatewayDecision(StatusCodes.Status401Unauthorized, reason, [], login, challenge, null);
        }

        GatewayLog.Denied(logger, original.Method, original.Host, original.Path, route.Policy, decision.ReasonCode);
        return GatewayDecision.Refused(StatusCodes.Status403Forbidden, decision.ReasonCode);
    }
}

/// <summary>
/// A gateway decision: <see cref="Status"/> 200 (allowed, with <see cref="IdentityHeaders"/>), 401 (sign in or step up:
/// <see cref="LoginUrl"/> and <see cref="WwwAuthenticate"/>), 403 (denied) or 500 (assertion not issued);
/// <see cref="ReasonCode"/> on every refusal. <see cref="SessionCard"/>: on Allow, the connection's client certificate
/// when it is the card the session was opened with (only when the caller asked for the card binding).
/// </summary>
internal sealed record GatewayDecision(
    int Status,
    string? ReasonCode,
    IReadOnlyList<KeyValuePair<string, string>> IdentityHeaders,
    string? LoginUrl,
    string? WwwAuthenticate,
    AuthenticationEvidence? Evidence,
    System.Security.Cryptography.X509Certificates.X509Certificate2? SessionCard = null)
{
    public bool IsAllowed => Status == StatusCodes.Status200OK;

    public static GatewayDecision Refused(int status, string reasonCode) => new(status, reasonCode, [], null, null, null);

    /// <summary>Writes the refusal's status and headers (<see cref="CarteAuthDefaults.ReasonHeader"/>, login, <c>WWW-Authenticate</c>).</summary>
    public void WriteRefusal(HttpResponse response)
    {
        response.StatusCode = Status;
        if (ReasonCode is not null)
        {
            response.Headers[CarteAuthDefaults.ReasonHeader] = ReasonCode;
        }

        if (LoginUrl is not null)
        {
            response.Headers[ForwardAuthDefaults.LoginHeader] = LoginUrl;
        }

        if (WwwAuthenticate is not null)
        {
            response.Headers.WWWAuthenticate = WwwAuthenticate;
        }
    }
}
