using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CarteAuth.Gateway;

/// <summary>Builds the route table and the endpoint at start, so invalid options stop the host with their message instead of failing the first request.</summary>
internal sealed class ForwardAuthStartupCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<ForwardAuthRouteTable>();
        _ = services.GetRequiredService<ForwardAuthEndpoint>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
