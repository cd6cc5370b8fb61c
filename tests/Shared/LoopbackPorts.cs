using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CarteAuth.Testing;

/// <summary>Free loopback ports for servers the tests start (redis-server, postgres, nginx, caddy, …), and waiting for them.</summary>
internal static class LoopbackPorts
{
    /// <summary>A 127.0.0.1 port nothing listens on (taken from the OS, then released).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Waits until <paramref name="process"/> accepts TCP connections on 127.0.0.1:<paramref name="port"/>.
    /// </summary>
    /// <param name="process">The server process (started by the caller).</param>
    /// <param name="port">The port it was told to listen on.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="describe">What to add to an error: the server's output or log.</param>
    /// <exception cref="InvalidOperationException">The process exited first.</exception>
    /// <exception cref="TimeoutException">Nothing listened within <paramref name="timeout"/>.</exception>
    public static async Task WaitUntilListeningAsync(Process process, int port, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.StartInfo.FileName} exited with {process.ExitCode}: {describe()}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"{process.StartInfo.FileName} did not listen on 127.0.0.1:{port} within {timeout}: {describe()}");
    }

    /// <summary>Kills a server process the tests started (and its children), waits for it (10 s at most) and disposes it.</summary>
    public static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        finally
        {
            process.Dispose();
        }
    }
}
