using System.Numerics;
using CarteAuth.Authentication;

namespace CarteAuth.Core.Tests.Authentication;

public sealed class AmrTests
{
    /// <summary>Every value of the RFC 8176 §2 registry, with the flag CarteAuth maps it to.</summary>
    public static TheoryData<string, AuthenticationMethods> Rfc8176Values => new()
    {
        { "face", AuthenticationMethods.Face },
        { "fpt", AuthenticationMethods.Fpt },
        { "geo", AuthenticationMethods.Geo },
        { "hwk", AuthenticationMethods.Hwk },
        { "iris", AuthenticationMethods.Iris },
        { "kba", AuthenticationMethods.Kba },
        { "mca", AuthenticationMethods.Mca },
        { "mfa", AuthenticationMethods.Mfa },
        { "otp", AuthenticationMethods.Otp },
        { "pin", AuthenticationMethods.Pin },
        { "pop", AuthenticationMethods.Pop },
        { "pwd", AuthenticationMethods.Pwd },
        { "rba", AuthenticationMethods.Rba },
        { "retina", AuthenticationMethods.Retina },
        { "sc", AuthenticationMethods.Sc },
        { "sms", AuthenticationMethods.Sms },
        { "swk", AuthenticationMethods.Swk },
        { "tel", AuthenticationMethods.Tel },
        { "user", AuthenticationMethods.User },
        { "vbm", AuthenticationMethods.Vbm },
        { "wia", AuthenticationMethods.Wia },
    };

    private static readonly string[] Rfc8176 =
    [
        "face", "fpt", "geo", "hwk", "iris", "kba", "mca", "mfa", "otp", "pin", "pop",
        "pwd", "rba", "retina", "sc", "sms", "swk", "tel", "user", "vbm", "wia",
    ];

    // ---- round trips ----

    [Theory]
    [MemberData(nameof(Rfc8176Values))]
    public void EveryRfc8176Value_RoundTripsThroughTheMethodFlag(string value, AuthenticationMethods method)
    {
        Assert.True(Amr.TryParse(value, out var parsed));
        Assert.Equal(method, parsed);
        Assert.Equal(method, Amr.Parse([value]));
        Assert.Equal(value, Amr.ToValue(method));
        Assert.Equal(new[] { value }, Amr.ToValues(method));
    }

    [Fact]
    public void RegisteredValues_AreExactlyTheRfc8176Registry()
    {
        Assert.Equal(Rfc8176.Order(StringComparer.Ordinal), Amr.RegisteredValues.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RegisteredValues_EachMapToADistinctSingleFlag()
    {
        var methods = Amr.RegisteredValues.Select(v => Amr.Parse([v])).ToList();

        Assert.All(methods, m => Assert.Equal(1, BitOperations.PopCount((uint)m)));
        Assert.Equal(methods.Count, methods.Distinct().Count());
    }

    [Fact]
    public void EveryDefinedMethodFlag_HasARegisteredValue()
    {
        var flags = Enum.GetValues<AuthenticationMethods>().Where(m => m != AuthenticationMethods.None).ToList();

        Assert.Equal(Amr.RegisteredValues.Count, flags.Count);
        Assert.All(flags, m => Assert.Contains(Amr.ToValue(m), Amr.RegisteredValues));
    }

    // ---- TryParse ----

    [Theory]
    [InlineData("SC")]
    [InlineData("Pin")]
    [InlineData(" sc")]
    [InlineData("sc ")]
    [InlineData("")]
    [InlineData("x509")]
    [InlineData(null)]
    public void TryParse_UnregisteredOrDifferentlyCasedValue_ReturnsFalseAndNone(string? value)
    {
        Assert.False(Amr.TryParse(value, out var method));
        Assert.Equal(AuthenticationMethods.None, method);
    }

    // ---- Parse ----

    [Fact]
    public void Parse_CpsCardValues_CombinesTheirFlags()
    {
        var methods = Amr.Parse(["sc", "pin", "hwk"]);

        Assert.Equal(AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk, methods);
    }

    [Fact]
    public void Parse_DuplicateValues_AreCountedOnce()
    {
        Assert.Equal(AuthenticationMethods.Hwk, Amr.Parse(["hwk", "hwk"]));
    }

    [Fact]
    public void Parse_EmptyList_IsNone()
    {
        Assert.Equal(AuthenticationMethods.None, Amr.Parse([]));
    }

    [Fact]
    public void Parse_NullList_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => Amr.Parse(null!));
    }

