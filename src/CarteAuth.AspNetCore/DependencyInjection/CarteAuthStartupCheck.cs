using CarteAuth.Audit;
using CarteAuth.Authentication.Attempts;
using CarteAuth.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CarteAuth.AspNetCore;

/// <summary>
/// Resolves what every sign-in and decision needs (the audit trail, the session signing keys, the attempt limiter, whose
/// options are validated then) when the host starts, so
/// a missing registration stops the host with its message (e.g. "No CarteAuth audit store is registered…") instead
/// of failing the first request with a 500.
/// </summary>
internal sealed class CarteAuthStartupCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<IAuditTrail>();
        _ = services.GetRequiredService<ISigningKeyProvider>();
        _ = services.GetRequiredService<IAuthenticationAttemptLimiter>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
