using CarteAuth.Authentication;

namespace CarteAuth.Core.Tests.Authentication;

public sealed class AcrTests
{
    [Fact]
    public void ProSanteConnect_IsEidas1()
    {
        Assert.Equal("eidas1", Acr.ProSanteConnect);
    }

    [Fact]
    public void TryGetLevel_ProSanteConnectEidas1_IsSubstantial()
    {
        Assert.True(Acr.TryGetLevel("eidas1", out var level));
        Assert.Equal(AssuranceLevel.Substantial, level);
    }

    [Theory]
    [InlineData("http://eidas.europa.eu/LoA/low", AssuranceLevel.Low)]
    [InlineData("http://eidas.europa.eu/LoA/substantial", AssuranceLevel.Substantial)]
    [InlineData("http://eidas.europa.eu/LoA/high", AssuranceLevel.High)]
    public void TryGetLevel_EidasUri_GivesItsLevel(string acr, AssuranceLevel expected)
    {
        Assert.True(Acr.TryGetLevel(acr, out var level));
        Assert.Equal(expected, level);
    }

    [Fact]
    public void EidasUriConstants_AreTheEidasLoaUris()
    {
        Assert.Equal("http://eidas.europa.eu/LoA/low", Acr.EidasLow);
        Assert.Equal("http://eidas.europa.eu/LoA/substantial", Acr.EidasSubstantial);
        Assert.Equal("http://eidas.europa.eu/LoA/high", Acr.EidasHigh);
    }

    [Theory]
    [InlineData("low", AssuranceLevel.Low)]
    [InlineData("substantial", AssuranceLevel.Substantial)]
    [InlineData("high", AssuranceLevel.High)]
    public void TryGetLevel_CarteAuthShortName_GivesItsLevel(string acr, AssuranceLevel expected)
    {
        Assert.True(Acr.TryGetLevel(acr, out var level));
        Assert.Equal(expected, level);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("none")]
    [InlineData("EIDAS1")]
    [InlineData("eidas2")]
    [InlineData("HIGH")]
    [InlineData("https://eidas.europa.eu/LoA/high")]
    [InlineData("http://eidas.europa.eu/LoA/High")]
    [InlineData("urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard")]
    public void TryGetLevel_ValueThatIsNotAnExactAcr_ReturnsFalseAndNone(string? acr)
    {
        Assert.False(Acr.TryGetLevel(acr, out var level));
        Assert.Equal(AssuranceLevel.None, level);
    }

    [Theory]
    [InlineData("eidas1", AssuranceLevel.Substantial)]
    [InlineData("http://eidas.europa.eu/LoA/high", AssuranceLevel.High)]
    [InlineData("low", AssuranceLevel.Low)]
    [InlineData("LOW", AssuranceLevel.Low)]
    [InlineData("Substantial", AssuranceLevel.Substantial)]
    [InlineData("SUBSTANTIAL", AssuranceLevel.Substantial)]
    [InlineData("High", AssuranceLevel.High)]
    [InlineData("hIgH", AssuranceLevel.High)]
    public void Parse_AcrOrLevelNameInAnyCase_GivesTheLevel(string value, AssuranceLevel expected)
    {
        Assert.Equal(expected, Acr.Parse(value));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("medium")]
    [InlineData("none")]
    [InlineData("None")]
    [InlineData("eidas2")]
    [InlineData("0")]
    [InlineData("2")]
    [InlineData("3")]
    [InlineData("Low,Substantial")]
    [InlineData("low, high")]
    [InlineData(" high")]
    [InlineData("high ")]
    public void Parse_AnythingElse_ThrowsUnknownAssurance(string? value)
    {
        var ex = Assert.Throws<CarteAuthException>(() => Acr.Parse(value));

        Assert.Equal(ReasonCodes.UnknownAssurance, ex.ReasonCode);
        Assert.Contains("low, substantial or high", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ValueWithControlCharacters_DoesNotEchoThemInTheMessage()
    {
        var ex = Assert.Throws<CarteAuthException>(() => Acr.Parse("high\r\nforged"));

        Assert.Equal(ReasonCodes.UnknownAssurance, ex.ReasonCode);
        Assert.DoesNotContain(ex.Message, char.IsControl);
        Assert.Contains("high??forged", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AssuranceLevel.Low, "low")]
    [InlineData(AssuranceLevel.Substantial, "substantial")]
    [InlineData(AssuranceLevel.High, "high")]
    public void ToValue_Level_IsItsShortNameAndParsesBack(AssuranceLevel level, string expected)
    {
        var value = Acr.ToValue(level);

        Assert.Equal(expected, value);
        Assert.Equal(level, Acr.Parse(value));
    }

    [Theory]
    [InlineData(AssuranceLevel.None)]
    [InlineData((AssuranceLevel)42)]
    public void ToValue_NoneOrUndefinedLevel_IsNone(AssuranceLevel level)
    {
        Assert.Equal("none", Acr.ToValue(level));
    }

    [Fact]
    public void AssuranceLevels_AreOrderedFromNoneToHigh()
    {
        Assert.True(AssuranceLevel.None < AssuranceLevel.Low);
        Assert.True(AssuranceLevel.Low < AssuranceLevel.Substantial);
        Assert.True(AssuranceLevel.Substantial < AssuranceLevel.High);
    }
}
