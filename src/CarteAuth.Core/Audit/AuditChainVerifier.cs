namespace CarteAuth.Audit;

/// <summary>
/// Verifies an audit chain: walks it from sequence 1 and reports the first broken link. For each event, in order:
/// <list type="number">
/// <item>its sequence number must be the previous one plus one (<see cref="ReasonCodes.AuditSequenceGap"/> at the
/// first missing number; an event that goes backwards is <see cref="ReasonCodes.AuditBrokenLink"/>);</item>
/// <item>it must be decodable: required values present, both hashes 32 bytes, a readable timestamp
/// (<see cref="ReasonCodes.AuditMalformedEvent"/>);</item>
/// <item>its hash must match its content (<see cref="ReasonCodes.AuditHashMismatch"/>: the event was altered);</item>
/// <item>its previous hash must be the previous event's hash, or 32 zero bytes for event 1
/// (<see cref="ReasonCodes.AuditBrokenLink"/>: an event before it was altered and re-hashed, removed or inserted).</item>
/// </list>
/// With an expected head (recorded earlier, outside the store), the event at the head's sequence must have the head's
/// hash (<see cref="ReasonCodes.AuditBrokenLink"/> otherwise: the chain was rewritten) and the chain must reach it
/// (<see cref="ReasonCodes.AuditTruncated"/> otherwise: events were removed from its end). Without one, removing
/// events from the end cannot be detected.
/// </summary>
public static class AuditChainVerifier
{
    /// <summary>Verifies the whole chain in <paramref name="store"/>.</summary>
    /// <param name="store">The store to verify.</param>
    /// <param name="expectedHead">A head recorded earlier, which the chain must contain; null to skip that check.</param>
    /// <param name="ct">Cancels the verification.</param>
    /// <returns>Valid, or the first broken link with its reason code and an explanation.</returns>
    /// <exception cref="AuditStoreException">The store cannot be read at all (not an audit database, missing file…).
    /// Events that cannot be decoded are reported in the result, not thrown.</exception>
    public static async ValueTask<AuditVerificationResult> VerifyAsync(
        IAuditStore store,
        AuditHead? expectedHead = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        long checkedCount = 0;
        AuditEvent? last = null;
        var enumerator = store.ReadAsync(1, ct).GetAsyncEnumerator(ct);
        await using (enumerator.ConfigureAwait(false))
        {
            while (true)
            {
                var expected = checkedCount + 1;
                AuditEvent current;
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    current = enumerator.Current;
                }
                catch (AuditStoreException ex) when (ex.ReasonCode == ReasonCodes.AuditMalformedEvent && ex.Sequence is long bad)
                {
                    return bad > expected
                        ? Gap(expected, bad, checkedCount, last)
                        : Broken(ReasonCodes.AuditMalformedEvent, bad, checkedCount, last,
                            $"{ex.Message} The chain cannot be verified past event {bad - 1}.");
                }

                var failure = Check(current, expected, last, checkedCount, expectedHead);
                if (failure is not null)
                {
                    return failure;
                }

                last = current;
                checkedCount++;
            }
        }

        if (expectedHead is not null && checkedCount < expectedHead.Sequence)
        {
            var reached = checkedCount == 0 ? "the chain is empty" : $"the chain ends at event {checkedCount}";
            return Broken(ReasonCodes.AuditTruncated, checkedCount + 1, checkedCount, last,
                $"The audit chain is truncated: the expected head is event {expectedHead.Sequence} but {reached}. "
                + $"Events {checkedCount + 1} to {expectedHead.Sequence} were removed from its end. "
                + "Restore the audit store from a backup and investigate who removed them.");
        }

