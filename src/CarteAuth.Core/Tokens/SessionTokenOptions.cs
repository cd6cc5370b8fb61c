using Microsoft.Extensions.Options;

namespace CarteAuth.Tokens;

/// <summary>
/// Settings of CarteAuth session tokens, shared by <see cref="SessionTokenIssuer"/> and
/// <see cref="SessionTokenValidator"/>. Bind them from configuration (e.g. section <c>CarteAuth:SessionTokens</c>, as <c>AddCarteAuthSessionTokens</c> does) and
/// register <see cref="SessionTokenOptionsValidator"/> (or call <see cref="Validate"/>) to fail at start-up on bad values.
/// </summary>
public sealed class SessionTokenOptions
{
    /// <summary>Default <see cref="Lifetime"/>: one hour.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    /// <summary>Default <see cref="ClockSkew"/>: one minute.</summary>
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>Default <see cref="MaxTokenLength"/>: 8192 characters.</summary>
    public const int DefaultMaxTokenLength = 8192;

    /// <summary>Smallest accepted <see cref="MaxTokenLength"/>.</summary>
    public const int MinMaxTokenLength = 512;

    /// <summary>Largest accepted <see cref="MaxTokenLength"/>.</summary>
    public const int MaxMaxTokenLength = 1 << 20;

    /// <summary>Default <see cref="VerifiedTokenCacheSize"/>: 10 000 tokens.</summary>
    public const int DefaultVerifiedTokenCacheSize = 10_000;

    /// <summary>Largest <see cref="VerifiedTokenCacheSize"/>: 1 000 000 tokens.</summary>
    public const int MaxVerifiedTokenCacheSize = 1_000_000;

    /// <summary>Longest accepted <see cref="Lifetime"/>: 7 days.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    /// <summary>Largest accepted <see cref="ClockSkew"/>: 10 minutes.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(10);

    /// <summary>The <c>iss</c> of issued tokens and the only issuer validators accept (e.g. <c>https://sso.chu-exemple.fr</c>). Required.</summary>
    public string Issuer { get; set; } = string.Empty;

    /// <summary>The <c>aud</c> of issued tokens and the audience validators require (e.g. <c>carteauth</c>). Required.</summary>
    public string Audience { get; set; } = string.Empty;

    /// <summary>How long an issued token is valid. Default 1 hour; at most 7 days.</summary>
    public TimeSpan Lifetime { get; set; } = DefaultLifetime;

    /// <summary>Tolerance for clocks that differ between issuer and validator when checking exp, nbf and iat. Default 1 minute; at most 10.</summary>
    public TimeSpan ClockSkew { get; set; } = DefaultClockSkew;

    /// <summary>
    /// Algorithms validators accept. Null or empty (the default) means all three: ES256, PS256 and RS256. (Null rather
    /// than a pre-filled list so that configuration binding replaces the set instead of appending to it.)
    /// </summary>
    public IList<SessionTokenAlgorithm>? AllowedAlgorithms { get; set; }

    /// <summary>Longest token, in characters, validators read; longer ones are refused unparsed. Default 8192.</summary>
    public int MaxTokenLength { get; set; } = DefaultMaxTokenLength;

    /// <summary>
    /// How many verified tokens a validator remembers (default 10 000; 0 turns the cache off). A session sends the
    /// same token with every request: a remembered one skips the signature check and the claims parse while the key
    /// ring is unchanged (a rotation or removal empties it), and is still checked against the clock (exp, nbf, iat),
    /// the subject's revocation epoch and, for one-time tokens, the replay cache on every call. Only tokens that
    /// verified are remembered, keyed by their exact text; at the limit the cache starts again empty.
    /// </summary>
    public int VerifiedTokenCacheSize { get; set; } = DefaultVerifiedTokenCacheSize;

    /// <summary>Checks the options.</summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.TokenInvalidOptions"/> listing every problem and how to fix it.</exception>
    public void Validate()
    {
        var errors = GetErrors();
        if (errors.Count > 0)
        {
            throw new CarteAuthException(ReasonCodes.TokenInvalidOptions, "Invalid session token options: " + string.Join(" ", errors));
        }
    }

    /// <summary>The effective allowed algorithms as a bit mask (<see cref="SessionTokenAlgorithms.Bit"/>).</summary>
    internal int AllowedMask()
    {
        if (AllowedAlgorithms is null || AllowedAlgorithms.Count == 0)
        {
            return SessionTokenAlgorithm.ES256.Bit() | SessionTokenAlgorithm.PS256.Bit() | SessionTokenAlgorithm.RS256.Bit();
        }

        var mask = 0;
        foreach (var algorithm in AllowedAlgorithms)
        {
            mask |= algorithm.Bit();
        }

        return mask;
    }

    /// <summary>Every problem with the options, each saying how to fix it.</summary>
    internal List<string> GetErrors()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Issuer))
        {
            errors.Add("Issuer is required: set it to this token service's URL or name, e.g. \"https://sso.chu-exemple.fr\".");
        }
        else if (Issuer.Trim().Length != Issuer.Length)
        {
            errors.Add($"Issuer '{Issuer}' has leading or trailing spaces; remove them (issuers are compared exactly).");
        }

        if (string.IsNullOrWhiteSpace(Audience))
        {
            errors.Add("Audience is required: set it to the name the protected applications share, e.g. \"carteauth\".");
        }
        else if (Audience.Trim().Length != Audience.Length)
        {
            errors.Add($"Audience '{Audience}' has leading or trailing spaces; remove them (audiences are compared exactly).");
        }

        if (Lifetime <= TimeSpan.Zero || Lifetime > MaxLifetime)
        {
            errors.Add($"Lifetime is {Lifetime}; use a positive duration of at most {MaxLifetime.TotalDays} days (default {DefaultLifetime}).");
        }

        if (ClockSkew < TimeSpan.Zero || ClockSkew > MaxClockSkew)
        {
            errors.Add($"ClockSkew is {ClockSkew}; use 0 to {MaxClockSkew.TotalMinutes} minutes (default {DefaultClockSkew}).");
        }

        if (MaxTokenLength is < MinMaxTokenLength or > MaxMaxTokenLength)
        {
            errors.Add($"MaxTokenLength is {MaxTokenLength}; use {MinMaxTokenLength} to {MaxMaxTokenLength} characters (default {DefaultMaxTokenLength}).");
        }

        if (VerifiedTokenCacheSize is < 0 or > MaxVerifiedTokenCacheSize)
        {
            errors.Add($"VerifiedTokenCacheSize is {VerifiedTokenCacheSize}; use 0 (no cache) to {MaxVerifiedTokenCacheSize} tokens (default {DefaultVerifiedTokenCacheSize}).");
        }

        if (AllowedAlgorithms is not null)
        {
            foreach (var algorithm in AllowedAlgorithms)
            {
                if (!SessionTokenAlgorithms.IsDefined(algorithm))
                {
                    errors.Add($"AllowedAlgorithms contains '{algorithm}'; use ES256, PS256 or RS256 (or leave it empty for all three).");
                }
            }
        }

        return errors;
    }
}

/// <summary>
/// Validates <see cref="SessionTokenOptions"/> for the options framework: register it with
/// <c>services.AddSingleton&lt;IValidateOptions&lt;SessionTokenOptions&gt;, SessionTokenOptionsValidator&gt;()</c> and
/// <c>.ValidateOnStart()</c> to fail at start-up with messages that say how to fix each setting.
/// </summary>
public sealed class SessionTokenOptionsValidator : IValidateOptions<SessionTokenOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, SessionTokenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.GetErrors();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
