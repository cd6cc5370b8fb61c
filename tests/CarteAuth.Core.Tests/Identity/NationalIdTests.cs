using CarteAuth.Identity;

namespace CarteAuth.Core.Tests.Identity;

public sealed class NationalIdTests
{
    // ---- RPPS (8 + 11 digits, Luhn) ----

    [Fact]
    public void Parse_RppsWithValidCheckDigit_IsAnRppsIdentifier()
    {
        var id = NationalId.Parse("810002813839");

        Assert.Equal("810002813839", id.Value);
        Assert.Equal(NationalIdKind.Rpps, id.Kind);
        Assert.Null(id.StructureKind);
        Assert.Equal("10002813839", id.Identifier.ToString());
        Assert.False(id.IsTestIdentifier);
        Assert.Equal("810002813839", id.ToString());
    }

    [Fact]
    public void Parse_RppsWithoutStructure_HasEmptyStructureAndInternalParts()
    {
        var id = NationalId.Parse("810002813839");

        Assert.True(id.StructurePart.IsEmpty);
        Assert.True(id.InternalPart.IsEmpty);
    }

    [Fact]
    public void Parse_TestCardRpps_IsATestIdentifier()
    {
        var id = NationalId.Parse("899700075122");

        Assert.Equal(NationalIdKind.Rpps, id.Kind);
        Assert.True(id.IsTestIdentifier);
    }

