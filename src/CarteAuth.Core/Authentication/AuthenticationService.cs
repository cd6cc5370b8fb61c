using CarteAuth.Audit;
using CarteAuth.Authentication.Attempts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CarteAuth.Authentication;

/// <summary>
/// Runs the authenticator that handles a credential and records exactly one audit event per attempt. Fails closed:
/// an authenticator that throws, or an audit trail that cannot record the attempt, gives a failure, never evidence.
/// With an <see cref="IAuthenticationAttemptLimiter"/>, an attempt whose identity
/// (<see cref="AuthenticationRequest.AttemptIdentity"/>) or source (<see cref="AuthenticationContext.AttemptSource"/>,
/// else <see cref="AuthenticationContext.ClientAddress"/>) is locked out is refused before the authenticator runs
/// (<see cref="ReasonCodes.AuthLockedOut"/>, <see cref="ReasonCodes.AuthRateLimited"/>; the refusal is the attempt's
/// one audit event); a refused credential counts one failure for each; a success resets the identity's count only
/// (not the source's: one valid account must not let a source go on guessing others). One identity's attempts take
/// turns on a node (the check, the authenticator and the count as one step), so parallel guesses cannot pass the check
/// together.
/// </summary>
public sealed class AuthenticationService : IAuthenticationService
{
    private readonly IAuthenticator[] _authenticators;
    private readonly IAuditTrail _audit;
    private readonly IAuthenticationAttemptLimiter? _limiter;
    private readonly AttemptTurns _identityTurns = new();
    private readonly ILogger _logger;

