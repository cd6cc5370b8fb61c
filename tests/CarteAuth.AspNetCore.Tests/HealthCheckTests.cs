using CarteAuth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CarteAuth.AspNetCore.Tests;

public sealed class HealthCheckTests
{
    [Fact]
    public async Task Healthy_WhenTheStoresAnswer()
    {
        await using var host = await TestHost.StartAsync(carteAuth: b => b.AddHealthChecks());
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(["carteauth-audit", "carteauth-sessions"], report.Entries.Keys.Order());
    }

    [Fact]
    public async Task Unhealthy_WithTheReasonCode_WhenTheSessionStoreIsDown()
    {
        using var dir = new TempDirectory();
        var notADatabase = dir.File("sessions.db", new string('x', 4096));
        await using var host = await TestHost.StartAsync(carteAuth: b => b
            .UseSqliteSessionStore(o => o.Path = notADatabase)
            .AddHealthChecks());
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Equal(ReasonCodes.SessionStoreUnavailable, report.Entries["carteauth-sessions"].Description);
        Assert.Equal(HealthStatus.Healthy, report.Entries["carteauth-audit"].Status);
    }
}
