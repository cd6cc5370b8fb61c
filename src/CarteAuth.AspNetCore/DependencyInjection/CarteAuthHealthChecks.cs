using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Audit;
using CarteAuth.Oidc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CarteAuth.AspNetCore;

/// <summary>Health checks of CarteAuth's dependencies; results carry the reason code, never personal data.</summary>
internal static class CarteAuthHealthChecks
{
    /// <summary>The tag of every CarteAuth health check (filter with <c>Predicate = c => c.Tags.Contains("carteauth")</c>).</summary>
    public const string Tag = "carteauth";

    /// <summary>The session store answers a read.</summary>
    public sealed class SessionStore(ICarteAuthSessionStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await store.GetAsync("health-check", cancellationToken).ConfigureAwait(false);
                return HealthCheckResult.Healthy();
            }
            catch (CarteAuthException e)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, e.ReasonCode, e);
            }
        }
    }

    /// <summary>The audit store can read its last event (every sign-in needs it).</summary>
    public sealed class AuditStore(IServiceProvider services) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var store = services.GetRequiredService<IAuditStore>();
                await store.GetLastAsync(cancellationToken).ConfigureAwait(false);
                return HealthCheckResult.Healthy();
            }
            catch (CarteAuthException e)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, e.ReasonCode, e);
            }
            catch (InvalidOperationException e)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, ReasonCodes.AuditInvalidOptions, e);
            }
        }
    }

    /// <summary>The Pro Santé Connect discovery document can be fetched and is valid (cached by the client).</summary>
    public sealed class ProSanteConnect(ProSanteConnectClient client) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await client.Metadata.GetMetadataAsync(cancellationToken).ConfigureAwait(false);
                return HealthCheckResult.Healthy();
            }
            catch (CarteAuthException e)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, e.ReasonCode, e);
            }
        }
    }
}
