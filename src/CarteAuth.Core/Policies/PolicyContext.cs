using CarteAuth.Authentication;

namespace CarteAuth.Policies;

/// <summary>What a policy is evaluated against: the evidence (if any), the request's zone, the time and an optional break-glass reason.</summary>
public readonly struct PolicyContext
{
    /// <summary>Creates a context.</summary>
    /// <param name="evidence">The current authentication, or null when nobody is authenticated.</param>
    /// <param name="now">The evaluation time (from the host's <see cref="TimeProvider"/>).</param>
    /// <param name="zone">The zone the request comes from.</param>
    /// <param name="breakGlassReason">The reason the professional gave for break-glass access, if they asked for it.</param>
    public PolicyContext(AuthenticationEvidence? evidence, DateTimeOffset now, NetworkZone zone = NetworkZone.Internal, string? breakGlassReason = null)
    {
        Evidence = evidence;
        Now = now;
        Zone = zone;
        BreakGlassReason = breakGlassReason;
    }

    /// <summary>The current authentication, or null.</summary>
    public AuthenticationEvidence? Evidence { get; }

    /// <summary>The evaluation time.</summary>
    public DateTimeOffset Now { get; }

    /// <summary>The request's zone.</summary>
    public NetworkZone Zone { get; }

    /// <summary>The break-glass reason, if requested.</summary>
    public string? BreakGlassReason { get; }
}
