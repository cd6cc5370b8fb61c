namespace CarteAuth.Authentication.Attempts;

/// <summary>
/// Limits on failed authentication attempts (brute force of passwords, OTP codes, FIDO2 assertions, card logins).
/// Validated when the limiter is created (<see cref="ReasonCodes.AuthInvalidAttemptLimits"/>).
/// </summary>
public sealed class AttemptLimiterOptions
{
    /// <summary>False turns the limiter off (every attempt is checked, nothing is counted). Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Failures of one identity within <see cref="Window"/> that lock it out. Default 5.</summary>
    public int MaxFailuresPerIdentity { get; set; } = 5;

    /// <summary>
    /// Failures from one source within <see cref="Window"/> that rate-limit it. Default 30: higher than per identity
    /// because several people may share one address (a hospital NAT, a terminal server).
    /// </summary>
    public int MaxFailuresPerSource { get; set; } = 30;

    /// <summary>How long failures are counted from the first one. Default 15 minutes.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a key stays locked once it reaches its maximum. Default 15 minutes.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How many keys the in-memory limiter tracks at most (bounded memory under a spray of distinct sources). When full,
    /// keys whose window has ended are dropped first, then unlocked keys; locked keys are kept. Default 100 000.
    /// </summary>
    public int MaxTrackedKeys { get; set; } = 100_000;

    /// <summary>The maximum for a kind of key.</summary>
    public int MaxFailures(AttemptKeyKind kind) => kind == AttemptKeyKind.Identity ? MaxFailuresPerIdentity : MaxFailuresPerSource;

    /// <summary>Checks the options.</summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.AuthInvalidAttemptLimits"/> listing every problem.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (MaxFailuresPerIdentity is < 1 or > 1000)
        {
            errors.Add($"MaxFailuresPerIdentity is {MaxFailuresPerIdentity}; use 1 to 1000 (default 5).");
        }

        if (MaxFailuresPerSource is < 1 or > 100_000)
        {
            errors.Add($"MaxFailuresPerSource is {MaxFailuresPerSource}; use 1 to 100000 (default 30).");
        }

        if (Window < TimeSpan.FromSeconds(1) || Window > TimeSpan.FromDays(1))
        {
            errors.Add($"Window is {Window}; use 1 second to 1 day (default 15 minutes).");
        }

        if (LockoutDuration < TimeSpan.FromSeconds(1) || LockoutDuration > TimeSpan.FromDays(1))
        {
            errors.Add($"LockoutDuration is {LockoutDuration}; use 1 second to 1 day (default 15 minutes).");
        }

        if (MaxTrackedKeys < 100)
        {
            errors.Add($"MaxTrackedKeys is {MaxTrackedKeys}; use 100 or more (default 100000).");
        }

        if (errors.Count > 0)
        {
            throw new CarteAuthException(ReasonCodes.AuthInvalidAttemptLimits, "Invalid CarteAuth attempt limits: " + string.Join(" ", errors));
        }
    }
}
