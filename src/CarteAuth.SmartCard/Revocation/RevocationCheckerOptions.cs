namespace CarteAuth.SmartCard.Revocation;

/// <summary>What a revocation checker does when it cannot obtain a fresh, trustworthy answer.</summary>
public enum RevocationFailurePolicy
{
    /// <summary>Refuse: the result is <see cref="RevocationStatus.Unavailable"/> (default).</summary>
    FailClosed,

    /// <summary>
    /// Degraded mode ("débrayage"): accept a certificate whose last good answer is at most
    /// <see cref="RevocationCheckerOptions.DegradedModeDuration"/> old. The result has
    /// <see cref="RevocationCheckResult.Degraded"/> set and the code <see cref="ReasonCodes.CertRevocationDegraded"/>;
    /// a warning is logged and the caller audits it. Bad signatures and nonce mismatches are never accepted this way.
    /// </summary>
    Degraded,
}

/// <summary>Settings shared by the CRL and OCSP checkers.</summary>
public abstract class RevocationCheckerOptions
{
    /// <summary>Fail closed (default) or degraded mode.</summary>
    public RevocationFailurePolicy FailurePolicy { get; set; } = RevocationFailurePolicy.FailClosed;

    /// <summary>In degraded mode, how long after its last fresh good answer a certificate is still accepted (default 4 hours).</summary>
    public TimeSpan DegradedModeDuration { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Tolerated clock difference with the CA or responder (thisUpdate in the future; default 5 minutes).</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest time an answer is cached, even when its nextUpdate is later (default 1 hour for CRLs, default 15 minutes for OCSP).</summary>
    public TimeSpan MaxCacheDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Time limit of one HTTP exchange (default 10 seconds).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest answer read, in bytes; larger ones are refused as unavailable (default 10 MiB for CRLs, default 1 MiB for OCSP).</summary>
    public int MaxResponseBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Largest number of certificates remembered for degraded mode (default 100 000).</summary>
    public int MaxDegradedEntries { get; set; } = 100_000;

    /// <summary>Throws <see cref="CarteAuthException"/> (<see cref="ReasonCodes.CertRevocationInvalidOptions"/>) when a setting is out of range.</summary>
    public virtual void Validate()
    {
        if (!Enum.IsDefined(FailurePolicy))
        {
            throw Invalid($"FailurePolicy {FailurePolicy} is not FailClosed or Degraded.");
        }

        if (DegradedModeDuration <= TimeSpan.Zero)
        {
            throw Invalid("DegradedModeDuration must be positive.");
        }

        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromHours(1))
        {
            throw Invalid("ClockSkew must be between 0 and 1 hour.");
        }

        if (MaxCacheDuration < TimeSpan.Zero)
        {
            throw Invalid("MaxCacheDuration must not be negative (0 disables the cache).");
        }

        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout > TimeSpan.FromMinutes(5))
        {
            throw Invalid("RequestTimeout must be positive and at most 5 minutes.");
        }

        if (MaxResponseBytes < 1024)
        {
            throw Invalid("MaxResponseBytes must be at least 1024.");
        }

        if (MaxDegradedEntries < 1)
        {
            throw Invalid("MaxDegradedEntries must be at least 1.");
        }
    }

    /// <summary>Checks that a configured URL is absolute HTTP(S).</summary>
    private protected static void ValidateUrl(Uri? url, string name)
    {
        if (url is not null && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            throw Invalid($"{name} must be an absolute http or https URL (got '{url}').");
        }
    }

    /// <summary>An invalid-options exception.</summary>
    private protected static CarteAuthException Invalid(string message) =>
        new(ReasonCodes.CertRevocationInvalidOptions, "Invalid revocation checker options: " + message);
}

/// <summary>Options of <see cref="CrlRevocationChecker"/>.</summary>
public sealed class CrlRevocationOptions : RevocationCheckerOptions
{
    /// <summary>The CRL to download instead of the certificate's CRL distribution point (e.g. a local mirror).</summary>
    public Uri? CrlUrl { get; set; }

    /// <summary>
    /// How long past its nextUpdate a CRL is still used (default 1 hour: IGC-Santé refreshes daily from 07:00). Beyond,
    /// the CRL is stale (<see cref="ReasonCodes.CertCrlStale"/>).
    /// </summary>
    public TimeSpan NextUpdateTolerance { get; set; } = TimeSpan.FromHours(1);

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        ValidateUrl(CrlUrl, nameof(CrlUrl));
        if (NextUpdateTolerance < TimeSpan.Zero)
        {
            throw Invalid("NextUpdateTolerance must not be negative.");
        }
    }
}

/// <summary>Options of <see cref="OcspRevocationChecker"/>.</summary>
public sealed class OcspRevocationOptions : RevocationCheckerOptions
{
    /// <summary>Creates the options, with a 1 MiB answer limit and a 15-minute cache.</summary>
    public OcspRevocationOptions()
    {
        MaxResponseBytes = 1024 * 1024;
        MaxCacheDuration = TimeSpan.FromMinutes(15);
    }

    /// <summary>The responder to ask instead of the certificate's AIA OCSP URL.</summary>
    public Uri? ResponderUrl { get; set; }

    /// <summary>Send a nonce (RFC 6960 §4.4.1, RFC 8954) and check that the responder echoes it when it returns one (default true).</summary>
    public bool UseNonce { get; set; } = true;

    /// <summary>Refuse responses without the nonce (default false: pre-produced responses carry none).</summary>
    public bool RequireNonce { get; set; }

    /// <summary>Oldest producedAt accepted (default 1 day).</summary>
    public TimeSpan MaxResponseAge { get; set; } = TimeSpan.FromDays(1);

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        ValidateUrl(ResponderUrl, nameof(ResponderUrl));
        if (MaxResponseAge <= TimeSpan.Zero)
        {
            throw Invalid("MaxResponseAge must be positive.");
        }

        if (RequireNonce && !UseNonce)
        {
            throw Invalid("RequireNonce needs UseNonce.");
        }
    }
}
