namespace CarteAuth.Stores.Redis;

/// <summary>
/// Settings of the CarteAuth Redis stores (<c>.UseRedis(o => …)</c>). Validated at start
/// (<see cref="ReasonCodes.StoreInvalidOptions"/>). Every node of a deployment uses the same Redis and <see cref="KeyPrefix"/>.
/// </summary>
public sealed class RedisStoreOptions
{
    /// <summary>The StackExchange.Redis configuration string, e.g. <c>redis.chu.local:6379,password=…,ssl=true</c>. Required.</summary>
    public string? Configuration { get; set; }

    /// <summary>The prefix of every key CarteAuth writes (letters, digits, ':', '-', '_', '.'). Default <c>carteauth:</c>.</summary>
    public string KeyPrefix { get; set; } = "carteauth:";

    /// <summary>How long ended or expired session records are kept after their absolute expiry (for the session list and audits). Default 1 day.</summary>
    public TimeSpan EndedSessionRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Keep the ASP.NET Core Data Protection key ring in Redis too (<c>{prefix}data-protection-keys</c>), so what one
    /// node protects (the Pro Santé Connect pending-login cookie, antiforgery tokens) the others can read. Default true.
    /// The keys are stored as Data Protection writes them: add <c>ProtectKeysWith…</c> to encrypt them at rest.
    /// </summary>
    public bool ShareDataProtectionKeys { get; set; } = true;

    /// <summary>
    /// The Data Protection application name every node shares when <see cref="ShareDataProtectionKeys"/> (by default
    /// ASP.NET Core derives it from the content root path, which may differ between nodes). Default <c>carteauth</c>.
    /// </summary>
    public string DataProtectionApplicationName { get; set; } = "carteauth";

    /// <summary>
    /// At start, read the server's <c>INFO</c> once in the background and log what CarteAuth's guarantees do not survive:
    /// a version before 7.0 or a replica (error, event 5502), key eviction or no persistence nor replica (warnings,
    /// 5501: revocations could be forgotten). The health check <c>carteauth-redis</c> reports the same. Default true.
    /// </summary>
    public bool CheckServerAtStart { get; set; } = true;

    /// <summary>Checks the options.</summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.StoreInvalidOptions"/> listing every problem.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Configuration))
        {
            errors.Add("Configuration is empty: set the Redis connection string, e.g. \"redis.chu.local:6379,password=…\".");
        }
        else
        {
            try
            {
                _ = StackExchange.Redis.ConfigurationOptions.Parse(Configuration);
            }
            catch (ArgumentException e)
            {
                errors.Add($"Configuration is not a valid StackExchange.Redis configuration string: {e.Message}");
            }
        }

        if (string.IsNullOrEmpty(KeyPrefix) || KeyPrefix.Length > 64 || !KeyPrefix.All(static c => char.IsAsciiLetterOrDigit(c) || c is ':' or '-' or '_' or '.'))
        {
            errors.Add($"KeyPrefix '{KeyPrefix}' must be 1 to 64 letters, digits, ':', '-', '_' or '.' (default \"carteauth:\").");
        }

        if (EndedSessionRetention < TimeSpan.Zero || EndedSessionRetention > TimeSpan.FromDays(90))
        {
            errors.Add($"EndedSessionRetention is {EndedSessionRetention}; use 0 to 90 days (default 1 day).");
        }

        if (ShareDataProtectionKeys && string.IsNullOrWhiteSpace(DataProtectionApplicationName))
        {
            errors.Add("DataProtectionApplicationName is empty: give the name every node shares (default \"carteauth\").");
        }

        if (errors.Count > 0)
        {
            throw new CarteAuthException(ReasonCodes.StoreInvalidOptions, "Invalid CarteAuth Redis options: " + string.Join(" ", errors));
        }
    }
}