        var message = checkedCount == 0
            ? "The audit chain is empty."
            : $"The audit chain is valid: {checkedCount} event(s), head {last!.ToHead()}. Record this head outside the store to detect truncation later.";
        return new AuditVerificationResult
        {
            IsValid = true,
            EventsChecked = checkedCount,
            Message = message,
            LastEvent = last,
        };
    }

    private static AuditVerificationResult? Check(
        AuditEvent current,
        long expected,
        AuditEvent? previous,
        long checkedCount,
        AuditHead? expectedHead)
    {
        if (current.Sequence > expected)
        {
            return Gap(expected, current.Sequence, checkedCount, previous);
        }

        if (current.Sequence < expected)
        {
            return Broken(ReasonCodes.AuditBrokenLink, expected, checkedCount, previous,
                $"The audit store returned event {current.Sequence} where event {expected} was expected: events are duplicated or out of order. "
                + "The store was modified outside CarteAuth; restore it from a backup and investigate.");
        }

        var seq = current.Sequence;
        var malformed = DescribeMalformed(current);
        if (malformed is not null)
        {
            return Broken(ReasonCodes.AuditMalformedEvent, seq, checkedCount, previous,
                $"Audit event {seq} is malformed: {malformed}. It was damaged or edited outside CarteAuth; restore the store from a backup and investigate. The chain cannot be verified past event {seq - 1}.");
        }

        var computed = AuditChain.ComputeHash(current);
        if (!computed.AsSpan().SequenceEqual(current.Hash.Span))
        {
            return Broken(ReasonCodes.AuditHashMismatch, seq, checkedCount, previous,
                $"Audit event {seq} was altered: its stored hash is {current.HashHex} but its content hashes to {Convert.ToHexStringLower(computed)}. "
                + "Restore the store from a backup and investigate who changed it.");
        }

        var expectedPrevious = previous?.Hash ?? AuditChain.GenesisHash;
        if (!current.PreviousHash.Span.SequenceEqual(expectedPrevious.Span))
        {
            var what = previous is null
                ? "the genesis value (32 zero bytes)"
                : $"event {previous.Sequence}'s hash {previous.HashHex}";
            return Broken(ReasonCodes.AuditBrokenLink, seq, checkedCount, previous,
                $"Audit event {seq} does not link to the event before it: its previous hash is {current.PreviousHashHex}, expected {what}. "
                + $"An event before {seq} was altered and re-hashed, removed or inserted. Restore the store from a backup and investigate.");
        }

        if (expectedHead is not null && seq == expectedHead.Sequence && !current.Hash.Span.SequenceEqual(expectedHead.Hash.Span))
        {
            return Broken(ReasonCodes.AuditBrokenLink, seq, checkedCount, previous,
                $"Audit event {seq} has the hash {current.HashHex}, but the expected head recorded {expectedHead}: "
                + $"the chain up to event {seq} was rewritten (altered and re-hashed) since the head was recorded. "
                + "Restore the store from a backup and investigate.");
        }

        return null;
    }

    private static string? DescribeMalformed(AuditEvent e)
    {
        if (string.IsNullOrEmpty(e.Kind))
        {
            return "its kind is missing";
        }

        if (string.IsNullOrEmpty(e.Result))
        {
            return "its result is missing";
        }

        if (e.Hash.Length != AuditChain.HashSize)
        {
            return $"its hash is {e.Hash.Length} bytes instead of {AuditChain.HashSize}";
        }

        if (e.PreviousHash.Length != AuditChain.HashSize)
        {
            return $"its previous hash is {e.PreviousHash.Length} bytes instead of {AuditChain.HashSize}";
        }

        return null;
    }

    private static AuditVerificationResult Gap(long expected, long found, long checkedCount, AuditEvent? last)
    {
        var missing = found - 1 == expected ? $"event {expected} is" : $"events {expected} to {found - 1} are";
        return Broken(ReasonCodes.AuditSequenceGap, expected, checkedCount, last,
            $"The audit chain has a sequence gap: {missing} missing (the next event present is {found}). "
            + "Events were removed; restore the store from a backup and investigate.");
    }

    private static AuditVerificationResult Broken(string reasonCode, long sequence, long checkedCount, AuditEvent? last, string message) =>
        new()
        {
            IsValid = false,
            EventsChecked = checkedCount,
            BrokenAtSequence = sequence,
            ReasonCode = reasonCode,
            Message = message,
            LastEvent = last,
        };
}
