using CarteAuth.Audit;
using CarteAuth.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CarteAuth.AspNetCore;

/// <summary>
/// Resolves what every sign-in and decision needs (the audit trail, the session signing keys) when the host starts, so
/// a missing registration stops the host with its message (e.g. "No CarteAuth audit store is registered…") instead
/// of failing the first request with a 500.
/// </summary>
internal sealed class CarteAuthStartupCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<IAuditTrail>();
        _ = services.GetRequiredService<ISigningKeyProvider>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
