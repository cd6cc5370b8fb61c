namespace CarteAuth.Audit;

/// <summary>The outcome of <see cref="AuditChainVerifier.VerifyAsync"/>: a valid chain, or its first broken link.</summary>
public sealed record AuditVerificationResult
{
    /// <summary>True when every event's hash matches its content, every event links to the one before, sequence
    /// numbers are contiguous from 1, and the expected head (if given) is part of the chain.</summary>
    public required bool IsValid { get; init; }

    /// <summary>How many events were verified as valid (when the chain is broken, those before the break).</summary>
    public required long EventsChecked { get; init; }

    /// <summary>Where the chain breaks: the sequence number of the altered, malformed or badly linked event, of the
    /// first missing event (sequence gap, truncation); null when valid.</summary>
    public long? BrokenAtSequence { get; init; }

    /// <summary>Why the chain is broken (<see cref="ReasonCodes.AuditHashMismatch"/>, <see cref="ReasonCodes.AuditBrokenLink"/>,
    /// <see cref="ReasonCodes.AuditSequenceGap"/>, <see cref="ReasonCodes.AuditTruncated"/>,
    /// <see cref="ReasonCodes.AuditMalformedEvent"/>); null when valid.</summary>
    public string? ReasonCode { get; init; }

    /// <summary>What was found and what to do, for a person.</summary>
    public string? Message { get; init; }

    /// <summary>The last event verified as valid (the chain's head when valid); null when none was.</summary>
    public AuditEvent? LastEvent { get; init; }
}
