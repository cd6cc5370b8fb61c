using CarteAuth.Identity;

namespace CarteAuth.Core.Tests.Identity;

public sealed class StructureIdentifierTests
{
    // ---- FINESS ----

    [Fact]
    public void Create_FinessWithValidLuhnKey_KeepsValueAndBuildsTheNationalForm()
    {
        var id = StructureIdentifier.Create(StructureIdKind.Finess, "750712184");

        Assert.Equal(StructureIdKind.Finess, id.Kind);
        Assert.Equal("750712184", id.Value);
        Assert.Equal("1750712184", id.NationalValue);
        Assert.Equal("1750712184", id.ToString());
    }

    [Fact]
    public void Create_FinessLegalEntity_UsesTypeDigitFive()
    {
        var id = StructureIdentifier.Create(StructureIdKind.FinessLegalEntity, "750712184");

        Assert.Equal("5750712184", id.NationalValue);
    }

    [Theory]
    [InlineData("750712185")]
    [InlineData("750712183")]
    [InlineData("570712184")]
    public void Create_FinessWithBadLuhnKey_ThrowsInvalidStructureId(string value)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => StructureIdentifier.Create(StructureIdKind.Finess, value));

        Assert.Equal(ReasonCodes.InvalidStructureId, ex.ReasonCode);
        Assert.Contains("Luhn", ex.Message, StringComparison.Ordinal);
        Assert.Contains(value, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2A0000154")]
    [InlineData("2B0000111")]
    public void Create_CorsicanFiness_IsAccepted(string value)
    {
        var id = StructureIdentifier.Create(StructureIdKind.Finess, value);

        Assert.Equal(value, id.Value);
        Assert.Equal("1" + value, id.NationalValue);
    }

    [Theory]
    [InlineData("")]
    [InlineData("75071218")]
    [InlineData("7507121840")]
    [InlineData("2a0000154")]
    [InlineData("2C0000154")]
    [InlineData("3A0000154")]
    [InlineData("2A000015X")]
    [InlineData("75071218X")]
    [InlineData("7507 2184")]
    public void Create_MalformedFiness_ThrowsInvalidStructureId(string value)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => StructureIdentifier.Create(StructureIdKind.Finess, value));

        Assert.Equal(ReasonCodes.InvalidStructureId, ex.ReasonCode);
        Assert.NotEmpty(ex.Message);
    }

    // ---- SIREN / SIRET ----

    [Theory]
    [InlineData("732829320")]
    [InlineData("123456782")]
    public void Create_SirenWithValidLuhn_IsAccepted(string value)
    {
        var id = StructureIdentifier.Create(StructureIdKind.Siren, value);

        Assert.Equal(StructureIdKind.Siren, id.Kind);
        Assert.Equal("2" + value, id.NationalValue);
    }

    [Theory]
    [InlineData("73282932000074")]
    [InlineData("00000000029751")]
    public void Create_SiretWithValidLuhn_IsAccepted(string value)
    {
        var id = StructureIdentifier.Create(StructureIdKind.Siret, value);

        Assert.Equal(StructureIdKind.Siret, id.Kind);
        Assert.Equal("3" + value, id.NationalValue);
    }

    [Theory]
    [InlineData(StructureIdKind.Siren, "732829321", "SIREN")]
    [InlineData(StructureIdKind.Siren, "123456789", "SIREN")]
    [InlineData(StructureIdKind.Siret, "73282932000075", "SIRET")]
    [InlineData(StructureIdKind.Siret, "00000000029752", "SIRET")]
    public void Create_SirenOrSiretWithBadLuhn_ThrowsInvalidStructureIdNamingTheKind(StructureIdKind kind, string value, string kindName)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => StructureIdentifier.Create(kind, value));

        Assert.Equal(ReasonCodes.InvalidStructureId, ex.ReasonCode);
        Assert.Contains(kindName, ex.Message, StringComparison.Ordinal);
        Assert.Contains("Luhn", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StructureIdKind.Siren, "73282932")]
    [InlineData(StructureIdKind.Siren, "7328293200")]
    [InlineData(StructureIdKind.Siren, "73282932A")]
    [InlineData(StructureIdKind.Siret, "732829320")]
    [InlineData(StructureIdKind.Siret, "7328293200007")]
    [InlineData(StructureIdKind.Siret, "732829320000740")]
    [InlineData(StructureIdKind.Siret, "7328293200007A")]
    public void Create_SirenOrSiretWithWrongLengthOrCharacters_ThrowsInvalidStructureId(StructureIdKind kind, string value)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => StructureIdentifier.Create(kind, value));

        Assert.Equal(ReasonCodes.InvalidStructureId, ex.ReasonCode);
        Assert.Contains("exactly", ex.Message, StringComparison.Ordinal);
    }

    // ---- RPPS rang, ADELI cabinet ----

    [Fact]
    public void Create_RppsRangOf14Digits_IsAcceptedWithoutACheckDigit()
    {
        var id = StructureIdentifier.Create(StructureIdKind.RppsRang, "12345678901234");

        Assert.Equal(StructureIdKind.RppsRang, id.Kind);
        Assert.Equal("412345678901234", id.NationalValue);
    }

    [Theory]
    [InlineData("1234567890123")]
    [InlineData("123456789012345")]
    [InlineData("1234567890123A")]
    public void Create_RppsRangNotExactly14Digits_ThrowsInvalidStructureId(string value)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => StructureIdentifier.Create(StructureIdKind.RppsRang, value));

        Assert.Equal(ReasonCodes.InvalidStructureId, ex.ReasonCode);
        Assert.Contains("14 digits", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("123456789")]
    [InlineData("12345678901234")]
    public void Create_AdeliCabinetOf9To14Digits_IsAccepted(string value)
    {
        var id = StructureIdentifier.Create(StructureIdKind.AdeliCabinet, value);

        Assert.Equal("0" + value, id.NationalValue);
    }

    [Theory]
    [InlineData("12345678")]
    [InlineData("123456789012345")]
    [InlineData("12345678X")]
    public void Create_AdeliCabinetOutsideTheForm_ThrowsInvalidStructureId(string value)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => StructureIdentifier.Create(StructureIdKind.AdeliCabinet, value));

        Assert.Equal(ReasonCodes.InvalidStructureId, ex.ReasonCode);
    }

    // ---- empty, unknown kind, hostile input ----

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Create_EmptyValue_ThrowsInvalidStructureIdSayingItIsEmpty(string? value)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => StructureIdentifier.Create(StructureIdKind.Siret, value));

        Assert.Equal(ReasonCodes.InvalidStructureId, ex.ReasonCode);
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_UndefinedKind_ThrowsInvalidStructureId()
    {
        var ex = Assert.Throws<IdentityFormatException>(() => StructureIdentifier.Create((StructureIdKind)9, "750712184"));

        Assert.Equal(ReasonCodes.InvalidStructureId, ex.ReasonCode);
        Assert.Contains("kind 9", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ValueWithControlCharacters_DoesNotEchoThemInTheMessage()
    {
        var ex = Assert.Throws<IdentityFormatException>(() => StructureIdentifier.Create(StructureIdKind.Finess, "7507\r\n184"));

        Assert.DoesNotContain(ex.Message, char.IsControl);
        Assert.Contains("7507??184", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCreate_ValidValue_ReturnsTheIdAndAnEmptyMessage()
    {
        var ok = StructureIdentifier.TryCreate(StructureIdKind.Finess, "750712184", out var id, out var message);

        Assert.True(ok);
        Assert.Equal("1750712184", id!.NationalValue);
        Assert.Equal(string.Empty, message);
    }

    [Fact]
    public void TryCreate_InvalidValue_ReturnsFalseAndAMessage()
    {
        var ok = StructureIdentifier.TryCreate(StructureIdKind.Finess, "750712185", out var id, out var message);

        Assert.False(ok);
        Assert.Null(id);
        Assert.Contains("750712185", message, StringComparison.Ordinal);
    }

    // ---- ParseNational ----

    [Theory]
    [InlineData("1750712184", StructureIdKind.Finess, "750712184")]
    [InlineData("12A0000154", StructureIdKind.Finess, "2A0000154")]
    [InlineData("2732829320", StructureIdKind.Siren, "732829320")]
    [InlineData("300000000029751", StructureIdKind.Siret, "00000000029751")]
    [InlineData("373282932000074", StructureIdKind.Siret, "73282932000074")]
    [InlineData("412345678901234", StructureIdKind.RppsRang, "12345678901234")]
    [InlineData("0123456789", StructureIdKind.AdeliCabinet, "123456789")]
    [InlineData("5750712184", StructureIdKind.FinessLegalEntity, "750712184")]
    public void ParseNational_TypeDigitAndIdentifier_GivesKindAndValue(string national, StructureIdKind kind, string value)
    {
        var id = StructureIdentifier.ParseNational(national);

        Assert.Equal(kind, id.Kind);
        Assert.Equal(value, id.Value);
        Assert.Equal(national, id.NationalValue);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("6750712184")]
    [InlineData("9750712184")]
    [InlineData("F750712184")]
    [InlineData(" 1750712184")]
    public void ParseNational_MissingOrUnknownTypeDigit_ThrowsInvalidStructureIdListingTheTypes(string? national)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => StructureIdentifier.ParseNational(national));

        Assert.Equal(ReasonCodes.InvalidStructureId, ex.ReasonCode);
        Assert.Contains("1 FINESS", ex.Message, StringComparison.Ordinal);
        Assert.Contains("3 SIRET", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("1750712185")]
    [InlineData("2732829321")]
    [InlineData("30000000002975")]
    public void ParseNational_TypeDigitWithInvalidIdentifier_ThrowsInvalidStructureId(string national)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => StructureIdentifier.ParseNational(national));

        Assert.Equal(ReasonCodes.InvalidStructureId, ex.ReasonCode);
    }

    // ---- equality ----

    [Fact]
    public void Equals_SameKindAndValue_IsEqualWithTheSameHashCode()
    {
        var a = StructureIdentifier.Create(StructureIdKind.Finess, "750712184");
        var b = StructureIdentifier.ParseNational("1750712184");

        Assert.NotSame(a, b);
        Assert.True(a.Equals(b));
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Equals_SameValueButDifferentKind_IsNotEqual()
    {
        var finess = StructureIdentifier.Create(StructureIdKind.Finess, "750712184");
        var legalEntity = StructureIdentifier.Create(StructureIdKind.FinessLegalEntity, "750712184");

        Assert.False(finess.Equals(legalEntity));
        Assert.NotEqual(finess, legalEntity);
    }

    [Fact]
    public void Equals_NullOrOtherType_IsNotEqual()
    {
        var a = StructureIdentifier.Create(StructureIdKind.Finess, "750712184");

        Assert.False(a.Equals(null));
        Assert.False(a.Equals((object?)null));
        Assert.False(a.Equals("1750712184"));
    }

    [Fact]
    public void StructureAffiliation_WithEqualIdentifiers_IsEqual()
    {
        var a = new StructureAffiliation(StructureIdentifier.ParseNational("1750712184"), "CH EXEMPLE");
        var b = new StructureAffiliation(StructureIdentifier.Create(StructureIdKind.Finess, "750712184"), "CH EXEMPLE");

        Assert.Equal(a, b);
        Assert.Null(new StructureAffiliation(a.Identifier).Name);
    }
}
