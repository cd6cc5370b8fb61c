using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace CarteAuth.AspNetCore;

/// <summary>Decides the <see cref="NetworkZone"/> of a request, for policy evaluation. Replace it to use a gateway's header or a VPN's address pool.</summary>
public interface ICarteAuthNetworkZoneResolver
{
    /// <summary>The zone the request comes from.</summary>
    NetworkZone Resolve(HttpContext context);
}

/// <summary>
/// <see cref="NetworkZone.Internal"/> when the connection's remote address is in <see cref="CarteAuthOptions.InternalNetworks"/>
/// (IPv4-mapped IPv6 addresses are compared as IPv4), <see cref="NetworkZone.Remote"/> otherwise, including when the
/// address is unknown (fail safe: remote policies are the stricter).
/// </summary>
internal sealed class CarteAuthNetworkZoneResolver : ICarteAuthNetworkZoneResolver
{
    private readonly IPNetwork[] _internal;

    public CarteAuthNetworkZoneResolver(IOptions<CarteAuthOptions> options)
    {
        _internal = [.. (options.Value.InternalNetworks ?? [.. CarteAuthOptions.DefaultInternalNetworks]).Select(static n => IPNetwork.Parse(n))];
    }

    public NetworkZone Resolve(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return NetworkZone.Remote;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in _internal)
        {
            if (network.Contains(address))
            {
                return NetworkZone.Internal;
            }
        }

        return NetworkZone.Remote;
    }

    internal static bool IsInternal(IEnumerable<string> networks, IPAddress address) =>
        networks.Select(static n => IPNetwork.Parse(n)).Any(n => n.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address));
}
