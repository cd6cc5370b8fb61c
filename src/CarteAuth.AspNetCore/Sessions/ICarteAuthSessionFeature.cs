using CarteAuth.Authentication;

namespace CarteAuth.AspNetCore.Sessions;

/// <summary>
/// The CarteAuth session of the current request, set in <c>HttpContext.Features</c> when the CarteAuth scheme
/// authenticated it: <c>HttpContext.Features.Get&lt;ICarteAuthSessionFeature&gt;()</c>.
/// </summary>
public interface ICarteAuthSessionFeature
{
    /// <summary>The session record.</summary>
    CarteAuthSession Session { get; }

    /// <summary>The evidence of the session's sign-in (what policies are evaluated against).</summary>
    AuthenticationEvidence Evidence { get; }
}

internal sealed record CarteAuthSessionFeature(CarteAuthSession Session, AuthenticationEvidence Evidence) : ICarteAuthSessionFeature;
