using CarteAuth.Audit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CarteAuth.Authentication;

/// <summary>
/// Runs the authenticator that handles a credential and records exactly one audit event per attempt. Fails closed:
/// an authenticator that throws, or an audit trail that cannot record the attempt, gives a failure, never evidence.
/// </summary>
public sealed partial class AuthenticationService : IAuthenticationService
{
    private readonly IAuthenticator[] _authenticators;
    private readonly IAuditTrail _audit;
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

    /// <inheritdoc/>
    public async ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authenticator = Array.Find(_authenticators, a => a.CanAuthenticate(request));
        AuthenticationResult result;
        if (authenticator is null)
        {
            result = AuthenticationResult.Fail(
                ReasonCodes.NoAuthenticator,
                $"No authenticator is registered for {request.GetType().Name} credentials; register the method's package (e.g. AddSmartCard(), AddFido2(), AddProSanteConnect()).");
        }
        else
        {
            try
            {
                result = await authenticator.AuthenticateAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await RecordAsync(request, authenticator.Name, AuthenticationResult.Fail(ReasonCodes.AuthenticationCancelled, "The authentication was cancelled by the caller.")).ConfigureAwait(false);
                throw;
            }
            catch (Exception e)
            {
                Log.AuthenticatorFailed(_logger, e, authenticator.Name, request.Context.CorrelationId);
                result = AuthenticationResult.Fail(
                    ReasonCodes.AuthenticatorError,
                    $"The {authenticator.Name} authenticator failed ({e.GetType().Name}); the attempt is refused. Correlation id: {request.Context.CorrelationId ?? "none"}.");
            }
        }

        return await RecordAsync(request, authenticator?.Name, result).ConfigureAwait(false);
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
            Log.AuditFailed(_logger, e, authenticator, result.AttemptedSubject, result.ReasonCode ?? "success");
            return AuthenticationResult.Fail(
                e.ReasonCode,
                "The authentication cannot be recorded in the audit trail, so it is refused (traceability is mandatory): " + e.Message,
                result.AttemptedSubject);
        }

        if (result.Succeeded)
        {
            Log.Succeeded(_logger, authenticator, result.AttemptedSubject, request.Context.CorrelationId);
        }
        else
        {
            Log.Failed(_logger, authenticator, result.ReasonCode, result.AttemptedSubject, request.Context.CorrelationId);
        }

        return result;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Authentication succeeded with {Authenticator} for {Subject} (correlation {CorrelationId}).")]
        public static partial void Succeeded(ILogger logger, string? authenticator, string? subject, string? correlationId);

        [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Authentication failed with {Authenticator}: {ReasonCode} (subject {Subject}, correlation {CorrelationId}).")]
        public static partial void Failed(ILogger logger, string? authenticator, string? reasonCode, string? subject, string? correlationId);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "The {Authenticator} authenticator threw; the attempt is refused (correlation {CorrelationId}).")]
        public static partial void AuthenticatorFailed(ILogger logger, Exception exception, string authenticator, string? correlationId);

        [LoggerMessage(EventId = 1003, Level = LogLevel.Critical, Message = "The audit trail could not record an authentication by {Authenticator} for {Subject} ({Outcome}); the attempt is refused.")]
        public static partial void AuditFailed(ILogger logger, Exception exception, string? authenticator, string? subject, string outcome);
    }
}
