namespace CarteAuth.Authentication.Attempts;

/// <summary>What an attempt counter counts failures of.</summary>
public enum AttemptKeyKind
{
    /// <summary>The identity whose secret is guessed (a RADIUS User-Name, a FIDO2 credential id): failures lock it out.</summary>
    Identity,

    /// <summary>Where the attempts come from (a client IP address, a VPN Calling-Station-Id): failures rate-limit it.</summary>
    Source,
}

/// <summary>One attempt counter: an identity or a source, by value (compared ordinally).</summary>
/// <param name="Kind">Identity or source.</param>
/// <param name="Value">The identity (scoped by method, e.g. <c>radius-password:alice</c>) or the source address.</param>
public readonly record struct AttemptKey(AttemptKeyKind Kind, string Value)
{
    /// <summary>An identity key.</summary>
    public static AttemptKey Identity(string value) => new(AttemptKeyKind.Identity, value);

    /// <summary>A source key.</summary>
    public static AttemptKey Source(string value) => new(AttemptKeyKind.Source, value);

    /// <summary>The reason code of a refusal because this key is locked: <see cref="ReasonCodes.AuthLockedOut"/> for an
    /// identity, <see cref="ReasonCodes.AuthRateLimited"/> for a source.</summary>
    public string LockedReasonCode => Kind == AttemptKeyKind.Identity ? ReasonCodes.AuthLockedOut : ReasonCodes.AuthRateLimited;

    /// <inheritdoc/>
    public override string ToString() => (Kind == AttemptKeyKind.Identity ? "identity:" : "source:") + Value;
}

/// <summary>The state of one counter.</summary>
/// <param name="Failures">Failures counted in the current window (0 while locked: the count restarts after the lockout).</param>
/// <param name="LockedUntil">When the lockout ends, or null when the key is not locked.</param>
public readonly record struct AttemptStatus(int Failures, DateTimeOffset? LockedUntil)
{
    /// <summary>A key with no failures and no lockout.</summary>
    public static AttemptStatus Clear => default;

    /// <summary>True while the key is locked out: attempts are refused without checking the secret.</summary>
    public bool IsLocked => LockedUntil is not null;
}
