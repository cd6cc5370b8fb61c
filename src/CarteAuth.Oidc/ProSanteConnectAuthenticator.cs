using CarteAuth.Authentication;

namespace CarteAuth.Oidc;

/// <summary>A Pro Santé Connect callback to verify: the pending request kept since the redirect and the callback's parameters.</summary>
public sealed class PscAuthenticationRequest : AuthenticationRequest
{
    /// <summary>What was kept since <see cref="PscAuthorizationCodeFlow.CreateAuthorizationRequestAsync"/>.</summary>
    public required PscAuthorizationRequest Pending { get; init; }

    /// <summary>The callback's parameters.</summary>
    public required PscAuthorizationResponse Response { get; init; }
}

/// <summary>
/// Core authenticator for Pro Santé Connect: completes the code flow (<see cref="PscAuthenticationRequest"/>) and returns
/// evidence, or a failure with its <c>psc.*</c> reason code; never throws for a bad or refused credential.
/// </summary>
public sealed class ProSanteConnectAuthenticator : Authenticator<PscAuthenticationRequest>
{
    private readonly PscAuthorizationCodeFlow _flow;
    private readonly string _name;

    /// <summary>Creates the authenticator.</summary>
    /// <param name="client">The Pro Santé Connect client.</param>
    public ProSanteConnectAuthenticator(ProSanteConnectClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _flow = client.CodeFlow;
        _name = client.Options.AuthenticatorName;
    }

    /// <inheritdoc/>
    public override string Name => _name;

    /// <inheritdoc/>
    protected override async ValueTask<AuthenticationResult> AuthenticateAsync(PscAuthenticationRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var result = await _flow.HandleCallbackAsync(request.Pending, request.Response, cancellationToken).ConfigureAwait(false);
            return AuthenticationResult.Success(result.Evidence);
        }
        catch (PscException e)
        {
            return AuthenticationResult.Fail(e.ReasonCode, e.Message, e.AttemptedSubject);
        }
    }
}

/// <summary>
/// Core authenticator for CIBA (<see cref="PscCibaAuthenticationRequest"/>): pushes an approval request to the
/// professional's phone and waits for it; evidence or a <c>psc.*</c> failure (<c>psc.ciba-denied</c>, <c>psc.ciba-expired</c>…).
/// </summary>
public sealed class ProSanteConnectCibaAuthenticator : Authenticator<PscCibaAuthenticationRequest>
{
    private readonly PscCibaClient _ciba;
    private readonly string _name;

    /// <summary>Creates the authenticator.</summary>
    /// <param name="client">The Pro Santé Connect client.</param>
    public ProSanteConnectCibaAuthenticator(ProSanteConnectClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _ciba = client.Ciba;
        _name = client.Options.AuthenticatorName + "-ciba";
    }

    /// <inheritdoc/>
    public override string Name => _name;

    /// <inheritdoc/>
    protected override async ValueTask<AuthenticationResult> AuthenticateAsync(PscCibaAuthenticationRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var result = await _ciba.AuthenticateAsync(request.Request, cancellationToken).ConfigureAwait(false);
            return AuthenticationResult.Success(result.Evidence);
        }
        catch (PscException e)
        {
            return AuthenticationResult.Fail(e.ReasonCode, e.Message, e.AttemptedSubject ?? request.Request.LoginHint);
        }
    }
}
