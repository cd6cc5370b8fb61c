using Microsoft.AspNetCore.Authentication;

namespace CarteAuth.AspNetCore.Sessions;

/// <summary>
/// Options of the CarteAuth cookie session scheme (<see cref="CarteAuthDefaults.AuthenticationScheme"/>). The cookie is
/// always HttpOnly, SameSite=Lax, path <c>/</c>; Secure and named <c>__Host-</c>+<see cref="CookieName"/> over HTTPS.
/// Validated at start (<see cref="ReasonCodes.SessionInvalidOptions"/>).
/// </summary>
public sealed class CarteAuthSessionOptions : AuthenticationSchemeOptions
{
    /// <summary>Default <see cref="IdleTimeout"/>: 30 minutes.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(30);

    /// <summary>Default <see cref="AbsoluteTimeout"/>: 12 hours (a shift).</summary>
    public static readonly TimeSpan DefaultAbsoluteTimeout = TimeSpan.FromHours(12);

    /// <summary>Default <see cref="LastSeenUpdateInterval"/>: 1 minute.</summary>
    public static readonly TimeSpan DefaultLastSeenUpdateInterval = TimeSpan.FromMinutes(1);

    /// <summary>Longest accepted <see cref="AbsoluteTimeout"/>: 7 days (the session token's longest lifetime).</summary>
    public static readonly TimeSpan MaxAbsoluteTimeout = TimeSpan.FromDays(7);

    /// <summary>Creates the options with the CarteAuth events.</summary>
    public CarteAuthSessionOptions() => Events = new CarteAuthSessionEvents();

    /// <summary>The cookie's base name (letters, digits, '-', '_', '.'). Default <c>carteauth</c>.</summary>
    public string CookieName { get; set; } = CarteAuthDefaults.CookieName;

    /// <summary>How long a session may stay unused before it ends (sliding). Default 30 minutes.</summary>
    public TimeSpan IdleTimeout { get; set; } = DefaultIdleTimeout;

    /// <summary>How long a session lasts whatever its activity. Default 12 hours; at most 7 days.</summary>
    public TimeSpan AbsoluteTimeout { get; set; } = DefaultAbsoluteTimeout;

    /// <summary>
    /// The session's last-seen time is written to the store at most this often (fewer writes; the idle timeout is
    /// then exact to within this interval). Default 1 minute; less than <see cref="IdleTimeout"/>.
    /// </summary>
    public TimeSpan LastSeenUpdateInterval { get; set; } = DefaultLastSeenUpdateInterval;

    /// <summary>
    /// Also accept the session token in <c>Authorization: Bearer &lt;token&gt;</c> when the request has no session cookie
    /// (RFC 6750 §2.1), for non-browser clients of a gateway (CarteAuth.Gateway turns it on for its forward-auth endpoint).
    /// The token's session record is checked as for the cookie; nothing is written back (no cookie renewal). Default false.
    /// </summary>
    public bool AcceptBearerTokens { get; set; }

    /// <summary>The events raised by the scheme.</summary>
    public new CarteAuthSessionEvents Events
    {
        get => (CarteAuthSessionEvents)base.Events!;
        set => base.Events = value;
    }

    /// <summary>Checks the options.</summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.SessionInvalidOptions"/> listing every problem and how to fix it.</exception>
    public void ValidateSettings()
    {
        var errors = new List<string>();
        if (string.IsNullOrEmpty(CookieName) || CookieName.Length > 64 || !CookieName.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            errors.Add($"CookieName '{CookieName}' is not a valid cookie name: use 1 to 64 letters, digits, '-', '_' or '.' (default \"carteauth\"; the __Host- prefix is added over HTTPS).");
        }

        if (IdleTimeout <= TimeSpan.Zero)
        {
            errors.Add($"IdleTimeout is {IdleTimeout}; use a positive duration (default {DefaultIdleTimeout}).");
        }

        if (AbsoluteTimeout <= TimeSpan.Zero || AbsoluteTimeout > MaxAbsoluteTimeout)
        {
            errors.Add($"AbsoluteTimeout is {AbsoluteTimeout}; use a positive duration of at most {MaxAbsoluteTimeout.TotalDays} days (default {DefaultAbsoluteTimeout}).");
        }
        else if (IdleTimeout > AbsoluteTimeout)
        {
            errors.Add($"IdleTimeout ({IdleTimeout}) is longer than AbsoluteTimeout ({AbsoluteTimeout}); it would never apply: make it shorter.");
        }

        if (LastSeenUpdateInterval < TimeSpan.Zero || (IdleTimeout > TimeSpan.Zero && LastSeenUpdateInterval >= IdleTimeout))
        {
            errors.Add($"LastSeenUpdateInterval is {LastSeenUpdateInterval}; use 0 (every request) up to less than IdleTimeout (default {DefaultLastSeenUpdateInterval}).");
        }

        if (errors.Count > 0)
        {
            throw new CarteAuthException(ReasonCodes.SessionInvalidOptions, "Invalid CarteAuth session options: " + string.Join(" ", errors));
        }
    }
}
