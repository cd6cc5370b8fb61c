namespace CarteAuth.AspNetCore.Sessions;

/// <summary>
/// How ended and expired sessions are purged from the session store by the background purge service
/// (<c>AddCarteAuth(…).ConfigureSessionPurge(o => …)</c>). Validated at start (<see cref="ReasonCodes.SessionInvalidOptions"/>).
/// </summary>
public sealed class CarteAuthSessionPurgeOptions
{
    /// <summary>Default <see cref="Retention"/>: 1 day.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(1);

    /// <summary>Default <see cref="Interval"/>: 1 hour.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromHours(1);

    /// <summary>False to never purge (e.g. when another node or a database job does it). Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long an ended or expired session is kept before it is deleted (a replayed cookie says <c>session.ended</c>
    /// during this time, <c>session.not-found</c> after; the audit trail keeps the history). Default 1 day; at least 1 minute.
    /// </summary>
    public TimeSpan Retention { get; set; } = DefaultRetention;

    /// <summary>How often the purge runs (first run one interval after start). Default 1 hour; 1 minute to 1 day.</summary>
    public TimeSpan Interval { get; set; } = DefaultInterval;

    /// <summary>Checks the options.</summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.SessionInvalidOptions"/> listing every problem and how to fix it.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (Retention < TimeSpan.FromMinutes(1))
        {
            errors.Add($"Retention is {Retention}; use at least 1 minute (default {DefaultRetention}).");
        }

        if (Interval < TimeSpan.FromMinutes(1) || Interval > TimeSpan.FromDays(1))
        {
            errors.Add($"Interval is {Interval}; use 1 minute to 1 day (default {DefaultInterval}), or set Enabled = false to never purge.");
        }

        if (errors.Count > 0)
        {
            throw new CarteAuthException(ReasonCodes.SessionInvalidOptions, "Invalid CarteAuth session purge options: " + string.Join(" ", errors));
        }
    }
}
