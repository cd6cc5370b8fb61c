using CarteAuth.Audit;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Core.Tests.Audit;

public sealed class AuditChainTests
{
    private static readonly DateTimeOffset FixedTime = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly AuditEntry FixedEntry = new()
    {
        Kind = "authentication",
        Result = "success",
        Subject = "810002813839",
        Methods = "sc pin hwk",
        Authenticator = "smartcard",
        Policy = null,
        ReasonCode = "",
        ClientAddress = "192.0.2.10",
        CorrelationId = "corr-42",
        Detail = "Médecin – CPS4",
        Timestamp = FixedTime.AddTicks(1234),
    };

    // Golden values: computed independently (Python hashlib) from the format documented on AuditChain.
    // If one of these fails, the canonical encoding changed: that breaks every existing audit file. Do not update
    // them; introduce a new format version instead.
    private const string GoldenFirstHash = "d4ccd4a24fd2e8650cda39a229a49fe527a226ee598f9f569dad3ab55ed0ef50";
    private const string GoldenSecondHash = "27c23b9fceb8a2a47dd451b39181263ae0bd7782169cd4f8a1fce95af56e298d";

    [Fact]
    public void Hash_format_is_stable()
    {
        var clock = new FakeTimeProvider(FixedTime);
        var first = AuditChain.CreateEvent(FixedEntry, 1, AuditChain.GenesisHash.Span, clock);
        var second = AuditChain.CreateEvent(new AuditEntry { Kind = "policy-decision", Result = "deny" }, 2, first.Hash.Span, clock);

        Assert.Equal(GoldenFirstHash, first.HashHex);
        Assert.Equal(GoldenSecondHash, second.HashHex);
        Assert.Equal(first.HashHex, second.PreviousHashHex);
    }

    [Fact]
    public void Canonical_bytes_match_the_documented_example()
    {
        // Entries need a non-empty result, but the encoding is defined for any event a store may hold.
        var e = new AuditEvent
        {
            Sequence = 1,
            Timestamp = FixedTime,
            Kind = "a",
            Result = "",
            PreviousHash = AuditChain.GenesisHash,
            Hash = ReadOnlyMemory<byte>.Empty,
        };

        var expected = "01" + "0000000000000001" + "000001941F297C00" + "0000000161" + "00000000"
            + string.Concat(Enumerable.Repeat("FFFFFFFF", 8)) + new string('0', 64);
        Assert.Equal(expected, Convert.ToHexString(AuditChain.GetCanonicalBytes(e)));
    }

    [Fact]
    public void Null_and_empty_fields_hash_differently_and_fields_are_not_interchangeable()
    {
        var clock = new FakeTimeProvider(FixedTime);
        var withNull = AuditChain.CreateEvent(new AuditEntry { Kind = "k", Result = "r" }, 1, AuditChain.GenesisHash.Span, clock);
        var withEmpty = AuditChain.CreateEvent(new AuditEntry { Kind = "k", Result = "r", Subject = "" }, 1, AuditChain.GenesisHash.Span, clock);
        var inSubject = AuditChain.CreateEvent(new AuditEntry { Kind = "k", Result = "r", Subject = "x" }, 1, AuditChain.GenesisHash.Span, clock);
        var inMethods = AuditChain.CreateEvent(new AuditEntry { Kind = "k", Result = "r", Methods = "x" }, 1, AuditChain.GenesisHash.Span, clock);
        var shifted = withNull with { Kind = "kr", Result = "" };

        var hashes = new[] { withNull, withEmpty, inSubject, inMethods }.Select(e => e.HashHex).Append(Convert.ToHexStringLower(AuditChain.ComputeHash(shifted)));
        Assert.Equal(5, hashes.Distinct().Count());
    }

    [Fact]
    public void Every_member_except_the_hash_is_covered()
    {
        var clock = new FakeTimeProvider(FixedTime);
        var e = AuditChain.CreateEvent(FixedEntry, 7, Enumerable.Repeat((byte)9, 32).ToArray(), clock);
        var variants = new[]
        {
            e with { Sequence = 8 },
            e with { Timestamp = e.Timestamp.AddMilliseconds(1) },
            e with { Kind = "x" },
            e with { Result = "x" },
            e with { Subject = "x" },
            e with { Methods = "x" },
            e with { Authenticator = "x" },
            e with { Policy = "x" },
            e with { ReasonCode = "x" },
            e with { ClientAddress = "x" },
            e with { CorrelationId = "x" },
            e with { Detail = "x" },
            e with { PreviousHash = new byte[32] },
        };

        Assert.Equal(e.Hash.ToArray(), AuditChain.ComputeHash(e));
        Assert.All(variants, v => Assert.NotEqual(e.Hash.ToArray(), AuditChain.ComputeHash(v)));
    }

    [Fact]
    public void Timestamps_are_normalized_to_utc_milliseconds()
    {
        var local = new DateTimeOffset(2025, 7, 14, 12, 0, 0, 123, TimeSpan.FromHours(2)).AddTicks(9_999);

        var normalized = AuditChain.NormalizeTimestamp(local);

        Assert.Equal(new DateTimeOffset(2025, 7, 14, 10, 0, 0, 123, TimeSpan.Zero), normalized);
        Assert.Equal(TimeSpan.Zero, normalized.Offset);
    }

    [Fact]
    public void Genesis_hash_is_32_zero_bytes()
    {
        Assert.Equal(new byte[32], AuditChain.GenesisHash.ToArray());
        Assert.Equal(32, AuditChain.HashSize);
        Assert.Equal(1, AuditChain.FormatVersion);
    }

    [Fact]
    public void CreateEvent_rejects_a_previous_hash_of_the_wrong_size_and_a_sequence_below_1()
    {
        Assert.Throws<ArgumentException>(() => AuditChain.CreateEvent(FixedEntry, 1, new byte[31], TimeProvider.System));
        Assert.Throws<ArgumentOutOfRangeException>(() => AuditChain.CreateEvent(FixedEntry, 0, new byte[32], TimeProvider.System));
    }

    [Fact]
    public void Events_compare_hashes_by_content_and_print_hex()
    {
        var e = AuditChain.CreateEvent(FixedEntry, 1, AuditChain.GenesisHash.Span, TimeProvider.System);
        var copy = e with { Hash = e.Hash.ToArray(), PreviousHash = e.PreviousHash.ToArray() };

        Assert.Equal(e, copy);
        Assert.Equal(e.GetHashCode(), copy.GetHashCode());
        Assert.NotEqual(e, copy with { Detail = "other" });
        Assert.Contains(e.HashHex, e.ToString(), StringComparison.Ordinal);
        Assert.Equal(e.ToHead(), new AuditHead(1, e.Hash));
    }
}
