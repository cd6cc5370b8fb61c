using CarteAuth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CarteAuth.Stores.Redis.Tests;

/// <summary>
/// The Redis server check (docs/operations.md, "Redis"): what CarteAuth's guarantees need of the server, read from
/// INFO, logged once at start and reported by the health check <c>carteauth-redis</c>. The rules on INFO fields, then a
/// real redis-server of its own (started like the shared one without persistence, then reconfigured with CONFIG SET).
/// </summary>
public sealed class RedisServerCheckTests
{
    private const int Bound = 60_000;

    private static Dictionary<string, string> Info(string version = "7.0.15", string role = "master", string maxMemory = "0", string policy = "noeviction", string aof = "1", string replicas = "0") => new()
    {
        ["redis_version"] = version,
        ["role"] = role,
        ["maxmemory"] = maxMemory,
        ["maxmemory_policy"] = policy,
        ["aof_enabled"] = aof,
        ["connected_slaves"] = replicas,
    };

    [Fact]
    public void A_persistent_primary_7_or_later_without_eviction_has_no_finding()
    {
        Assert.Empty(RedisServerCheck.Evaluate(Info(), "redis:6379"));
        Assert.Empty(RedisServerCheck.Evaluate(Info(version: "7.4.2", aof: "0", replicas: "1"), "redis:6379")); // replicated instead of AOF
        Assert.Empty(RedisServerCheck.Evaluate(Info(policy: "allkeys-lru"), "redis:6379")); // no maxmemory: nothing is ever evicted
    }

