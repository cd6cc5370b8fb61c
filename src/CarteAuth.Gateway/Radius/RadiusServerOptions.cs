using System.Net;
using System.Text;

namespace CarteAuth.Gateway.Radius;

/// <summary>Options of the RADIUS server (<c>AddCarteAuthRadius</c>). Checked at start (<c>radius.invalid-options</c>).</summary>
public sealed class RadiusServerOptions
{
    /// <summary>The UDP endpoint for Access-Requests (and Accounting-Requests), e.g. <c>0.0.0.0:1812</c>; port 0 picks a free port.</summary>
    public string Endpoint { get; set; } = "0.0.0.0:1812";

    /// <summary>An optional second UDP endpoint for Accounting-Requests (e.g. <c>0.0.0.0:1813</c>). Both endpoints accept both kinds.</summary>
    public string? AccountingEndpoint { get; set; }

    /// <summary>The NAS allowed to talk to the server, each with its shared secret. Packets from other addresses are discarded.</summary>
    public IList<RadiusClientOptions> Clients { get; } = [];

    /// <summary>The CarteAuth policy that decides every access (required), evaluated in <see cref="Zone"/>.</summary>
    public string Policy { get; set; } = string.Empty;

    /// <summary>The zone the policy is evaluated in (VPN users come from outside: <see cref="NetworkZone.Remote"/>).</summary>
    public NetworkZone Zone { get; set; } = NetworkZone.Remote;

    /// <summary>How long an Access-Challenge's State may be answered (default 2 minutes, 10 seconds to 10 minutes).</summary>
    public TimeSpan ChallengeTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a reply is kept for duplicate requests (RFC 5080 §2.2.2; default 30 seconds, 1 second to 5 minutes).</summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most requests remembered for duplicate detection (default 65536).</summary>
    public int DuplicateCacheSize { get; set; } = 65536;

    /// <summary>The most requests processed at once; more are dropped and the NAS retransmits (default 256).</summary>
    public int MaxConcurrentRequests { get; set; } = 256;

    /// <summary>Session-Timeout sent in Access-Accept (RFC 2865 §5.27), or null for none.</summary>
    public TimeSpan? SessionTimeout { get; set; }

    /// <summary>The Reply-Message of the OTP Access-Challenge.</summary>
    public string ChallengeMessage { get; set; } = "Code a usage unique (application d'authentification) :";

    /// <summary>The Reply-Message of every Access-Reject (never personal data nor the reason).</summary>
    public string RejectMessage { get; set; } = "Acces refuse.";

    /// <summary>
    /// Offer the Pro Santé Connect e-CPS push (CIBA poll mode) as second factor: users without an OTP secret get it
    /// directly, others answer the challenge with <c>push</c>. Needs <c>AddCarteAuthProSanteConnect</c> with CIBA enabled.
    /// </summary>
    public bool EnablePush { get; set; }

    /// <summary>How long a push is waited for while the RADIUS request is held (default 25 seconds, 5 to 120): keep it within the NAS's timeout × retries.</summary>
    public TimeSpan PushTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>The CIBA binding_message shown on the professional's phone.</summary>
    public string PushBindingMessage { get; set; } = "Connexion VPN";

    /// <summary>The JSON user file of the built-in <see cref="FileRadiusUserDirectory"/> (used when no other verifier is registered).</summary>
    public string? UsersFile { get; set; }

