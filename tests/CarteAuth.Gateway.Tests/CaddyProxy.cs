using System.Diagnostics;
using System.Text;
using CarteAuth.Testing;

namespace CarteAuth.Gateway.Tests;

/// <summary>
/// A real Caddy (Debian package <c>caddy</c>, installed by ./test.sh) on 127.0.0.1, run in the foreground from a
/// Caddyfile template of the repository with its placeholders filled in (admin API and automatic HTTPS off, its data
/// and configuration folders in <c>directory</c>); killed on dispose.
/// </summary>
internal sealed class CaddyProxy : IDisposable
{
    private const string Binary = "/usr/bin/caddy";
    private readonly Process _process;
    private readonly StringBuilder _output;

    private CaddyProxy(Process process, int port, StringBuilder output)
    {
        _process = process;
        Port = port;
        _output = output;
    }

    public int Port { get; }

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

    public static async Task<CaddyProxy> StartAsync(string template, string directory, IReadOnlyDictionary<string, string> values, TimeSpan timeout)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run ./test.sh, which installs the Debian package caddy.");
        }

        var port = LoopbackPorts.Free();
        var config = File.ReadAllText(RepositoryPaths.Of(template)).Replace("{{LISTEN}}", $"127.0.0.1:{port}", StringComparison.Ordinal);
        foreach (var (key, value) in values)
        {
            config = config.Replace("{{" + key + "}}", value, StringComparison.Ordinal);
        }

        if (config.Contains("{{", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The Caddyfile template {template} has placeholders left: {config[config.IndexOf("{{", StringComparison.Ordinal)..].Split('\n')[0]}");
        }

        var path = Path.Combine(directory, "Caddyfile");
        File.WriteAllText(path, config);
        var start = new ProcessStartInfo(Binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "run", "--config", path, "--adapter", "caddyfile" })
        {
            start.ArgumentList.Add(argument);
        }

        // Caddy keeps state under $HOME / XDG folders: the test's own directory, never the machine's.
        start.Environment["HOME"] = directory;
        start.Environment["XDG_DATA_HOME"] = Path.Combine(directory, "data");
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(directory, "config");
        var output = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException("caddy did not start.");
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var proxy = new CaddyProxy(process, port, output);
        try
        {
            await LoopbackPorts.WaitUntilListeningAsync(process, port, timeout, () => proxy.Output);
            return proxy;
        }
        catch
        {
            proxy.Dispose();
            throw;
        }
    }

    public void Dispose() => LoopbackPorts.Stop(_process);
}
