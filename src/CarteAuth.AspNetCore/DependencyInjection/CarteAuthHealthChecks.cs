using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Audit;
using CarteAuth.Oidc;
using CarteAuth.SmartCard;
using CarteAuth.SmartCard.Revocation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

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

    /// <summary>The pairing store answers a read.</summary>
    public sealed class PairingStore(CarteAuth.Pairing.IPairingStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await store.GetByLocalAccountAsync("health-check", cancellationToken).ConfigureAwait(false);
                return HealthCheckResult.Healthy();
            }
            catch (CarteAuthException e)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, e.ReasonCode, e);
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

    /// <summary>
    /// The OCSP responder answers a well-formed, correctly signed, fresh OCSP response (RFC 6960) about
    /// <see cref="CarteAuthHealthCheckOptions.OcspProbeCertificate"/>: healthy for good or revoked, degraded for
    /// unknown (the responder does not know the probe) or no probe configured, the failure status with the reason code
    /// (<c>cert.revocation-unavailable</c>, <c>cert.ocsp-bad-signature</c>…) otherwise.
    /// </summary>
    public sealed class Ocsp(IServiceProvider services, IOptions<CarteAuthHealthCheckOptions> options) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var o = options.Value;
            if (o.OcspProbeCertificate is not { } probe)
            {
                return new HealthCheckResult(HealthStatus.Degraded, ReasonCodes.CertRevocationInvalidOptions, data: Problem("No OCSP probe certificate: set AddHealthChecks(h => h.OcspProbeCertificate = …) to a certificate the responder knows."));
            }

            var issuer = o.OcspProbeIssuer ?? FindIssuer(probe);
            if (issuer is null)
            {
                return new HealthCheckResult(HealthStatus.Degraded, ReasonCodes.CertRevocationInvalidOptions, data: Problem($"The issuer of the OCSP probe certificate ({probe.Issuer}) is not among the smart card intermediates or trust anchors: set OcspProbeIssuer."));
            }

            // A fresh checker each run: no cached answer and no degraded mode ("débrayage") hide a responder that is down.
            var checker = new OcspRevocationChecker(
                services.GetRequiredService<IHttpClientFactory>().CreateClient(CarteAuthSmartCardServiceCollectionExtensions.OcspHttpClientName),
                services.GetRequiredService<IOptions<OcspRevocationOptions>>().Value,
                services.GetRequiredService<TimeProvider>());
            var result = await checker.CheckAsync(probe, issuer, cancellationToken).ConfigureAwait(false);
            var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["status"] = result.Status.ToString(), ["message"] = result.Message };
            return result.Status switch
            {
                RevocationStatus.Good or RevocationStatus.Revoked => HealthCheckResult.Healthy(data: data),
                RevocationStatus.Unknown => HealthCheckResult.Degraded(result.ReasonCode, data: data),
                _ => new HealthCheckResult(context.Registration.FailureStatus, result.ReasonCode ?? ReasonCodes.CertRevocationUnavailable, data: data),
            };
        }

        private static Dictionary<string, object> Problem(string message) => new(StringComparer.Ordinal) { ["message"] = message };

        private System.Security.Cryptography.X509Certificates.X509Certificate2? FindIssuer(System.Security.Cryptography.X509Certificates.X509Certificate2 probe)
        {
            var card = services.GetService<IOptions<SmartCardOptions>>()?.Value;
            return card is null
                ? null
                : card.Intermediates.Concat(card.TrustAnchors).FirstOrDefault(c => c.SubjectName.RawData.AsSpan().SequenceEqual(probe.IssuerName.RawData));
        }
    }
}
