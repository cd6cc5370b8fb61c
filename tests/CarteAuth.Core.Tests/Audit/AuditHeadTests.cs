using CarteAuth.Audit;

namespace CarteAuth.Core.Tests.Audit;

public sealed class AuditHeadTests
{
    private const string Hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    [Fact]
    public void Text_form_round_trips()
    {
        var head = AuditHead.Parse($"  42:{Hex.ToUpperInvariant()}\n");

        Assert.Equal(42, head.Sequence);
        Assert.Equal(Hex, head.HashHex);
        Assert.Equal($"42:{Hex}", head.ToString());
        Assert.Equal(head, AuditHead.Parse(head.ToString()));
        Assert.True(AuditHead.TryParse(head.ToString(), out var again));
        Assert.Equal(head, again);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("42", "no ':'")]
    [InlineData("0:" + Hex, "1 or more")]
    [InlineData("-3:" + Hex, "1 or more")]
    [InlineData("x:" + Hex, "whole number")]
    [InlineData("42:abcd", "64 hex digits")]
    [InlineData("42:" + Hex + "00", "64 hex digits")]
    [InlineData("42:zz86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "not hexadecimal")]
    public void Malformed_text_is_a_typed_error_saying_what_is_wrong(string? text, string expected)
    {
        var ex = Assert.Throws<AuditFormatException>(() => AuditHead.Parse(text));

        Assert.Equal(ReasonCodes.AuditInvalidHead, ex.ReasonCode);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains("sequence:hash", ex.Message, StringComparison.Ordinal);
        Assert.False(AuditHead.TryParse(text, out _));
    }

    [Fact]
    public void Constructor_validates_sequence_and_hash_length()
    {
        Assert.Equal(ReasonCodes.AuditInvalidHead, Assert.Throws<AuditFormatException>(() => new AuditHead(0, new byte[32])).ReasonCode);
        Assert.Equal(ReasonCodes.AuditInvalidHead, Assert.Throws<AuditFormatException>(() => new AuditHead(1, new byte[16])).ReasonCode);
    }

    [Fact]
    public void Hash_is_copied()
    {
        var bytes = new byte[32];
        var head = new AuditHead(1, bytes);
        bytes[0] = 1;

        Assert.Equal(0, head.Hash.Span[0]);
    }
}
