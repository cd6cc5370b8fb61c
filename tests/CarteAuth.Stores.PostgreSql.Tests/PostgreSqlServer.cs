using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace CarteAuth.Stores.PostgreSql.Tests;

/// <summary>
/// A real PostgreSQL server (Debian package postgresql, installed by ./test.sh) in a temporary data directory, on
/// 127.0.0.1 and a free port, without durability (fsync off: tests only). When the tests run as root it runs as the
/// postgres user (PostgreSQL refuses root). Each test isolates itself in its own schema (<see cref="NewDataSource"/>).
/// Stopped and deleted on dispose; <see cref="StopAsync"/> and <see cref="StartAsync"/> restart it on the same port.
/// </summary>
public sealed class PostgreSqlServer : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly List<NpgsqlDataSource> _sources = [];
    private string _bin = null!;
    private string _root = null!;
    private readonly System.Text.StringBuilder _log = new();
    private Process? _process;

    public int Port { get; private set; }

    public string DataDirectory => Path.Combine(_root, "data");

    /// <summary>The connection string of the server's postgres database, for test setup.</summary>
    public string AdminConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "carteauth",
        Database = "postgres",
        Timeout = 5,
        CommandTimeout = 15,
    }.ConnectionString;

    /// <summary>A connection string whose search path is <paramref name="schema"/>.</summary>
    /// <remarks>Idle pooled connections close after a few seconds: the many small pools of a test run do not pile up backends.</remarks>
    public string ConnectionString(string schema) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { SearchPath = schema, ConnectionIdleLifetime = 5, ConnectionPruningInterval = 1 }.ConnectionString;

    /// <summary>Creates a new empty schema and returns its name.</summary>
    public string NewSchema()
    {
        var schema = "t_" + Guid.NewGuid().ToString("n");
        using var connection = new NpgsqlConnection(AdminConnectionString + ";Pooling=false");
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
        command.ExecuteNonQuery();
        return schema;
    }

    /// <summary>A data source on a new, empty schema (disposed with the server).</summary>
    public NpgsqlDataSource NewDataSource() => DataSource(NewSchema());

    /// <summary>A new data source (its own pool) on <paramref name="schema"/>, as another node would have.</summary>
    public NpgsqlDataSource DataSource(string schema)
    {
        var source = NpgsqlDataSource.Create(ConnectionString(schema));
        lock (_sources)
        {
            _sources.Add(source);
        }

        return source;
    }

    public async Task InitializeAsync()
    {
        _bin = FindBinDirectory();
        _root = Path.Combine(Path.GetTempPath(), "carteauth-pg-" + Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(_root);
        if (RunningAsRoot)
        {
            await RunAsync("chown", ["postgres:postgres", _root], asPostgres: false);
        }

        await RunAsync(Path.Combine(_bin, "initdb"), ["-D", DataDirectory, "-U", "carteauth", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"], asPostgres: true);
        Port = LoopbackPorts.Free();

        await StartAsync();
    }

    /// <summary>Starts the server (again) on <see cref="Port"/> and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        var start = Command(Path.Combine(_bin, "postgres"), [
            "-D", DataDirectory, "-k", _root, "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200",
        ], asPostgres: true);
        _process = Process.Start(start) ?? throw new InvalidOperationException("postgres did not start.");
        _process.OutputDataReceived += (_, e) => Log(e.Data);
        _process.ErrorDataReceived += (_, e) => Log(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"postgres exited with {_process.ExitCode} (port {Port}, data {DataDirectory}): {Output}");
            }

            try
            {
                // Not pooled: a pooled connection could be an idle one to the previous server process.
                await using var connection = new NpgsqlConnection(AdminConnectionString + ";Pooling=false");
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Stops the server (fast shutdown: clients are disconnected) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            await RunAsync(Path.Combine(_bin, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "20"], asPostgres: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }

            _process.Dispose();
            _process = null;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var source in _sources)
        {
            await source.DisposeAsync();
        }

        try
        {
            await StopAsync();
        }
        finally
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the temp cleaner gets it.
            }
        }
    }

    /// <summary>What the server printed (its log goes to stderr).</summary>
    public string Output
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    private void Log(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    private static bool RunningAsRoot => Environment.UserName == "root";

    private static string FindBinDirectory()
    {
        const string Root = "/usr/lib/postgresql";
        var bin = Directory.Exists(Root)
            ? Directory.GetDirectories(Root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "postgres"))).OrderDescending(StringComparer.Ordinal).FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException($"No PostgreSQL server under {Root}/<version>/bin: run ./test.sh, which installs the Debian package postgresql.");
    }

    private static ProcessStartInfo Command(string file, IEnumerable<string> arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo(asPostgres && RunningAsRoot ? "runuser" : file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres && RunningAsRoot)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        return start;
    }

    private static async Task RunAsync(string file, IEnumerable<string> arguments, bool asPostgres)
    {
        using var process = Process.Start(Command(file, arguments, asPostgres)) ?? throw new InvalidOperationException($"{file} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within 60 s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgreSqlCollection : ICollectionFixture<PostgreSqlServer>
{
    public const string Name = "postgresql";
}
