namespace CarteAuth.Authentication;

/// <summary>
/// One authentication method (smart card, FIDO2, OIDC/PSC, RADIUS challenge…). Implementations verify a
/// credential and return evidence or a typed failure; they do not audit (the <see cref="IAuthenticationService"/>
/// does) and should not throw for bad credentials.
/// </summary>
public interface IAuthenticator
{
    /// <summary>Stable name, recorded in evidence and audit events (e.g. <c>smartcard</c>).</summary>
    string Name { get; }

    /// <summary>True when this authenticator handles <paramref name="request"/>'s kind of credential.</summary>
    bool CanAuthenticate(AuthenticationRequest request);

    /// <summary>Verifies the credential.</summary>
    ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Base class for an authenticator of one request type.</summary>
/// <typeparam name="TRequest">The credential type it verifies.</typeparam>
public abstract class Authenticator<TRequest> : IAuthenticator
    where TRequest : AuthenticationRequest
{
    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public bool CanAuthenticate(AuthenticationRequest request) => request is TRequest;

    /// <inheritdoc/>
    public ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request is TRequest typed
            ? AuthenticateAsync(typed, cancellationToken)
            : ValueTask.FromResult(AuthenticationResult.Fail(
                ReasonCodes.NoAuthenticator,
                $"Authenticator '{Name}' verifies {typeof(TRequest).Name} credentials, not {request.GetType().Name}."));
    }

    /// <summary>Verifies a credential of this authenticator's type.</summary>
    protected abstract ValueTask<AuthenticationResult> AuthenticateAsync(TRequest request, CancellationToken cancellationToken);
}

/// <summary>Runs the right authenticator for a credential and records the attempt in the audit trail.</summary>
public interface IAuthenticationService
{
    /// <summary>Authenticates; every call produces exactly one audit event. Fails closed when an authenticator throws.</summary>
    ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken = default);
}
