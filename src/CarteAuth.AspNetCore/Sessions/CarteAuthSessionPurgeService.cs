using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CarteAuth.AspNetCore.Sessions;

/// <summary>
/// Deletes ended and expired sessions older than <see cref="CarteAuthSessionPurgeOptions.Retention"/> every
/// <see cref="CarteAuthSessionPurgeOptions.Interval"/> (<see cref="ICarteAuthSessionStore.PurgeAsync"/>). A failed run
/// is logged and retried at the next interval; it never stops the host.
/// </summary>
internal sealed class CarteAuthSessionPurgeService(
    ICarteAuthSessionStore store,
    IOptions<CarteAuthSessionPurgeOptions> options,
    TimeProvider time,
    ILogger<CarteAuthSessionPurgeService> logger) : BackgroundService
{
    /// <summary>Runs one purge now; returns how many sessions were deleted, or -1 when the store failed.</summary>
    internal async Task<int> PurgeOnceAsync(CancellationToken ct)
    {
        var before = time.GetUtcNow() - options.Value.Retention;
        try
        {
            var count = await store.PurgeAsync(before, ct).ConfigureAwait(false);
            CarteAuthAspNetCoreLog.SessionsPurged(logger, count, before);
            return count;
        }
        catch (CarteAuthException e)
        {
            CarteAuthAspNetCoreLog.SessionPurgeFailed(logger, e, e.ReasonCode);
            return -1;
        }
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(o.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await PurgeOnceAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }
}
