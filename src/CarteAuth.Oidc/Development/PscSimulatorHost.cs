using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace CarteAuth.Oidc.Development;

/// <summary>
/// Runs the repository's Pro Santé Connect simulator (<c>samples/psc-simulator</c>: the npm <c>oidc-provider</c>
/// configured like PSC) as a child process on 127.0.0.1, for demos and tests. Development only: the simulator's
/// professionals, clients and secrets are public test data.
/// </summary>
/// <remarks>
/// The process is started with <c>--port 0 --exit-on-stdin-close</c>: it picks a free port, prints its ready line
/// (<c>PSC simulator listening on &lt;issuer&gt;</c>), and stops by itself if this process dies (its stdin closes).
/// Disposing closes stdin, waits up to 3 s, then kills the process tree.
/// </remarks>
public sealed class PscSimulatorHost : IAsyncDisposable
{
    /// <summary>The start of the simulator's ready line; the issuer follows it.</summary>
    public const string ReadyPrefix = "PSC simulator listening on ";

    /// <summary>The simulator's folder in the repository, relative to its root.</summary>
    public static readonly string RepositoryFolder = Path.Combine("samples", "psc-simulator");

    private readonly Process _process;
    private readonly StringBuilder _output;
    private int _disposed;

    private PscSimulatorHost(Process process, StringBuilder output, Uri issuer)
    {
        _process = process;
        _output = output;
        Issuer = issuer;
    }

    /// <summary>The issuer, e.g. <c>http://127.0.0.1:41234/auth/realms/esante-wallet</c> (no trailing slash).</summary>
    public Uri Issuer { get; }

    /// <summary>Everything the simulator printed so far (stdout and stderr), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Finds <c>samples/psc-simulator</c> in <paramref name="start"/> or one of its parents (a repository checkout).
    /// </summary>
    /// <param name="start">Where to start looking (e.g. the current directory).</param>
    /// <returns>The folder, or null when none of the parents holds the simulator.</returns>
    public static string? FindInRepository(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, RepositoryFolder);
            if (File.Exists(Path.Combine(candidate, "server.mjs")))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>True when the simulator's npm packages are installed in <paramref name="directory"/> (<c>npm ci</c> was run).</summary>
    /// <param name="directory">The simulator's folder.</param>
    public static bool IsInstalled(string directory) =>
        Directory.Exists(Path.Combine(directory, "node_modules", "oidc-provider"));

    /// <summary>Starts <c>node server.mjs --host 127.0.0.1 --port 0 --exit-on-stdin-close</c> plus <paramref name="arguments"/> and waits for its ready line.</summary>
    /// <param name="directory">The simulator's folder (see <see cref="FindInRepository"/>).</param>
    /// <param name="arguments">More <c>server.mjs</c> arguments (e.g. <c>--ciba-auto-approve-after 1</c>; see its README).</param>
    /// <param name="startTimeout">How long to wait for the ready line.</param>
    /// <param name="cancellationToken">Cancels the wait (the process is then stopped).</param>
    /// <returns>The running simulator; dispose it to stop it.</returns>
    /// <exception cref="InvalidOperationException">The packages are not installed, <c>node</c> cannot be started, or the simulator did not get ready (the message says which, with its output).</exception>
    public static Task<PscSimulatorHost> StartAsync(string directory, IEnumerable<string> arguments, TimeSpan startTimeout, CancellationToken cancellationToken) =>
        StartAsync(directory, arguments, new Dictionary<string, string>(), startTimeout, cancellationToken);

    /// <summary>
    /// Starts the simulator like <see cref="StartAsync(string, IEnumerable{string}, TimeSpan, CancellationToken)"/> with
    /// extra environment variables for the node process, e.g. <c>NODE_EXTRA_CA_CERTS</c> (a PEM file of certificates
    /// node trusts besides its own roots: a relying party's development TLS certificate, so the simulator can POST
    /// back-channel logout tokens to it over https).
    /// </summary>
    /// <param name="directory">The simulator's folder (see <see cref="FindInRepository"/>).</param>
    /// <param name="arguments">More <c>server.mjs</c> arguments (see its README).</param>
    /// <param name="environment">Variables added to the process environment. <c>PSC_SIM_*</c> names are refused: only the arguments configure the simulator.</param>
    /// <param name="startTimeout">How long to wait for the ready line.</param>
    /// <param name="cancellationToken">Cancels the wait (the process is then stopped).</param>
    /// <returns>The running simulator; dispose it to stop it.</returns>
    /// <exception cref="ArgumentException">An environment variable name is empty, contains '=', or starts with <c>PSC_SIM_</c>.</exception>
    /// <exception cref="InvalidOperationException">The packages are not installed, <c>node</c> cannot be started, or the simulator did not get ready (the message says which, with its output).</exception>
    public static async Task<PscSimulatorHost> StartAsync(string directory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan startTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        foreach (var name in environment.Keys)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Contains('=', StringComparison.Ordinal))
            {
                throw new ArgumentException($"The environment variable name '{name}' is not valid: use a non-empty name without '='.", nameof(environment));
            }

            if (name.StartsWith("PSC_SIM_", StringComparison.Ordinal))
            {
                throw new ArgumentException($"{name}: the simulator is configured by its arguments only (e.g. --backchannel-logout-uri), not by PSC_SIM_* variables.", nameof(environment));
            }
        }

        if (!IsInstalled(directory))
        {
            throw new InvalidOperationException($"The PSC simulator's npm packages are not installed: run `npm ci` in {directory} (./test.sh does it).");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var argument in (string[])["server.mjs", "--host", "127.0.0.1", "--port", "0", "--exit-on-stdin-close", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        // Only the arguments configure it: the caller's PSC_SIM_* variables must not.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("PSC_SIM_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var output = new StringBuilder();
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            Append(output, e.Data);
            if (e.Data.StartsWith(ReadyPrefix, StringComparison.Ordinal)
                && Uri.TryCreate(e.Data[ReadyPrefix.Length..].Trim(), UriKind.Absolute, out var issuer))
            {
                ready.TrySetResult(issuer);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Append(output, e.Data);
            }
        };
        process.Exited += (_, _) =>
        {
            // Exited can be raised before the last stdout/stderr lines are read: WaitForExit() (no timeout) also waits
            // for the redirected streams to end, so the message holds everything the process printed.
            process.WaitForExit();
            ready.TrySetException(new InvalidOperationException(
                $"The PSC simulator exited before it was ready. Its output:{Environment.NewLine}{Snapshot(output)}"));
        };

        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException("Cannot start `node` (Node.js 20 or later is needed for the PSC simulator): " + e.Message, e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var issuer = await ready.Task.WaitAsync(startTimeout, cancellationToken).ConfigureAwait(false);
            return new PscSimulatorHost(process, output, issuer);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            Kill(process);
            process.Dispose();
            if (e is TimeoutException)
            {
                throw new InvalidOperationException(
                    $"The PSC simulator did not print its ready line within {startTimeout.TotalSeconds:0} s. Its output:{Environment.NewLine}{Snapshot(output)}", e);
            }

            throw;
        }
    }

    /// <summary>Stops the simulator: closes its stdin, then kills its process tree if it is still running after 3 s.</summary>
    /// <returns>A task.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            _process.StandardInput.Close();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            Kill(_process);
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static void Append(StringBuilder output, string line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
