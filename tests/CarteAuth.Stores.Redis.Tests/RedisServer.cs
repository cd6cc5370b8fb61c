using System.Diagnostics;
using CarteAuth.Testing;
using StackExchange.Redis;

namespace CarteAuth.Stores.Redis.Tests;

/// <summary>
/// A real redis-server (Debian package, installed by ./test.sh) on 127.0.0.1 and a free port, without persistence,
/// shared by the tests of this assembly; each test isolates itself with its own key prefix. Stopped on dispose.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private const string Binary = "/usr/bin/redis-server";
    private Process? _process;

    public int Port { get; private set; }

    public string Configuration => $"127.0.0.1:{Port},connectTimeout=5000,syncTimeout=5000";

    public IConnectionMultiplexer Multiplexer { get; private set; } = null!;

    /// <summary>A connection with a fresh key prefix: an empty store for one test.</summary>
    public RedisConnection NewConnection() => new(Multiplexer, $"test-{Guid.NewGuid():n}:");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run ./test.sh, which installs the Debian package redis-server.");
        }

        Port = LoopbackPorts.Free();
        StartProcess();
        Multiplexer = await ConnectWithRetryAsync(Configuration);
    }

    /// <summary>Kills redis-server (SIGKILL, nothing saved): clients see the connection drop, as in a crash.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts redis-server again on the same port (empty: no persistence) after <see cref="KillAsync"/>.</summary>
    public async Task RestartAsync()
    {
        StartProcess();
        await using var probe = await ConnectWithRetryAsync(Configuration);
    }

    private void StartProcess()
    {
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes", "--dir", Path.GetTempPath(), "--loglevel", "warning" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private async Task<ConnectionMultiplexer> ConnectWithRetryAsync(string configuration)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (_process is null || _process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_process?.ExitCode} (port {Port}).");
            }

            try
            {
                var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration);
                await multiplexer.GetDatabase().PingAsync();
                return multiplexer;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (Multiplexer is not null)
        {
            await Multiplexer.DisposeAsync();
        }

        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServer>
{
    public const string Name = "redis";
}
