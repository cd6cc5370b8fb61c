using CarteAuth.Text;

namespace CarteAuth.Core.Tests.Text;

public sealed class FixedTimeTests
{
    [Theory]
    [InlineData("abc", "abc", true)]
    [InlineData("", "", true)]
    [InlineData("abc", "abd", false)]
    [InlineData("abc", "abcd", false)]
    [InlineData("état", "état", true)]
    [InlineData("état", "etat", false)]
    [InlineData(null, "abc", false)]
    [InlineData("abc", null, false)]
    [InlineData(null, null, false)]
    public void ComparesUtf8Bytes(string? a, string? b, bool equal) => Assert.Equal(equal, FixedTime.Equals(a, b));

    [Fact]
    public void LongValues_AreCompared()
    {
        var a = new string('x', 5000) + "1";
        Assert.True(FixedTime.Equals(a, new string('x', 5000) + "1"));
        Assert.False(FixedTime.Equals(a, new string('x', 5000) + "2"));
    }
}