    /// <summary>Creates the service.</summary>
    public AuthenticationService(IEnumerable<IAuthenticator> authenticators, IAuditTrail audit, ILogger<AuthenticationService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(authenticators);
        ArgumentNullException.ThrowIfNull(audit);
        _authenticators = [.. authenticators];
        _audit = audit;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// The brute-force protection: counts failures per identity and source and refuses locked ones without running the
    /// authenticator. Null (or <see cref="AttemptLimiterOptions.Enabled"/> false): no limit. <c>AddCarteAuthCore</c> sets it.
    /// </summary>
    public IAuthenticationAttemptLimiter? AttemptLimiter
    {
        get => _limiter;
        init => _limiter = value is { Options.Enabled: true } ? value : null;
    }

    /// <inheritdoc/>
    public async ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authenticator = Array.Find(_authenticators, a => a.CanAuthenticate(request));
        var (identityKey, sourceKey) = AttemptKeys(request);

        // With a limiter, one identity's attempts take turns on this node (check, authenticator, count): parallel
        // guesses for one account would otherwise all pass the check before the first failure is counted. Across nodes
        // at most one attempt per node runs at once for an identity. The turn ends before the audit write.
        AttemptTurns.Releaser turn;
        try
        {
            turn = identityKey is { } key ? await _identityTurns.EnterAsync(key.Value, cancellationToken).ConfigureAwait(false) : default;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled while an earlier attempt for the identity held its turn: still one attempt, so one event.
            await RecordAsync(request, authenticator?.Name, Cancelled()).ConfigureAwait(false);
            throw;
        }

        AuthenticationResult result;
        using (turn)
        {
            if (await CheckLockoutAsync(request, identityKey, sourceKey, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                result = refused;
            }
            else
            {
                result = await RunAsync(authenticator, request, cancellationToken).ConfigureAwait(false);
                await CountAsync(result, identityKey, sourceKey).ConfigureAwait(false);
            }
        }

        return await RecordAsync(request, authenticator?.Name, result).ConfigureAwait(false);
    }

    private static AuthenticationResult Cancelled() => AuthenticationResult.Fail(ReasonCodes.AuthenticationCancelled, "The authentication was cancelled by the caller.");

    // Runs the authenticator; fails closed when there is none or it throws. A cancellation is recorded, then rethrown.
    private async ValueTask<AuthenticationResult> RunAsync(IAuthenticator? authenticator, AuthenticationRequest request, CancellationToken cancellationToken)
    {
        if (authenticator is null)
        {
            return AuthenticationResult.Fail(
                ReasonCodes.NoAuthenticator,
                $"No authenticator is registered for {request.GetType().Name} credentials; register the method's package (e.g. AddSmartCard(), AddFido2(), AddProSanteConnect()).");
        }

        try
        {
            return await authenticator.AuthenticateAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await RecordAsync(request, authenticator.Name, Cancelled()).ConfigureAwait(false);
            throw;
        }
        catch (Exception e)
        {
            CoreLog.AuthenticatorFailed(_logger, e, authenticator.Name, request.Context.CorrelationId);
            return AuthenticationResult.Fail(
                ReasonCodes.AuthenticatorError,
                $"The {authenticator.Name} authenticator failed ({e.GetType().Name}); the attempt is refused. Correlation id: {request.Context.CorrelationId ?? "none"}.");
        }
    }

    private (AttemptKey? Identity, AttemptKey? Source) AttemptKeys(AuthenticationRequest request)
    {
        if (_limiter is null)
        {
            return default;
        }

        var identity = Bounded(request.AttemptIdentity);
        var source = Bounded(request.Context.AttemptSource ?? request.Context.ClientAddress);
        return (identity is null ? null : AttemptKey.Identity(identity), source is null ? null : AttemptKey.Source(source));
    }

    // Values come from the client (a FIDO2 credential id may be kilobytes long): long ones are replaced by their SHA-256,
    // so a tracked key costs a bounded amount of memory (in process and in Redis).
    private static string? Bounded(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return value.Length <= MaxKeyLength
            ? value
            : "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value)));
    }

    private const int MaxKeyLength = 200;

    // Refuses without running the authenticator (no oracle) while the identity or the source is locked out.
    private async ValueTask<AuthenticationResult?> CheckLockoutAsync(AuthenticationRequest request, AttemptKey? identity, AttemptKey? source, CancellationToken cancellationToken)
    {
        if (_limiter is null)
        {
            return null;
        }

        try
        {
            for (var i = 0; i < 2; i++)
            {
                if ((i == 0 ? identity : source) is { } k && await _limiter.GetStatusAsync(k, cancellationToken).ConfigureAwait(false) is { LockedUntil: { } until })
                {
                    CoreLog.LockedOut(_logger, k.LockedReasonCode, k.ToString(), until, request.Context.CorrelationId);
                    var what = k.Kind == AttemptKeyKind.Identity
                        ? $"The identity '{k.Value}' had {_limiter.Options.MaxFailuresPerIdentity} failed attempts within {_limiter.Options.Window} and is locked out"
                        : $"The source '{k.Value}' had {_limiter.Options.MaxFailuresPerSource} failed attempts within {_limiter.Options.Window} and is refused";
                    return AuthenticationResult.LockedOut(k.LockedReasonCode, $"{what} until {until:u}; the credential was not checked. Try again after that time.", until, identity?.Value);
                }
            }
        }
        catch (CarteAuthException e)
        {
            return AuthenticationResult.Fail(e.ReasonCode, "The attempt limiter cannot be read, so the attempt is refused (fail closed): " + e.Message, identity?.Value);
        }

        return null;
    }

    // A refused credential counts for the identity and the source; a success resets the identity only. Failures of
    // the service itself (no authenticator, an exception, an unavailable dependency) are not guesses and do not count.
    private async ValueTask CountAsync(AuthenticationResult result, AttemptKey? identity, AttemptKey? source)
    {
        if (_limiter is null)
        {
            return;
        }

        try
        {
            if (result.Succeeded)
            {
                if (identity is { } id)
                {
                    await _limiter.ResetAsync(id, CancellationToken.None).ConfigureAwait(false);
                }

                return;
            }

            var code = result.ReasonCode!;
            if (code is ReasonCodes.NoAuthenticator or ReasonCodes.AuthenticatorError || code.EndsWith("-unavailable", StringComparison.Ordinal))
            {
                return;
            }

            for (var i = 0; i < 2; i++)
            {
                if ((i == 0 ? identity : source) is { } k)
                {
                    // Not cancellable: a failure that happened is counted even if the caller has gone.
                    await _limiter.RecordFailureAsync(k, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (CarteAuthException e)
        {
            // The outcome is unchanged (a failure stays one; the next attempt's check fails closed if the store is still down).
            CoreLog.CountFailed(_logger, e, e.ReasonCode);
        }
    }

    /// <summary>
    /// The audit entry of one authentication attempt (kind <see cref="AuditEventKinds.Authentication"/>): the one shape
    /// for this service and for hosts that refuse an attempt before any authenticator runs (e.g. a card login without a
    /// certificate), so every attempt is recorded alike.
    /// </summary>
    internal static AuditEntry AuditEntry(AuthenticationContext context, string? authenticator, AuthenticationResult result)
    {
        // A success accepted in a degraded mode keeps that mode's reason code in its audit event (DESIGN: the degraded
        // mode is always audited), e.g. cert.revocation-degraded for a card accepted on its last good revocation answer.
        string? degraded = null;
        if (result.Succeeded && result.Evidence!.Properties.TryGetValue(AuthenticationEvidence.DegradedProperty, out var mode))
        {
            degraded = mode;
        }

        return new()
        {
            Kind = AuditEventKinds.Authentication,
            Result = result.Succeeded ? AuditResults.Success : AuditResults.Failure,
            Subject = result.AttemptedSubject,
            Methods = result.Evidence is { } evidence ? Amr.Format(evidence.Methods) : null,
            Authenticator = authenticator,
            ReasonCode = result.ReasonCode ?? degraded,
            ClientAddress = context.ClientAddress,
            CorrelationId = context.CorrelationId,
            Detail = result.FailureMessage ?? (degraded is null ? null : $"Accepted in degraded mode ({degraded})."),
        };
    }

    private async ValueTask<AuthenticationResult> RecordAsync(AuthenticationRequest request, string? authenticator, AuthenticationResult result)
    {
        var entry = AuditEntry(request.Context, authenticator, result);
        try
        {
            // Not cancellable: an attempt that happened is recorded even if the caller has gone.
            await _audit.AppendAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (CarteAuthException e)
        {
            CoreLog.AuditFailed(_logger, e, authenticator, result.AttemptedSubject, result.ReasonCode ?? "success");
            return AuthenticationResult.Fail(
                e.ReasonCode,
                "The authentication cannot be recorded in the audit trail, so it is refused (traceability is mandatory): " + e.Message,
                result.AttemptedSubject);
        }

        if (result.Succeeded)
        {
            CoreLog.Succeeded(_logger, authenticator, result.AttemptedSubject, request.Context.CorrelationId);
        }
        else
        {
            CoreLog.Failed(_logger, authenticator, result.ReasonCode, result.AttemptedSubject, request.Context.CorrelationId);
        }

        return result;
    }
}
