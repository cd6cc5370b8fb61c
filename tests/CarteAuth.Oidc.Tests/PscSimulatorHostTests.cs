using CarteAuth.Oidc.Development;
using CarteAuth.Testing;

namespace CarteAuth.Oidc.Tests;

/// <summary>The development host that runs samples/psc-simulator (used by the demo and the tests).</summary>
public sealed class PscSimulatorHostTests
{
    [Fact]
    public void Finds_the_simulator_from_anywhere_in_the_repository_and_not_outside()
    {
        var expected = RepositoryPaths.Of("samples", "psc-simulator");
        Assert.Equal(expected, PscSimulatorHost.FindInRepository(RepositoryPaths.Of("src", "CarteAuth.Oidc", "Development")));
        Assert.Equal(expected, PscSimulatorHost.FindInRepository(RepositoryPaths.Root));
        using var outside = new TempDirectory();
        Assert.Null(PscSimulatorHost.FindInRepository(outside.Path));
    }

    [Fact]
    public async Task Without_its_npm_packages_it_says_to_run_npm_ci()
    {
        using var empty = new TempDirectory();
        File.WriteAllText(Path.Combine(empty.Path, "server.mjs"), "process.exit(3)");
        Assert.False(PscSimulatorHost.IsInstalled(empty.Path));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => PscSimulatorHost.StartAsync(empty.Path, [], TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Contains("npm ci", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_simulator_that_exits_at_start_is_reported_with_its_output()
    {
        using var fake = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(fake.Path, "node_modules", "oidc-provider"));
        File.WriteAllText(Path.Combine(fake.Path, "server.mjs"), "console.error('cannot bind: simulated failure'); process.exit(3);");
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => PscSimulatorHost.StartAsync(fake.Path, [], TimeSpan.FromSeconds(20), CancellationToken.None));
        Assert.Contains("exited before it was ready", e.Message, StringComparison.Ordinal);
        Assert.Contains("simulated failure", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Starts_and_stops_the_real_simulator()
    {
        var host = await PscSimulatorHost.StartAsync(RepositoryPaths.Of("samples", "psc-simulator"), ["--ciba-interval", "1"], TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal("127.0.0.1", host.Issuer.Host);
        Assert.EndsWith("/auth/realms/esante-wallet", host.Issuer.AbsolutePath, StringComparison.Ordinal);
        using (var http = new HttpClient())
        {
            var discovery = await http.GetStringAsync(host.Issuer + "/.well-known/wallet-openid-configuration");
            Assert.Contains("\"backchannel_authentication_endpoint\"", discovery, StringComparison.Ordinal);
        }

        await host.DisposeAsync();
        using var after = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => after.GetStringAsync(host.Issuer + "/.well-known/wallet-openid-configuration"));
    }
    [Fact]
    public async Task Environment_variables_reach_the_node_process()
    {
        using var fake = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(fake.Path, "node_modules", "oidc-provider"));
        // A stand-in server.mjs: its ready line carries the variable it was given, then it waits for stdin to close.
        File.WriteAllText(Path.Combine(fake.Path, "server.mjs"),
            "console.log('PSC simulator listening on http://127.0.0.1:1/' + encodeURIComponent(process.env.NODE_EXTRA_CA_CERTS ?? 'missing'));" +
            "process.stdin.resume(); process.stdin.on('end', () => process.exit(0));");
        await using var host = await PscSimulatorHost.StartAsync(fake.Path, [], new Dictionary<string, string> { ["NODE_EXTRA_CA_CERTS"] = "/dev/ca.pem" }, TimeSpan.FromSeconds(20), CancellationToken.None);
        Assert.Equal("http://127.0.0.1:1/%2Fdev%2Fca.pem", host.Issuer.AbsoluteUri);
    }

    [Theory]
    [InlineData("PSC_SIM_PORT")]
    [InlineData("")]
    [InlineData("A=B")]
    public async Task Simulator_variables_and_bad_names_are_refused(string name)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => PscSimulatorHost.StartAsync(RepositoryPaths.Of("samples", "psc-simulator"), [], new Dictionary<string, string> { [name] = "1" }, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal("environment", e.ParamName);
    }
}