    /// <summary>Validates the options; throws <see cref="CarteAuthException"/> (<c>radius.invalid-options</c>) naming what to fix.</summary>
    public void Validate()
    {
        _ = ParseEndpoint(Endpoint, nameof(Endpoint));
        if (AccountingEndpoint is not null)
        {
            _ = ParseEndpoint(AccountingEndpoint, nameof(AccountingEndpoint));
        }

        if (Clients.Count == 0)
        {
            throw Invalid("Clients: no RADIUS client is configured; add each NAS with its Address (IP or CIDR) and Secret.");
        }

        for (var i = 0; i < Clients.Count; i++)
        {
            Clients[i].Validate(i);
        }

        if (string.IsNullOrWhiteSpace(Policy))
        {
            throw Invalid("Policy: name the CarteAuth policy that decides VPN access (e.g. \"acces-distant\").");
        }

        Check(ChallengeTimeout, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10), nameof(ChallengeTimeout));
        Check(PushTimeout, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(120), nameof(PushTimeout));
        Check(DuplicateWindow, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), nameof(DuplicateWindow));
        if (DuplicateCacheSize is < 16 or > 10_000_000)
        {
            throw Invalid($"DuplicateCacheSize: {DuplicateCacheSize} is outside 16..10000000.");
        }

        if (MaxConcurrentRequests is < 1 or > 100_000)
        {
            throw Invalid($"MaxConcurrentRequests: {MaxConcurrentRequests} is outside 1..100000.");
        }

        if (SessionTimeout is { } session && (session < TimeSpan.FromSeconds(1) || session.TotalSeconds > uint.MaxValue))
        {
            throw Invalid($"SessionTimeout: {session} must be at least one second.");
        }

        if (Encoding.UTF8.GetByteCount(ChallengeMessage ?? string.Empty) is 0 or > 253 || Encoding.UTF8.GetByteCount(RejectMessage ?? string.Empty) is 0 or > 253)
        {
            throw Invalid("ChallengeMessage and RejectMessage must be 1 to 253 UTF-8 octets (one Reply-Message attribute).");
        }
    }

    internal static IPEndPoint ParseEndpoint(string? value, string field) =>
        IPEndPoint.TryParse(value ?? string.Empty, out var endpoint) && endpoint.Port is >= 0 and <= 65535
            ? endpoint
            : throw Invalid($"{field}: '{value}' is not an address:port endpoint (e.g. 0.0.0.0:1812, [::]:1812, 127.0.0.1:0).");

    internal static CarteAuthException Invalid(string message) => new(ReasonCodes.RadiusInvalidOptions, "Invalid RADIUS options: " + message);

    private static void Check(TimeSpan value, TimeSpan min, TimeSpan max, string field)
    {
        if (value < min || value > max)
        {
            throw Invalid($"{field}: {value} is outside {min}..{max}.");
        }
    }
}

/// <summary>One NAS (VPN concentrator) allowed to use the server.</summary>
public sealed class RadiusClientOptions
{
    /// <summary>A name for logs and audit (default: the address).</summary>
    public string? Name { get; set; }

    /// <summary>The NAS's source address or network (CIDR), e.g. <c>10.0.0.5</c> or <c>10.0.0.0/24</c>.</summary>
    public string Address { get; set; } = string.Empty;

    /// <summary>The shared secret (RFC 2865 §3: at least 16 octets recommended; CarteAuth requires 12).</summary>
    public string Secret { get; set; } = string.Empty;

    /// <summary>Whether Access-Requests must carry a valid Message-Authenticator (RFC 3579 §3.2; default true).</summary>
    public bool RequireMessageAuthenticator { get; set; } = true;

    internal void Validate(int index)
    {
        if (!ForwardAuthOptions.TryParseNetwork(Address, out _))
        {
            throw RadiusServerOptions.Invalid($"Clients[{index}].Address: '{Address}' is not an IP address or CIDR network.");
        }

        if (Encoding.UTF8.GetByteCount(Secret ?? string.Empty) < 12)
        {
            throw RadiusServerOptions.Invalid($"Clients[{index}] ({Name ?? Address}).Secret: the shared secret must have at least 12 octets (RFC 2865 §3 recommends 16 or more random characters).");
        }
    }
}

/// <summary>A configured client, resolved: its network, secret octets and settings. Immutable.</summary>
internal sealed record RadiusClient(string Name, IPNetwork Network, byte[] Secret, bool RequireMessageAuthenticator);

/// <summary>Finds the client of a source address: the most specific configured network wins.</summary>
internal sealed class RadiusClientTable
{
    private readonly RadiusClient[] _clients;

    public RadiusClientTable(IEnumerable<RadiusClientOptions> clients)
    {
        _clients = [.. clients
            .Select(c => ForwardAuthOptions.TryParseNetwork(c.Address, out var network)
                ? new RadiusClient(c.Name ?? c.Address, network, Encoding.UTF8.GetBytes(c.Secret), c.RequireMessageAuthenticator)
                : throw RadiusServerOptions.Invalid($"Clients: '{c.Address}' is not an IP address or CIDR network."))
            .OrderByDescending(c => c.Network.PrefixLength)];
    }

    public RadiusClient? Find(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var client in _clients)
        {
            if (client.Network.Contains(address))
            {
                return client;
            }
        }

        return null;
    }
}