    [Theory]
    [InlineData("x509")]
    [InlineData("SC")]
    [InlineData("")]
    public void Parse_UnknownValue_ThrowsUnknownAmrListingTheAllowedValues(string unknown)
    {
        var ex = Assert.Throws<CarteAuthException>(() => Amr.Parse(["sc", unknown, "pin"]));

        Assert.Equal(ReasonCodes.UnknownAmr, ex.ReasonCode);
        Assert.Contains($"'{unknown}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(string.Join(", ", Amr.RegisteredValues), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NullEntry_ThrowsUnknownAmr()
    {
        var ex = Assert.Throws<CarteAuthException>(() => Amr.Parse(["sc", null!]));

        Assert.Equal(ReasonCodes.UnknownAmr, ex.ReasonCode);
    }

    [Fact]
    public void Parse_UnknownValueWithControlCharacters_DoesNotEchoThemInTheMessage()
    {
        var ex = Assert.Throws<CarteAuthException>(() => Amr.Parse(["sc\r\nFAKE LOG LINE\u001b[0m"]));

        Assert.Equal(ReasonCodes.UnknownAmr, ex.ReasonCode);
        Assert.DoesNotContain(ex.Message, char.IsControl);
        Assert.Contains("sc??FAKE LOG LINE?[0m", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HugeUnknownValue_IsCappedInTheMessage()
    {
        var huge = new string('x', 100_000);

        var ex = Assert.Throws<CarteAuthException>(() => Amr.Parse([huge]));

        Assert.Equal(ReasonCodes.UnknownAmr, ex.ReasonCode);
        Assert.True(ex.Message.Length < 500, $"Message is {ex.Message.Length} characters long.");
    }

    // ---- ParseLenient ----

    [Fact]
    public void ParseLenient_MixedValues_KeepsKnownAndCollectsUnknownInOrder()
    {
        var methods = Amr.ParseLenient(["sc", "x509", "pin", "SC", "hwk", "x509"], out var unknown);

        Assert.Equal(AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk, methods);
        Assert.Equal(new[] { "x509", "SC", "x509" }, unknown);
    }

    [Fact]
    public void ParseLenient_OnlyKnownValues_GivesNoUnknown()
    {
        var methods = Amr.ParseLenient(["swk", "mfa", "pwd"], out var unknown);

        Assert.Equal(AuthenticationMethods.Swk | AuthenticationMethods.Mfa | AuthenticationMethods.Pwd, methods);
        Assert.Empty(unknown);
    }

    [Fact]
    public void ParseLenient_OnlyUnknownValues_IsNoneWithAllCollected()
    {
        var methods = Amr.ParseLenient(["x509", "bio"], out var unknown);

        Assert.Equal(AuthenticationMethods.None, methods);
        Assert.Equal(new[] { "x509", "bio" }, unknown);
    }

    [Fact]
    public void ParseLenient_NullList_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => Amr.ParseLenient(null!, out _));
    }

    // ---- ToValues / ToValue ----

    [Fact]
    public void Format_JoinsTheValuesWithSpaces_AndIsEmptyForNone()
    {
        Assert.Equal("sc hwk pin", Amr.Format(AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk));
        Assert.Equal(string.Empty, Amr.Format(AuthenticationMethods.None));
    }

    [Fact]
    public void ToValues_CpsCard_GivesTheValuesInRegisteredOrder()
    {
        var values = Amr.ToValues(AuthenticationMethods.Pin | AuthenticationMethods.Hwk | AuthenticationMethods.Sc);

        Assert.Equal(new[] { "sc", "hwk", "pin" }, values);
    }

    [Fact]
    public void ToValues_PscDelegationMethods_GivesOneValuePerFlag()
    {
        var methods = AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Mfa | AuthenticationMethods.Hwk;

        var values = Amr.ToValues(methods);

        Assert.Equal(4, values.Length);
        Assert.Equal(methods, Amr.Parse(values));
    }

    [Fact]
    public void ToValues_None_IsEmpty()
    {
        Assert.Empty(Amr.ToValues(AuthenticationMethods.None));
    }

    [Fact]
    public void ToValues_AllMethods_GivesEveryRegisteredValueInOrder()
    {
        var all = Enum.GetValues<AuthenticationMethods>().Aggregate(AuthenticationMethods.None, (a, m) => a | m);

        Assert.Equal(Amr.RegisteredValues, Amr.ToValues(all));
    }

    [Fact]
    public void ToValues_UndefinedFlagBits_AreIgnored()
    {
        var methods = AuthenticationMethods.Sc | (AuthenticationMethods)(1 << 25) | (AuthenticationMethods)int.MinValue;

        var values = Amr.ToValues(methods);

        Assert.Equal(new[] { "sc" }, values);
    }

    [Theory]
    [InlineData(AuthenticationMethods.None)]
    [InlineData(AuthenticationMethods.Sc | AuthenticationMethods.Pin)]
    [InlineData((AuthenticationMethods)(1 << 25))]
    public void ToValue_NotExactlyOneRegisteredMethod_ThrowsArgumentOutOfRange(AuthenticationMethods methods)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Amr.ToValue(methods));

        Assert.Equal("method", ex.ParamName);
    }

    [Fact]
    public void ToValue_SingleMethod_IsItsAmrValue()
    {
        Assert.Equal("sc", Amr.ToValue(AuthenticationMethods.Sc));
        Assert.Equal("swk", Amr.ToValue(AuthenticationMethods.Swk));
    }
}
