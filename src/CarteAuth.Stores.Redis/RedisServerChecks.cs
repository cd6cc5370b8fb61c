using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CarteAuth.Stores.Redis;

/// <summary>
/// At start, checks the Redis server once in the background (<see cref="RedisServerCheck"/>) and logs each finding:
/// 5502 (error) when the stores cannot work with it, 5501 (warning) when revocations could be forgotten, 5500 when it
/// suits; 5503 when it cannot be reached (the host starts anyway, requests fail closed). Off with
/// <see cref="RedisStoreOptions.CheckServerAtStart"/>.
/// </summary>
internal sealed class RedisServerStartupCheck(IConnectionMultiplexer multiplexer, IOptions<RedisStoreOptions> options, ILogger<RedisServerStartupCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.CheckServerAtStart)
        {
            return;
        }

        try
        {
            var (endPoint, findings) = await RedisServerCheck.CheckAsync(multiplexer).WaitAsync(stoppingToken).ConfigureAwait(false);
            foreach (var finding in findings)
            {
                if (finding.IsError)
                {
                    RedisLog.ServerUnsupported(logger, finding.ReasonCode, finding.Message);
                }
                else
                {
                    RedisLog.ServerUnsafe(logger, finding.ReasonCode, finding.Message);
                }
            }

            if (findings.Count == 0)
            {
                RedisLog.ServerChecked(logger, endPoint);
            }
        }
        catch (CarteAuthException e)
        {
            RedisLog.ServerNotChecked(logger, e.ReasonCode, e.Message);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host stopped first.
        }
    }
}

/// <summary>
/// Health check <c>carteauth-redis</c> (tag <c>carteauth</c>): unhealthy (the registration's failure status) when Redis
/// cannot be reached or cannot work with CarteAuth (<see cref="ReasonCodes.StoreRedisUnsupported"/>), degraded when it
/// evicts keys or keeps nothing across a restart, healthy otherwise; the description lists the reason codes.
/// </summary>
internal sealed class RedisServerHealthCheck(IConnectionMultiplexer multiplexer) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var (_, findings) = await RedisServerCheck.CheckAsync(multiplexer).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (findings.Count == 0)
            {
                return HealthCheckResult.Healthy();
            }

            var status = findings.Any(static f => f.IsError) ? context.Registration.FailureStatus : HealthStatus.Degraded;
            return new HealthCheckResult(status, RedisServerCheck.Describe(findings));
        }
        catch (CarteAuthException e)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, e.ReasonCode, e);
        }
    }
}
