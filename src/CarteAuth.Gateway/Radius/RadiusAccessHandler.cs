using System.Net;
using System.Security.Cryptography;
using System.Text;
using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Oidc;
using CarteAuth.Policies;
using Microsoft.Extensions.Logging;

namespace CarteAuth.Gateway.Radius;

/// <summary>
/// Decides one Access-Request (RFC 2865 §4.1): PAP first factor, the policy, then an Access-Challenge for the second
/// factor (OTP code, or the Pro Santé Connect e-CPS push held until PSC answers). Every attempt is audited by Core's
/// authentication service and every decision by its policy evaluator. Brute force: the service's attempt limiter counts
/// password and OTP failures per User-Name and per source: the Calling-Station-Id (the VPN user's address) when the
/// NAS sends one, else the NAS's own address; a locked user or source gets an Access-Reject without the password or
/// code being checked (same reply as a wrong password: no oracle), audited as <c>auth.locked-out</c> / <c>auth.rate-limited</c>.
/// </summary>
internal sealed class RadiusAccessHandler(
    RadiusServerOptions options,
    IAuthenticationService authentication,
    IPolicyEvaluator policies,
    IRadiusChallengeStore challenges,
    IRadiusOtpVerifier? otp,
    IAuditTrail audit,
    TimeProvider time,
    bool pushEnabled,
    ILogger logger)
{
    /// <summary>The answer that asks for the PSC push instead of a code (case-insensitive).</summary>
    internal const string PushKeyword = "push";

    private readonly byte[] _rejectMessage = Encoding.UTF8.GetBytes(options.RejectMessage);

    public async ValueTask<byte[]> HandleAsync(RadiusPacket request, RadiusClient client, IPEndPoint source, CancellationToken ct)
    {
        var userName = request.FindText(RadiusAttributeType.UserName);
        var hidden = request.Find(RadiusAttributeType.UserPassword);
        var stateAttribute = request.Find(RadiusAttributeType.State);
        if (string.IsNullOrEmpty(userName) || hidden is null)
        {
            return await RejectUnauthenticatedAsync(request, client, source, NewCorrelationId(), userName, ReasonCodes.RadiusMissingAttribute,
                "The Access-Request has no User-Name or no User-Password (CarteAuth supports PAP).").ConfigureAwait(false);
        }

        // RFC 2865 §5.2: the password is hidden with the secret and the Request Authenticator.
        if (!RadiusCrypto.TryUnhidePassword(hidden.Value.Value.Span, request.Authenticator.Span, client.Secret, out var password))
        {
            return await RejectUnauthenticatedAsync(request, client, source, NewCorrelationId(), userName, ReasonCodes.RadiusBadPasswordAttribute,
                $"User-Password has {hidden.Value.Value.Length} octets; it must be 16 to 128 in multiples of 16 (RFC 2865 §5.2).").ConfigureAwait(false);
        }

        try
        {
            return stateAttribute is { } state
                ? await AnswerChallengeAsync(request, client, source, userName, Convert.ToHexStringLower(state.Value.Span), password, ct).ConfigureAwait(false)
                : await FirstFactorAsync(request, client, source, userName, password, ct).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
        }
    }

    private async ValueTask<byte[]> FirstFactorAsync(RadiusPacket request, RadiusClient client, IPEndPoint source, string userName, byte[] password, CancellationToken ct)
    {
        var correlationId = NewCorrelationId();
        var context = Context(source, correlationId, request);
        var result = await authentication.AuthenticateAsync(new RadiusPapRequest { UserName = userName, Password = password, Context = context }, ct).ConfigureAwait(false);
        if (result.Evidence is not { } evidence)
        {
            return Reject(request, client, source, correlationId, result.ReasonCode!);
        }

        var decision = await policies.EvaluateAsync(options.Policy, new PolicyContext(evidence, time.GetUtcNow(), options.Zone), context, ct).ConfigureAwait(false);
        switch (decision.Outcome)
        {
            case PolicyOutcome.Allow:
                return Accept(request, client, source, correlationId, decision.ReasonCode);
            case PolicyOutcome.Deny:
                return Reject(request, client, source, correlationId, decision.ReasonCode);
        }

        // Step-up: a second factor through Access-Challenge (RFC 2865 §4.4).
        var hasOtp = otp?.HasOtp(userName) == true;
        if (!hasOtp && !pushEnabled)
        {
            await AuditAsync(AuditEventKinds.Authentication, AuditResults.Failure, evidence.Identity.NationalId.Value, ReasonCodes.RadiusNoSecondFactor, source, request, correlationId,
                $"The policy '{options.Policy}' needs a second factor ({decision.StepUp.Describe()}) and the user has neither an OTP secret nor the PSC push.").ConfigureAwait(false);
            return Reject(request, client, source, correlationId, ReasonCodes.RadiusNoSecondFactor);
        }

        var challenge = new RadiusChallenge(userName, client.Name, evidence, correlationId, time.GetUtcNow() + options.ChallengeTimeout);
        if (!hasOtp)
        {
            // No code to type: the e-CPS push, the request held until PSC answers.
            return await PushAsync(request, client, source, challenge, ct).ConfigureAwait(false);
        }

        var state = RandomNumberGenerator.GetBytes(16);
        await challenges.StoreAsync(Convert.ToHexStringLower(state), challenge, ct).ConfigureAwait(false);
        var message = pushEnabled ? options.ChallengeMessage + " (ou \"push\" pour valider avec e-CPS)" : options.ChallengeMessage;
        var reply = new RadiusPacketBuilder(RadiusCode.AccessChallenge, request.Identifier)
            .Add(RadiusAttributeType.State, state)
            .AddText(RadiusAttributeType.ReplyMessage, message)
            .BuildResponse(request.Authenticator.Span, client.Secret, addMessageAuthenticator: true);
        GatewayLog.Replied(logger, "Access-Challenge", source.ToString(), client.Name, decision.ReasonCode, correlationId);
        return reply;
    }

    private async ValueTask<byte[]> AnswerChallengeAsync(RadiusPacket request, RadiusClient client, IPEndPoint source, string userName, string state, byte[] answer, CancellationToken ct)
    {
        var challenge = await challenges.TakeAsync(state, ct).ConfigureAwait(false);
        if (challenge is null || !string.Equals(challenge.UserName, userName, StringComparison.Ordinal) || !string.Equals(challenge.ClientName, client.Name, StringComparison.Ordinal))
        {
            return await RejectUnauthenticatedAsync(request, client, source, challenge?.CorrelationId ?? NewCorrelationId(), userName, ReasonCodes.RadiusUnknownState,
                "The State is unknown, expired, already used, or was issued to another user or NAS.").ConfigureAwait(false);
        }

        var code = Encoding.UTF8.GetString(answer).Trim();
        if (pushEnabled && string.Equals(code, PushKeyword, StringComparison.OrdinalIgnoreCase))
        {
            return await PushAsync(request, client, source, challenge, ct).ConfigureAwait(false);
        }

        var context = Context(source, challenge.CorrelationId, request);
        var result = await authentication.AuthenticateAsync(new RadiusOtpRequest { Challenge = challenge, Code = code, Context = context }, ct).ConfigureAwait(false);
        return await DecideAsync(request, client, source, challenge.CorrelationId, result, ct).ConfigureAwait(false);
    }

    private async ValueTask<byte[]> PushAsync(RadiusPacket request, RadiusClient client, IPEndPoint source, RadiusChallenge challenge, CancellationToken ct)
    {
        var context = Context(source, challenge.CorrelationId, request);
        var idNat = challenge.FirstFactor.Identity.NationalId.Value;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.PushTimeout);
        AuthenticationResult result;
        try
        {
            // OpenID CIBA Core §7.1: login_hint = the idNat the password proved; binding_message shows the NAS.
            result = await authentication.AuthenticateAsync(
                new PscCibaAuthenticationRequest
                {
                    Request = new PscCibaRequest { LoginHint = idNat, BindingMessage = options.PushBindingMessage, RequestedExpiry = options.PushTimeout },
                    Context = context,
                },
                timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await AuditAsync(AuditEventKinds.Authentication, AuditResults.Failure, idNat, ReasonCodes.RadiusPushTimeout, source, request, challenge.CorrelationId,
                $"The e-CPS push was not approved within {options.PushTimeout}.").ConfigureAwait(false);
            return Reject(request, client, source, challenge.CorrelationId, ReasonCodes.RadiusPushTimeout);
        }

        if (result.Evidence is { } psc)
        {
            if (psc.Identity.NationalId != challenge.FirstFactor.Identity.NationalId)
            {
                await AuditAsync(AuditEventKinds.Authentication, AuditResults.Failure, idNat, ReasonCodes.RadiusPushDenied, source, request, challenge.CorrelationId,
                    $"Pro Santé Connect approved as {psc.Identity.NationalId}, not the password's professional.").ConfigureAwait(false);
                return Reject(request, client, source, challenge.CorrelationId, ReasonCodes.RadiusPushDenied);
            }

            // Password + e-CPS approval: both factors, PSC's level.
            result = AuthenticationResult.Success(new AuthenticationEvidence(
                psc.Identity,
                psc.Methods | challenge.FirstFactor.Methods | AuthenticationMethods.Mfa,
                psc.Assurance,
                psc.AuthenticatedAt,
                RadiusAuthenticatorNames.Push) { Acr = psc.Acr, Properties = psc.Properties });
        }

        return await DecideAsync(request, client, source, challenge.CorrelationId, result, ct).ConfigureAwait(false);
    }

    private async ValueTask<byte[]> DecideAsync(RadiusPacket request, RadiusClient client, IPEndPoint source, string correlationId, AuthenticationResult result, CancellationToken ct)
    {
        if (result.Evidence is not { } evidence)
        {
            return Reject(request, client, source, correlationId, result.ReasonCode!);
        }

        var decision = await policies.EvaluateAsync(options.Policy, new PolicyContext(evidence, time.GetUtcNow(), options.Zone), Context(source, correlationId, request), ct).ConfigureAwait(false);
        return decision.IsAllowed
            ? Accept(request, client, source, correlationId, decision.ReasonCode)
            : Reject(request, client, source, correlationId, decision.ReasonCode);
    }

    private byte[] Accept(RadiusPacket request, RadiusClient client, IPEndPoint source, string correlationId, string reasonCode)
    {
        // Class (RFC 2865 §5.25) goes back in accounting: it ties the VPN session to the audited attempt.
        var builder = new RadiusPacketBuilder(RadiusCode.AccessAccept, request.Identifier)
            .AddText(RadiusAttributeType.Class, "carteauth:" + correlationId);
        if (options.SessionTimeout is { } session)
        {
            builder.AddInteger(RadiusAttributeType.SessionTimeout, (uint)session.TotalSeconds);
        }

        GatewayLog.Replied(logger, "Access-Accept", source.ToString(), client.Name, reasonCode, correlationId);
        return builder.BuildResponse(request.Authenticator.Span, client.Secret, addMessageAuthenticator: true);
    }

    private byte[] Reject(RadiusPacket request, RadiusClient client, IPEndPoint source, string correlationId, string reasonCode)
    {
        // The reply never says why (no personal data, no user enumeration); the audit event has the code.
        GatewayLog.Replied(logger, "Access-Reject", source.ToString(), client.Name, reasonCode, correlationId);
        return new RadiusPacketBuilder(RadiusCode.AccessReject, request.Identifier)
            .Add(RadiusAttributeType.ReplyMessage, _rejectMessage)
            .BuildResponse(request.Authenticator.Span, client.Secret, addMessageAuthenticator: true);
    }

    private async ValueTask<byte[]> RejectUnauthenticatedAsync(RadiusPacket request, RadiusClient client, IPEndPoint source, string correlationId, string? userName, string reasonCode, string detail)
    {
        await AuditAsync(AuditEventKinds.Authentication, AuditResults.Failure, userName, reasonCode, source, request, correlationId, detail).ConfigureAwait(false);
        return Reject(request, client, source, correlationId, reasonCode);
    }

    private async ValueTask AuditAsync(string kind, string result, string? subject, string reasonCode, IPEndPoint source, RadiusPacket request, string correlationId, string detail) =>
        await audit.AppendAsync(
            new AuditEntry
            {
                Kind = kind,
                Result = result,
                Subject = subject,
                Authenticator = "radius",
                ReasonCode = reasonCode,
                ClientAddress = AuditAddress(source, request),
                CorrelationId = correlationId,
                Detail = detail,
            },
            CancellationToken.None).ConfigureAwait(false);

    /// <summary>
    /// The address the audit records for an access request: the VPN user's, from Calling-Station-Id (RFC 2865 §5.31,
    /// sent by the NAS, which the shared secret authenticates) when it is an IP address; else the NAS's own. The NAS is
    /// in the server's log (event 3203) and in the accounting events of the session.
    /// </summary>
    private static string AuditAddress(IPEndPoint source, RadiusPacket request) =>
        request.FindText(RadiusAttributeType.CallingStationId) is { Length: > 0 } calling && IPAddress.TryParse(calling, out var address)
            ? address.ToString()
            : source.Address.ToString();

    private AuthenticationContext Context(IPEndPoint source, string correlationId, RadiusPacket request) =>
        new()
        {
            ClientAddress = AuditAddress(source, request),
            CorrelationId = correlationId,
            Zone = options.Zone,
            // RFC 2865 §5.31: Calling-Station-Id, the address the VPN user calls from; counting per NAS address would
            // lock out everyone behind the concentrator.
            AttemptSource = request.FindText(RadiusAttributeType.CallingStationId) is { Length: > 0 } calling ? calling : null,
        };

    private static string NewCorrelationId() => "radius-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
