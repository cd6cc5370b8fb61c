using System.Diagnostics;
using CarteAuth.SmartCard.Tests.TestSupport;
using CarteAuth.Testing;

namespace CarteAuth.SmartCard.Tests.Nginx;

/// <summary>
/// A real nginx (Debian package, installed by ./test.sh) on 127.0.0.1, run in the foreground from a configuration
/// template of samples/nginx with its placeholders filled in; stopped on dispose.
/// </summary>
internal sealed class NginxProxy : IDisposable
{
    private const string Binary = "/usr/sbin/nginx";
    private readonly Process _process;

    private NginxProxy(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    public string Directory { get; }

    /// <summary>Starts nginx with <paramref name="template"/> (a path under the repository) and waits until it accepts connections.</summary>
    public static async Task<NginxProxy> StartAsync(string template, string directory, IReadOnlyDictionary<string, string> values, TimeSpan timeout)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run ./test.sh, which installs the Debian package nginx.");
        }

        foreach (var sub in new[] { "body", "proxy", "fastcgi", "uwsgi", "scgi" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(directory, "tmp", sub));
        }

        var port = LoopbackHttpServer.FreePort();
        var config = File.ReadAllText(RepositoryPaths.Of(template)).Replace("{{DIR}}", directory, StringComparison.Ordinal).Replace("{{LISTEN}}", $"127.0.0.1:{port}", StringComparison.Ordinal);
        foreach (var (key, value) in values)
        {
            config = config.Replace("{{" + key + "}}", value, StringComparison.Ordinal);
        }

        if (config.Contains("{{", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The nginx template {template} has placeholders left: {config[config.IndexOf("{{", StringComparison.Ordinal)..].Split('\n')[0]}");
        }

        var path = Path.Combine(directory, "nginx.conf");
        File.WriteAllText(path, config);
        var start = new ProcessStartInfo(Binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-p", directory, "-e", Path.Combine(directory, "error.log"), "-c", path })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start.");
        var proxy = new NginxProxy(process, port, directory);
        try
        {
            await LoopbackPorts.WaitUntilListeningAsync(process, port, timeout, () => $"{(process.HasExited ? process.StandardError.ReadToEnd() : string.Empty)} {ErrorLog(directory)}");
            return proxy;
        }
        catch
        {
            proxy.Dispose();
            throw;
        }
    }

    public void Dispose() => LoopbackPorts.Stop(_process);

    private static string ErrorLog(string directory)
    {
        var log = Path.Combine(directory, "error.log");
        return File.Exists(log) ? "error.log: " + File.ReadAllText(log) : string.Empty;
    }
}
