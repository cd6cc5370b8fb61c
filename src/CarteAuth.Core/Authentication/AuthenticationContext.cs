namespace CarteAuth.Authentication;

/// <summary>Facts about the request an authentication happens in: where it comes from and how to correlate it.</summary>
public sealed record AuthenticationContext
{
    /// <summary>An empty context (no address, no correlation id, internal zone).</summary>
    public static AuthenticationContext Empty { get; } = new();

    /// <summary>The client's address as seen by the service (after trusted proxies), for audit and rate limits.</summary>
    public string? ClientAddress { get; init; }

    /// <summary>
    /// The source the attempt limiter counts failures of, when it is not <see cref="ClientAddress"/> (e.g. the RADIUS
    /// Calling-Station-Id, the VPN user's address, rather than the NAS's). Null: <see cref="ClientAddress"/>.
    /// </summary>
    public string? AttemptSource { get; init; }

    /// <summary>The correlation id that ties audit events of one request or session together.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The network zone the request comes from.</summary>
    public NetworkZone Zone { get; init; } = NetworkZone.Internal;
}