    [Theory]
    [InlineData("6.2.14", "master", "store.redis-unsupported", "7.0 or later")]
    [InlineData("", "master", "store.redis-unsupported", "(none)")]
    [InlineData("7.2.4", "slave", "store.redis-unsupported", "replica")]
    public void An_old_server_or_a_replica_is_an_error_that_says_what_to_do(string version, string role, string code, string said)
    {
        var info = Info(version: version, role: role);
        if (version.Length == 0)
        {
            info.Remove("redis_version");
        }

        var finding = Assert.Single(RedisServerCheck.Evaluate(info, "redis:6379"));
        Assert.Equal(code, finding.ReasonCode);
        Assert.True(finding.IsError);
        Assert.Contains("redis:6379", finding.Message, StringComparison.Ordinal);
        Assert.Contains(said, finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Eviction_with_maxmemory_and_no_persistence_are_warnings_naming_the_setting()
    {
        var findings = RedisServerCheck.Evaluate(Info(maxMemory: "104857600", policy: "volatile-lru", aof: "0"), "redis:6379");
        Assert.Equal(["store.redis-evicts", "store.redis-not-persistent"], findings.Select(f => f.ReasonCode));
        Assert.All(findings, f => Assert.False(f.IsError));
        Assert.Contains("maxmemory-policy noeviction", findings[0].Message, StringComparison.Ordinal);
        Assert.Contains("volatile-lru", findings[0].Message, StringComparison.Ordinal);
        Assert.Contains("appendonly yes", findings[1].Message, StringComparison.Ordinal);
        Assert.Equal("store.redis-evicts, store.redis-not-persistent", RedisServerCheck.Describe(findings));
    }

    [Fact(Timeout = Bound)]
    public async Task A_real_server_is_checked_at_start_and_by_the_health_check_as_its_configuration_changes()
    {
        var server = new RedisServer();
        await server.InitializeAsync();
        try
        {
            await using var admin = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
            var redis = admin.GetServer(admin.GetEndPoints()[0]);
            var services = new ServiceCollection().AddLogging().AddCarteAuthRedisStores(o => o.Configuration = server.Configuration);
            await using var provider = services.BuildServiceProvider();
            var health = provider.GetRequiredService<HealthCheckService>();

            // As the test fixture starts it (--appendonly no, no replica): degraded, the start check warns (5501).
            var report = await health.CheckHealthAsync(c => c.Name == "carteauth-redis");
            Assert.Equal(HealthStatus.Degraded, report.Entries["carteauth-redis"].Status);
            Assert.Equal("store.redis-not-persistent", report.Entries["carteauth-redis"].Description);
            var log = await RunStartCheckAsync(provider);
            var warning = Assert.Single(log);
            Assert.Equal((5501, LogLevel.Warning), (warning.Id, warning.Level));
            Assert.StartsWith("store.redis-not-persistent: ", warning.Message, StringComparison.Ordinal);

            // A memory limit with an evicting policy: both warnings.
            await redis.ConfigSetAsync("maxmemory", "64mb");
            await redis.ConfigSetAsync("maxmemory-policy", "allkeys-lru");
            report = await health.CheckHealthAsync(c => c.Name == "carteauth-redis");
            Assert.Equal("store.redis-evicts, store.redis-not-persistent", report.Entries["carteauth-redis"].Description);
            Assert.Equal(["store.redis-evicts", "store.redis-not-persistent"], (await RunStartCheckAsync(provider)).Select(e => e.Message.Split(':')[0]));

            // As operations.md says to run it: healthy, and the start check says so (5500).
            await redis.ConfigSetAsync("maxmemory-policy", "noeviction");
            await redis.ConfigSetAsync("appendonly", "yes");
            report = await health.CheckHealthAsync(c => c.Name == "carteauth-redis");
            Assert.Equal(HealthStatus.Healthy, report.Entries["carteauth-redis"].Status);
            var ok = Assert.Single(await RunStartCheckAsync(provider));
            Assert.Equal((5500, LogLevel.Information), (ok.Id, ok.Level));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact(Timeout = Bound)]
    public async Task An_unreachable_server_is_reported_not_thrown_and_the_check_can_be_turned_off()
    {
        var port = LoopbackPorts.Free();
        var configuration = $"127.0.0.1:{port},connectTimeout=500,syncTimeout=500,asyncTimeout=500,abortConnect=false";
        var services = new ServiceCollection().AddLogging().AddCarteAuthRedisStores(o => o.Configuration = configuration);
        await using var provider = services.BuildServiceProvider();

        var entry = (await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Name == "carteauth-redis")).Entries["carteauth-redis"];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal(ReasonCodes.TokenStoreUnavailable, entry.Description);

        var notChecked = Assert.Single(await RunStartCheckAsync(provider));
        Assert.Equal((5503, LogLevel.Warning), (notChecked.Id, notChecked.Level));
        Assert.Contains("RedisStoreOptions.Configuration", notChecked.Message, StringComparison.Ordinal);

        var off = new ServiceCollection().AddLogging().AddCarteAuthRedisStores(o =>
        {
            o.Configuration = configuration;
            o.CheckServerAtStart = false;
        });
        await using var offProvider = off.BuildServiceProvider();
        Assert.Empty(await RunStartCheckAsync(offProvider));

        // Registering the stores twice keeps one start check and one health check (a duplicate name would fail).
        var twice = new ServiceCollection().AddLogging()
            .AddCarteAuthRedisStores(o => o.Configuration = configuration)
            .AddCarteAuthRedisStores(o => o.Configuration = configuration);
        await using var twiceProvider = twice.BuildServiceProvider();
        Assert.Single(twiceProvider.GetServices<Microsoft.Extensions.Hosting.IHostedService>(), s => s is RedisServerStartupCheck);
        Assert.Single((await twiceProvider.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries, e => e.Key == "carteauth-redis");
    }

    /// <summary>Runs the registered start check (as the host would) with a logger that keeps what it is given.</summary>
    private static async Task<List<(int Id, LogLevel Level, string Message)>> RunStartCheckAsync(IServiceProvider provider)
    {
        var logger = new ListLogger();
        var check = new RedisServerStartupCheck(provider.GetRequiredService<IConnectionMultiplexer>(), provider.GetRequiredService<IOptions<RedisStoreOptions>>(), logger);
        Assert.Contains(provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>(), s => s is RedisServerStartupCheck);
        await check.StartAsync(CancellationToken.None);
        await check.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30));
        return logger.Entries;
    }

    private sealed class ListLogger : ILogger<RedisServerStartupCheck>
    {
        public List<(int Id, LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((eventId.Id, logLevel, formatter(state, exception)));
    }
}