    [Theory]
    [InlineData("810002813830")]
    [InlineData("810002813838")]
    [InlineData("899700075123")]
    [InlineData("801002813839")]
    public void Parse_RppsWithWrongCheckDigit_ThrowsRppsCheckDigit(string value)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => NationalId.Parse(value));

        Assert.Equal(ReasonCodes.RppsCheckDigit, ex.ReasonCode);
        Assert.Contains("Luhn", ex.Message, StringComparison.Ordinal);
        Assert.Contains(value[1..], ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8")]
    [InlineData("81000281383")]
    [InlineData("8100028138390")]
    [InlineData("81000281383A")]
    [InlineData("8A0002813839")]
    [InlineData("81000 813839")]
    [InlineData("8-0002813839")]
    public void Parse_RppsWithWrongLengthOrNonDigits_ThrowsInvalidNationalId(string value)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => NationalId.Parse(value));

        Assert.Equal(ReasonCodes.InvalidNationalId, ex.ReasonCode);
        Assert.Contains("11 digits", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RppsWithNonAsciiDigits_IsRejected()
    {
        // Arabic-Indic digits are char.IsDigit but not ASCII digits: never accepted as an RPPS number.
        var value = "8" + new string('\u0661', 11);

        var ex = Assert.Throws<IdentityFormatException>(() => NationalId.Parse(value));

        Assert.Equal(ReasonCodes.InvalidNationalId, ex.ReasonCode);
    }

    // ---- ADELI (0 + 9 characters) ----

    [Theory]
    [InlineData("0751234567", "751234567")]
    [InlineData("0011234567", "011234567")]
    [InlineData("0971234567", "971234567")]
    [InlineData("02A1234567", "2A1234567")]
    [InlineData("02B1234567", "2B1234567")]
    public void Parse_AdeliForms_AreAdeliIdentifiers(string value, string adeli)
    {
        var id = NationalId.Parse(value);

        Assert.Equal(NationalIdKind.Adeli, id.Kind);
        Assert.Equal(adeli, id.Identifier.ToString());
        Assert.Null(id.StructureKind);
        Assert.False(id.IsTestIdentifier);
        Assert.True(id.StructurePart.IsEmpty);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("075123456")]
    [InlineData("07512345678")]
    [InlineData("02C1234567")]
    [InlineData("02a1234567")]
    [InlineData("0A21234567")]
    [InlineData("03A1234567")]
    [InlineData("07512345X7")]
    [InlineData("0AB1234567")]
    public void Parse_MalformedAdeli_ThrowsInvalidNationalId(string value)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => NationalId.Parse(value));

        Assert.Equal(ReasonCodes.InvalidNationalId, ex.ReasonCode);
        Assert.Contains("ADELI", ex.Message, StringComparison.Ordinal);
    }

    // ---- establishment staff (CPA/CPE): type digit + structure id + '/' + internal id ----

    [Fact]
    public void Parse_SiretBasedStaffId_SplitsStructureAndInternalParts()
    {
        // From a CPA certificate: CN=500000000029751/CPAT0001, OU=300000000029751 (structure SIRET 00000000029751).
        var id = NationalId.Parse("500000000029751/CPAT0001");

        Assert.Equal(NationalIdKind.StructureStaff, id.Kind);
        Assert.Equal(StructureIdKind.Siret, id.StructureKind);
        Assert.Equal("00000000029751", id.StructurePart.ToString());
        Assert.Equal("CPAT0001", id.InternalPart.ToString());
        Assert.Equal("00000000029751/CPAT0001", id.Identifier.ToString());
        Assert.False(id.IsTestIdentifier);
    }

    [Fact]
    public void Parse_FinessBasedStaffId_SplitsStructureAndInternalParts()
    {
        var id = NationalId.Parse("300000000029751/CPAT0001");

        Assert.Equal(NationalIdKind.StructureStaff, id.Kind);
        Assert.Equal(StructureIdKind.Finess, id.StructureKind);
        Assert.Equal("00000000029751", id.StructurePart.ToString());
        Assert.Equal("CPAT0001", id.InternalPart.ToString());
    }

    [Fact]
    public void Parse_StaffIdOnANineCharacterFiness_SplitsStructureAndInternalParts()
    {
        var id = NationalId.Parse("3750712184/A-12");

        Assert.Equal(StructureIdKind.Finess, id.StructureKind);
        Assert.Equal("750712184", id.StructurePart.ToString());
        Assert.Equal("A-12", id.InternalPart.ToString());
    }

    [Theory]
    // idNat_PS type digits (ANS): 1 ADELI cabinet, 3 FINESS, 4 SIREN, 5 SIRET, 6 RPPS cabinet.
    [InlineData("1123456789/X1", StructureIdKind.AdeliCabinet)]
    [InlineData("3750712184/X1", StructureIdKind.Finess)]
    [InlineData("4732829320/X1", StructureIdKind.Siren)]
    [InlineData("573282932000074/X1", StructureIdKind.Siret)]
    [InlineData("612345678901234/X1", StructureIdKind.RppsRang)]
    public void Parse_StaffTypeDigit_GivesTheStructureKindOfTheIdNatNomenclature(string value, StructureIdKind expected)
    {
        var id = NationalId.Parse(value);

        Assert.Equal(NationalIdKind.StructureStaff, id.Kind);
        Assert.Equal(expected, id.StructureKind);
    }

    [Theory]
    [InlineData("300000000029751")]
    [InlineData("300000000029751/")]
    [InlineData("3/CPAT0001")]
    [InlineData("312345678/CPAT0001")]
    [InlineData("3000000000297510/CPAT0001")]
    [InlineData("30000000-029751/CPAT0001")]
    [InlineData("300000000029751/CPAT 0001")]
    [InlineData("300000000029751/CPAT/0001")]
    [InlineData("300000000029751/CPAT0001X0123456789012345678901234")]
    public void Parse_MalformedStaffId_ThrowsInvalidNationalId(string value)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => NationalId.Parse(value));

        Assert.Equal(ReasonCodes.InvalidNationalId, ex.ReasonCode);
        Assert.Contains(value, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StaffIdWithA32CharacterInternalPart_IsAccepted()
    {
        var internalId = new string('A', 31) + "-";

        var id = NationalId.Parse("300000000029751/" + internalId);

        Assert.Equal(internalId, id.InternalPart.ToString());
    }

    // ---- type digit ----

    [Theory]
    [InlineData("2732829320/X1")]
    [InlineData("710002813839")]
    [InlineData("910002813839")]
    [InlineData("A10002813839")]
    [InlineData("-10002813839")]
    [InlineData(" 810002813839")]
    public void Parse_UnknownTypeDigit_ThrowsInvalidNationalIdNamingTheValidTypes(string value)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => NationalId.Parse(value));

        Assert.Equal(ReasonCodes.InvalidNationalId, ex.ReasonCode);
        Assert.Contains("8 (RPPS)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0 (ADELI)", ex.Message, StringComparison.Ordinal);
    }

    // ---- empty, overlong, hostile input ----

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t\r\n")]
    public void Parse_EmptyOrWhitespace_ThrowsInvalidNationalIdSayingItIsEmpty(string? value)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => NationalId.Parse(value));

        Assert.Equal(ReasonCodes.InvalidNationalId, ex.ReasonCode);
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OverlongValue_ThrowsWithoutEchoingTheValue()
    {
        var value = "8" + new string('1', 100_000);

        var ex = Assert.Throws<IdentityFormatException>(() => NationalId.Parse(value));

        Assert.Equal(ReasonCodes.InvalidNationalId, ex.ReasonCode);
        Assert.Contains("100001 characters", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Length < 200, $"Message is {ex.Message.Length} characters long.");
    }

    [Fact]
    public void Parse_ValueOfExactlyTheMaximumLength_IsCheckedOnItsForm()
    {
        // 64 characters is not refused for its length: the staff check runs and names the structure part.
        var value = "3" + new string('1', 14) + "/" + new string('A', 48);

        var ex = Assert.Throws<IdentityFormatException>(() => NationalId.Parse(value));

        Assert.Equal(64, value.Length);
        Assert.Contains("internal identifier", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8100\r\n028138")]
    [InlineData("0751\u001b[31m")]
    [InlineData("3000000000\n29751/CPAT0001")]
    [InlineData("300000000029751/CPAT\u00000001")]
    [InlineData("\u0007810002813839")]
    [InlineData("8\u202e10002813839")]
    [InlineData("3000000000\u202829751/CPAT0001")]
    public void Parse_ValueWithControlCharacters_DoesNotEchoThemInTheMessage(string value)
    {
        var ex = Assert.Throws<IdentityFormatException>(() => NationalId.Parse(value));

        Assert.Equal(ReasonCodes.InvalidNationalId, ex.ReasonCode);
        Assert.DoesNotContain(ex.Message, c => char.IsControl(c) || c is '\u202e' or '\u2028');
        Assert.Contains('?', ex.Message);
    }

    [Fact]
    public void Parse_GarbageWithinTheLengthLimit_IsEchoedInFullInTheMessage()
    {
        var value = "9" + new string('x', 63);

        var ex = Assert.Throws<IdentityFormatException>(() => NationalId.Parse(value));

        Assert.Contains(value, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Printable_ValueLongerThan80Characters_IsCappedWithAnEllipsis()
    {
        var shown = NationalId.Printable(new string('x', 200));

        Assert.Equal(new string('x', 80) + "…", shown);
    }

    [Fact]
    public void Printable_CapInsideASurrogatePair_DoesNotLeaveAHalfCharacter()
    {
        // 79 ASCII characters then an emoji (a surrogate pair straddling the 80-character cap).
        var shown = NationalId.Printable(new string('x', 79) + "😀" + new string('y', 10));

        Assert.DoesNotContain(shown, char.IsSurrogate);
        Assert.EndsWith("…", shown, StringComparison.Ordinal);
    }

    [Fact]
    public void Printable_LoneSurrogate_IsReplaced()
    {
        var shown = NationalId.Printable("8\ud83d1000");

        Assert.Equal("8?1000", shown);
    }

    [Fact]
    public void Printable_OrdinaryText_IsKeptAsIs()
    {
        Assert.Equal("Médecin 😀 2A/2B", NationalId.Printable("Médecin 😀 2A/2B"));
    }

    // ---- TryParse ----

    [Fact]
    public void TryParse_ValidValue_ReturnsTheIdWithNoReasonCodeOrMessage()
    {
        var ok = NationalId.TryParse("810002813839", out var id, out var reasonCode, out var message);

        Assert.True(ok);
        Assert.Equal("810002813839", id!.Value);
        Assert.Equal(string.Empty, reasonCode);
        Assert.Equal(string.Empty, message);
    }

    [Fact]
    public void TryParse_BadCheckDigit_ReturnsFalseWithTheReasonCodeAndMessage()
    {
        var ok = NationalId.TryParse("810002813830", out var id, out var reasonCode, out var message);

        Assert.False(ok);
        Assert.Null(id);
        Assert.Equal(ReasonCodes.RppsCheckDigit, reasonCode);
        Assert.NotEmpty(message);
    }

    [Theory]
    [InlineData("810002813839", true)]
    [InlineData("0751234567", true)]
    [InlineData("500000000029751/CPAT0001", true)]
    [InlineData("810002813830", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void TryParse_ShortForm_AgreesWithParse(string? value, bool expected)
    {
        var ok = NationalId.TryParse(value, out var id);

        Assert.Equal(expected, ok);
        Assert.Equal(expected, id is not null);
        if (expected)
        {
            Assert.Equal(NationalId.Parse(value), id);
        }
    }

    // ---- equality ----

    [Fact]
    public void Equals_SameValue_IsEqualWithTheSameHashCode()
    {
        var a = NationalId.Parse("810002813839");
        var b = NationalId.Parse(new string("810002813839".ToCharArray()));

        Assert.NotSame(a, b);
        Assert.True(a.Equals(b));
        Assert.True(a.Equals((object)b));
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Equals_DifferentValues_AreNotEqual()
    {
        var a = NationalId.Parse("810002813839");
        var b = NationalId.Parse("899700075122");

        Assert.False(a.Equals(b));
        Assert.False(a == b);
        Assert.True(a != b);
    }

    [Fact]
    public void Equals_StaffIdsDifferingOnlyInLetterCase_AreNotEqual()
    {
        var upper = NationalId.Parse("300000000029751/CPAT0001");
        var lower = NationalId.Parse("300000000029751/cpat0001");

        Assert.NotEqual(upper, lower);
    }

    [Fact]
    public void Equals_NullAndOtherTypes_AreNotEqual()
    {
        var a = NationalId.Parse("810002813839");
        NationalId? none = null;

        Assert.False(a.Equals(null));
        Assert.False(a.Equals((object?)null));
        Assert.False(a.Equals("810002813839"));
        Assert.False(a == none);
        Assert.False(none == a);
        Assert.True(a != none);
    }

    [Fact]
    public void EqualityOperator_BothNull_IsEqual()
    {
        NationalId? left = null;
        NationalId? right = null;

        Assert.True(left == right);
        Assert.False(left != right);
    }

    [Fact]
    public void NationalIds_UsedAsSetKeys_AreDeduplicatedByValue()
    {
        var set = new HashSet<NationalId>
        {
            NationalId.Parse("810002813839"),
            NationalId.Parse("810002813839"),
            NationalId.Parse("899700075122"),
        };

        Assert.Equal(2, set.Count);
        Assert.Contains(NationalId.Parse("899700075122"), set);
    }
}
