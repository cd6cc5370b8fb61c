using CarteAuth.Identity;

namespace CarteAuth.Core.Tests.Identity;

public sealed class LuhnTests
{
    [Theory]
    [InlineData("79927398713")]
    [InlineData("10002813839")]
    [InlineData("99700075122")]
    [InlineData("750712184")]
    [InlineData("732829320")]
    [InlineData("73282932000074")]
    [InlineData("0")]
    public void IsValid_NumbersWithACorrectKey_AreValid(string digits)
    {
        Assert.True(Luhn.IsValid(digits));
    }

    [Theory]
    [InlineData("79927398710")]
    [InlineData("10002813830")]
    [InlineData("1")]
    public void IsValid_NumbersWithAWrongKey_AreInvalid(string digits)
    {
        Assert.False(Luhn.IsValid(digits));
    }

    [Theory]
    [InlineData("")]
    [InlineData("7992739871A")]
    [InlineData("7992 398713")]
    [InlineData("\u0667\u0669\u0669")]
    public void IsValid_EmptyOrNonAsciiDigits_IsInvalid(string digits)
    {
        Assert.False(Luhn.IsValid(digits));
    }

    [Theory]
    [InlineData("0123456789", true)]
    [InlineData("", false)]
    [InlineData("12a", false)]
    [InlineData("\u0661\u0662", false)]
    public void AllDigits_AcceptsOnlyNonEmptyAsciiDigits(string value, bool expected)
    {
        Assert.Equal(expected, Luhn.AllDigits(value));
    }
}
