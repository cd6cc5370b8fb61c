using System.Net;
using System.Net.Sockets;

namespace CarteAuth.Testing;

/// <summary>Free loopback ports for servers the tests start (redis-server, postgres, nginx, …).</summary>
internal static class LoopbackPorts
{
    /// <summary>A 127.0.0.1 port nothing listens on (taken from the OS, then released).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
