using System.Buffers.Text;
using CarteAuth.Text;

namespace CarteAuth.Core.Tests.Text;

public sealed class StrictBase64UrlTests
{
    [Theory]
    [InlineData("", -1)]
    [InlineData("AZaz09-_", -1)]
    [InlineData("AAA=", 3)]
    [InlineData("AA+A", 2)]
    [InlineData("A/AA", 1)]
    [InlineData(" AAA", 0)]
    [InlineData("AAA\u00e9", 3)]
    public void Finds_the_first_character_outside_the_alphabet(string text, int expected) =>
        Assert.Equal(expected, StrictBase64Url.IndexOfInvalidChar(text));

    [Fact]
    public void Every_encoding_of_every_length_is_canonical_and_its_siblings_are_not()
    {
        for (var length = 0; length < 8; length++)
        {
            var bytes = new byte[length];
            Array.Fill(bytes, (byte)0xA5);
            var text = Base64Url.EncodeToString(bytes);
            Assert.True(StrictBase64Url.IsCanonical(text), text);
            if (text.Length % 4 is 2 or 3)
            {
                // Same bytes, non-zero unused bits in the last character: decoders accept it, the strict check does not.
                var sibling = text[..^1] + (char)(text[^1] + 1);
                Assert.False(StrictBase64Url.IsCanonical(sibling), sibling);
            }
        }

        Assert.False(StrictBase64Url.IsCanonical("AAAAA"));
    }
}
