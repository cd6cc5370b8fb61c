using System.Globalization;
using System.Text;
using System.Text.Json;
using CarteAuth.Tokens;

namespace CarteAuth.Core.Tests.Tokens;

/// <summary>
/// The claims reader on each rule of the RFC 8259 grammar it implements. Every case is also checked against
/// System.Text.Json (<see cref="JsonOracle"/>), so the expectations here are Utf8JsonReader's, not the reader's own.
/// </summary>
public sealed class ClaimsJsonReaderTests
{
    public static TheoryData<string> ValidDocuments() =>
    [
        "{}",
        " {} ",
        "\t\r\n {\t\"a\"\r\n:\n1 ,\"b\" : [ ] , \"c\":{ } }\r\n\t ",
        "{\"a\":\"\"}",
        "{\"\":0}",
        "{\"a\":true,\"b\":false,\"c\":null}",
        "{\"a\":[true,false,null,\"x\",1,{},[]]}",
        "{\"a\":{\"b\":{\"c\":[1,[2,[3]]]}}}",
        // RFC 8259 §6 numbers.
        "{\"n\":[0,-0,1,-1,10,1234567890,0.5,-0.5,10.25,1e5,1E5,1e+5,1e-5,1E-05,-0.0e-0,0e0,123456789012345678901234567890]}",
        "{\"n\":1796050823}",
        "{\"n\":-9223372036854775808}",
        "{\"n\":1e999999999999}",
        // RFC 8259 §7 escapes.
        "{\"s\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"}",
        "{\"s\":\"\\u0000\\u001f\\u0041\\u00e9\\u00E9\\u20AC\\uFFFF\"}",
        "{\"s\":\"\\ud83d\\ude00 \\uD83D\\uDE00 \\udbff\\udfff \\ud800\\udc00\"}",
        "{\"\\u0073\\u0075\\u0062\":\"x\"}",
        // UTF-8 text, DEL, and a '/' that is only a character in a string.
        "{\"s\":\"Médecin € 😀 \u007f /* not a comment */\"}",
        "{\"é\":\"Zoë\"}",
        // A long string crosses several 16-byte blocks, with its special bytes in various places.
        "{\"s\":\"" + new string('a', 15) + "\\n" + new string('b', 31) + "é" + new string('c', 17) + "\"}",
        // Top-level values other than objects are JSON texts too (the validator refuses them as not objects).
        "1",
        " -1.5e3 ",
        "\"x\"",
        "true",
        "null",
        "[]",
        "[1,\"a\",[{}]]",
    ];

    [Theory]
    [MemberData(nameof(ValidDocuments))]
    public void Valid_json_is_read_token_for_token_like_Utf8JsonReader(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var expected = JsonOracle.Read(bytes);
        Assert.True(expected.Accepted, $"the oracle refuses {json}: {expected.Error}");
        var actual = JsonOracle.ReadWithClaimsReader(bytes);
        Assert.True(actual.Accepted, $"{actual.Error} at {actual.Position} in {json}");
        Assert.Equal(expected.Tokens, actual.Tokens);
    }

    public static TheoryData<string, string> InvalidDocuments() => new()
    {
        // RFC 8259 §2: a JSON text is one value with optional whitespace (space, tab, LF, CR only) around it.
        { "", nameof(ClaimsJsonError.NoValue) },
        { " \t\r\n", nameof(ClaimsJsonError.NoValue) },
        { "\uFEFF{}", nameof(ClaimsJsonError.InvalidStartOfValue) },
        { "\f{}", nameof(ClaimsJsonError.InvalidStartOfValue) },
        { "{\f}", nameof(ClaimsJsonError.ExpectedPropertyName) },
        { "{\v}", nameof(ClaimsJsonError.ExpectedPropertyName) },
        { "{\u00a0}", nameof(ClaimsJsonError.ExpectedPropertyName) },
        { "{\"a\":\u00a01}", nameof(ClaimsJsonError.InvalidStartOfValue) },
        { "{} x", nameof(ClaimsJsonError.TrailingContent) },
        { "{}{}", nameof(ClaimsJsonError.TrailingContent) },
        { "{}\0", nameof(ClaimsJsonError.TrailingContent) },
        { "{},", nameof(ClaimsJsonError.TrailingContent) },
        { "1 2", nameof(ClaimsJsonError.TrailingContent) },
        // RFC 8259 §4 objects.
        { "{", nameof(ClaimsJsonError.EndOfData) },
        { "{\"a\"", nameof(ClaimsJsonError.EndOfData) },
        { "{\"a\":", nameof(ClaimsJsonError.EndOfData) },
        { "{\"a\":1", nameof(ClaimsJsonError.EndOfData) },
        { "{\"a\":1 ", nameof(ClaimsJsonError.EndOfData) },
        { "{\"a\":\"b\"", nameof(ClaimsJsonError.EndOfData) },
        { "{\"a\":1,", nameof(ClaimsJsonError.EndOfData) },
        { "{,}", nameof(ClaimsJsonError.ExpectedPropertyName) },
        { "{,\"a\":1}", nameof(ClaimsJsonError.ExpectedPropertyName) },
        { "{\"a\":1,}", nameof(ClaimsJsonError.TrailingComma) },
        { "{\"a\":1,,\"b\":2}", nameof(ClaimsJsonError.ExpectedPropertyName) },
        { "{a:1}", nameof(ClaimsJsonError.ExpectedPropertyName) },
        { "{'a':1}", nameof(ClaimsJsonError.ExpectedPropertyName) },
        { "{1:1}", nameof(ClaimsJsonError.ExpectedPropertyName) },
        { "{\"a\" 1}", nameof(ClaimsJsonError.ExpectedColon) },
        { "{\"a\"=1}", nameof(ClaimsJsonError.ExpectedColon) },
        { "{\"a\"::1}", nameof(ClaimsJsonError.InvalidStartOfValue) },
        { "{\"a\":}", nameof(ClaimsJsonError.InvalidStartOfValue) },
        { "{\"a\":1 \"b\":2}", nameof(ClaimsJsonError.ExpectedSeparatorOrEnd) },
        { "{\"a\":1]", nameof(ClaimsJsonError.ExpectedSeparatorOrEnd) },
        { "{\"a\":\"b\"\"c\":1}", nameof(ClaimsJsonError.ExpectedSeparatorOrEnd) },
        { "{\"a\":1;\"b\":2}", nameof(ClaimsJsonError.InvalidEndOfNumber) },
        { "{\"a\":true;\"b\":2}", nameof(ClaimsJsonError.ExpectedSeparatorOrEnd) },
        { "{/**/}", nameof(ClaimsJsonError.ExpectedPropertyName) },
        { "{\"a\":1/**/}", nameof(ClaimsJsonError.ExpectedSeparatorOrEnd) },
        { "{\"a\":1//\n}", nameof(ClaimsJsonError.ExpectedSeparatorOrEnd) },
        // RFC 8259 §5 arrays.
        { "{\"a\":[}", nameof(ClaimsJsonError.InvalidStartOfValue) },
        { "{\"a\":[1,]}", nameof(ClaimsJsonError.TrailingComma) },
        { "{\"a\":[,1]}", nameof(ClaimsJsonError.InvalidStartOfValue) },
        { "{\"a\":[1 2]}", nameof(ClaimsJsonError.ExpectedSeparatorOrEnd) },
        { "{\"a\":[1}", nameof(ClaimsJsonError.ExpectedSeparatorOrEnd) },
        { "{\"a\":[\"x\":1]}", nameof(ClaimsJsonError.ExpectedSeparatorOrEnd) },
        { "[", nameof(ClaimsJsonError.EndOfData) },
        // RFC 8259 §3 literals: lowercase, complete.
        { "{\"a\":tru}", nameof(ClaimsJsonError.InvalidLiteral) },
        { "{\"a\":True}", nameof(ClaimsJsonError.InvalidStartOfValue) },
        { "{\"a\":nul", nameof(ClaimsJsonError.InvalidLiteral) },
        { "{\"a\":nulll}", nameof(ClaimsJsonError.ExpectedSeparatorOrEnd) },
        { "{\"a\":falsey}", nameof(ClaimsJsonError.ExpectedSeparatorOrEnd) },
        { "{\"a\":undefined}", nameof(ClaimsJsonError.InvalidStartOfValue) },
        { "{\"a\":NaN}", nameof(ClaimsJsonError.InvalidStartOfValue) },
        { "{\"a\":Infinity}", nameof(ClaimsJsonError.InvalidStartOfValue) },
        // RFC 8259 §6 numbers: no '+', no leading zeros, no lone '-', digits around '.', digits in the exponent.
        { "{\"a\":+1}", nameof(ClaimsJsonError.InvalidStartOfValue) },
        { "{\"a\":.5}", nameof(ClaimsJsonError.InvalidStartOfValue) },
        { "{\"a\":01}", nameof(ClaimsJsonError.LeadingZero) },
        { "{\"a\":-01}", nameof(ClaimsJsonError.LeadingZero) },
        { "{\"a\":00}", nameof(ClaimsJsonError.LeadingZero) },
        { "{\"a\":-}", nameof(ClaimsJsonError.ExpectedDigit) },
        { "{\"a\":--1}", nameof(ClaimsJsonError.ExpectedDigit) },
        { "{\"a\":-a}", nameof(ClaimsJsonError.ExpectedDigit) },
        { "{\"a\":-Infinity}", nameof(ClaimsJsonError.ExpectedDigit) },
        { "{\"a\":1.}", nameof(ClaimsJsonError.ExpectedDigit) },
        { "{\"a\":1.e5}", nameof(ClaimsJsonError.ExpectedDigit) },
        { "{\"a\":1e}", nameof(ClaimsJsonError.ExpectedDigit) },
        { "{\"a\":1e+}", nameof(ClaimsJsonError.ExpectedDigit) },
        { "{\"a\":1E-}", nameof(ClaimsJsonError.ExpectedDigit) },
        { "{\"a\":1e5.5}", nameof(ClaimsJsonError.InvalidEndOfNumber) },
        { "{\"a\":1.5.5}", nameof(ClaimsJsonError.InvalidEndOfNumber) },
        { "{\"a\":0x10}", nameof(ClaimsJsonError.InvalidEndOfNumber) },
        { "{\"a\":1x}", nameof(ClaimsJsonError.InvalidEndOfNumber) },
        { "{\"a\":1é}", nameof(ClaimsJsonError.InvalidEndOfNumber) },
        { "{\"a\":1\"b\"}", nameof(ClaimsJsonError.InvalidEndOfNumber) },
        { "{\"a\":1\f}", nameof(ClaimsJsonError.InvalidEndOfNumber) },
        { "-", nameof(ClaimsJsonError.ExpectedDigit) },
        { "1.", nameof(ClaimsJsonError.ExpectedDigit) },
        // RFC 8259 §7 strings: control characters escaped, only the listed escapes, four hex digits after \u.
        { "{\"a\":\"\0\"}", nameof(ClaimsJsonError.UnescapedControlCharacter) },
        { "{\"a\":\"\t\"}", nameof(ClaimsJsonError.UnescapedControlCharacter) },
        { "{\"a\":\"\n\"}", nameof(ClaimsJsonError.UnescapedControlCharacter) },
        { "{\"a\":\"\u001f\"}", nameof(ClaimsJsonError.UnescapedControlCharacter) },
        { "{\"a\u0001\":1}", nameof(ClaimsJsonError.UnescapedControlCharacter) },
        { "{\"a\":\"" + "0123456789abcdef0123\n\"}", nameof(ClaimsJsonError.UnescapedControlCharacter) },
        { "{\"a\":\"\\x\"}", nameof(ClaimsJsonError.InvalidEscape) },
        { "{\"a\":\"\\a\"}", nameof(ClaimsJsonError.InvalidEscape) },
        { "{\"a\":\"\\'\"}", nameof(ClaimsJsonError.InvalidEscape) },
        { "{\"a\":\"\\U0041\"}", nameof(ClaimsJsonError.InvalidEscape) },
        { "{\"a\":\"\\ \"}", nameof(ClaimsJsonError.InvalidEscape) },
        { "{\"a\":\"\\u12\"}", nameof(ClaimsJsonError.InvalidUnicodeEscape) },
        { "{\"a\":\"\\u12G4\"}", nameof(ClaimsJsonError.InvalidUnicodeEscape) },
        { "{\"a\":\"\\u-123\"}", nameof(ClaimsJsonError.InvalidUnicodeEscape) },
        { "{\"a\":\"\\u", nameof(ClaimsJsonError.InvalidUnicodeEscape) },
        { "{\"a\":\"\\", nameof(ClaimsJsonError.EndOfData) },
        { "{\"a\":\"abc", nameof(ClaimsJsonError.EndOfData) },
        { "{\"a\":\"" + new string('x', 40), nameof(ClaimsJsonError.EndOfData) },
        { "{\"a", nameof(ClaimsJsonError.EndOfData) },
        // Surrogates must come in pairs, high then low (RFC 8259 §7, §8.2; Utf8JsonReader.GetString refuses the rest).
        { "{\"a\":\"\\ud800\"}", nameof(ClaimsJsonError.UnpairedSurrogate) },
        { "{\"a\":\"\\uDBFF\"}", nameof(ClaimsJsonError.UnpairedSurrogate) },
        { "{\"a\":\"\\udc00\"}", nameof(ClaimsJsonError.UnpairedSurrogate) },
        { "{\"a\":\"\\ude00\\ud83d\"}", nameof(ClaimsJsonError.UnpairedSurrogate) },
        { "{\"a\":\"\\ud800\\u0041\"}", nameof(ClaimsJsonError.UnpairedSurrogate) },
        { "{\"a\":\"\\ud800\\ud800\"}", nameof(ClaimsJsonError.UnpairedSurrogate) },
        { "{\"a\":\"\\ud800x\"}", nameof(ClaimsJsonError.UnpairedSurrogate) },
        { "{\"a\":\"\\ud800\\n\"}", nameof(ClaimsJsonError.UnpairedSurrogate) },
        { "{\"\\ud800\":1}", nameof(ClaimsJsonError.UnpairedSurrogate) },
        // Nesting: 32 levels including the top-level object, as Utf8JsonReader with MaxDepth 32.
        { "{\"a\":" + new string('[', 32) + new string(']', 32) + "}", nameof(ClaimsJsonError.DepthExceeded) },
        { "{\"a\":" + string.Concat(Enumerable.Repeat("{\"b\":", 32)) + "1" + new string('}', 32) + "}", nameof(ClaimsJsonError.DepthExceeded) },
        { new string('[', 33) + new string(']', 33), nameof(ClaimsJsonError.DepthExceeded) },
        { "{\"a\":" + new string('[', 5000) + new string(']', 5000) + "}", nameof(ClaimsJsonError.DepthExceeded) },
    };

    [Theory]
    [MemberData(nameof(InvalidDocuments))]
    public void Invalid_json_is_refused_for_the_right_reason(string json, string error)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.False(JsonOracle.Read(bytes).Accepted, $"the oracle accepts {json}");
        var actual = JsonOracle.ReadWithClaimsReader(bytes);
        Assert.Equal(Enum.Parse<ClaimsJsonError>(error), actual.Error);
        Assert.InRange(actual.Position, 0, bytes.Length);
    }

    public static TheoryData<byte[], string> InvalidUtf8() => new()
    {
        // RFC 8259 §8.1 / RFC 3629 §4: only well-formed UTF-8. Utf8JsonReader reads these strings but cannot decode
        // them (GetString throws); this reader refuses them at once.
        { Quoted(0xFF), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0xFE), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0x80), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0xBF), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0xC0, 0xAF), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0xC1, 0xBF), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0xE0, 0x80, 0xAF), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0xF0, 0x80, 0x80, 0xAF), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0xED, 0xA0, 0x80), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0xED, 0xBF, 0xBF), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0xF4, 0x90, 0x80, 0x80), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0xF5, 0x80, 0x80, 0x80), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0xC3), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0xE2, 0x82), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0xF0, 0x9F, 0x98), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0xC3, 0x41), nameof(ClaimsJsonError.InvalidUtf8) },
        { Quoted(0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F, 0x50, 0x51, 0xC3, 0x28), nameof(ClaimsJsonError.InvalidUtf8) },
        { [.. "{\""u8, 0xFF, .. "\":1}"u8], nameof(ClaimsJsonError.InvalidUtf8) },
        { [.. "{\"a\":\"\\n"u8, 0xC3], nameof(ClaimsJsonError.InvalidUtf8) },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void Strings_that_are_not_utf8_are_refused(byte[] json, string error)
    {
        var oracle = JsonOracle.Read(json);
        Assert.False(oracle.Accepted);
        Assert.Equal(Enum.Parse<ClaimsJsonError>(error), JsonOracle.ReadWithClaimsReader(json).Error);
    }

    [Fact]
    public void Well_formed_utf8_of_every_length_is_accepted()
    {
        // One scalar value of each UTF-8 length, at the edges of the ranges RFC 3629 §4 allows.
        foreach (var scalar in new[] { 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF })
        {
            var text = char.ConvertFromUtf32(scalar);
            var bytes = Encoding.UTF8.GetBytes("{\"s\":\"" + text + "\",\"" + text + "\":\"" + new string('x', 20) + text + "\"}");
            Assert.True(JsonOracle.ReadWithClaimsReader(bytes).Accepted, $"U+{scalar:X4}");
            Assert.True(JsonOracle.Read(bytes).Accepted);
        }
    }

    [Fact]
    public void Nesting_to_the_maximum_depth_is_accepted()
    {
        var arrays = "{\"a\":" + new string('[', ClaimsJsonReader.MaxDepth - 1) + new string(']', ClaimsJsonReader.MaxDepth - 1) + "}";
        var objects = "{\"a\":" + string.Concat(Enumerable.Repeat("{\"b\":", ClaimsJsonReader.MaxDepth - 1)) + "1" + new string('}', ClaimsJsonReader.MaxDepth - 1) + "}";
        foreach (var json in new[] { arrays, objects })
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            Assert.True(JsonOracle.Read(bytes).Accepted);
            Assert.True(JsonOracle.ReadWithClaimsReader(bytes).Accepted);
        }
    }

    [Fact]
    public void Read_returns_false_with_no_error_at_the_end_and_stays_there()
    {
        var reader = new ClaimsJsonReader("{\"a\":1} \r\n"u8);
        Assert.True(reader.Read());
        Assert.Equal(0, reader.TokenStartIndex);
        Assert.True(reader.Read());
        Assert.Equal(JsonTokenType.PropertyName, reader.TokenType);
        Assert.True(reader.Read());
        Assert.Equal(JsonTokenType.Number, reader.TokenType);
        Assert.Equal(6, reader.BytesConsumed);
        Assert.True(reader.Read());
        Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
        Assert.Equal(0, reader.CurrentDepth);
        Assert.False(reader.Read());
        Assert.Equal(ClaimsJsonError.None, reader.Error);
        Assert.False(reader.Read());
        Assert.Equal(ClaimsJsonError.None, reader.Error);
    }

    [Fact]
    public void After_an_error_every_read_fails()
    {
        var reader = new ClaimsJsonReader("{\"a\":01,\"b\":2}"u8);
        Assert.True(reader.Read());
        Assert.True(reader.Read());
        Assert.False(reader.Read());
        Assert.Equal(ClaimsJsonError.LeadingZero, reader.Error);
        Assert.Equal(5, reader.ErrorPosition);
        Assert.False(reader.Read());
        Assert.False(reader.Skip());
        Assert.Equal(ClaimsJsonError.LeadingZero, reader.Error);
        Assert.Contains("leading zero", reader.DescribeError(), StringComparison.Ordinal);
        Assert.Contains("RFC 8259 §6", reader.DescribeError(), StringComparison.Ordinal);
        Assert.Contains("byte 5", reader.DescribeError(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_has_a_description()
    {
        var examples = InvalidDocuments().Select(static row => (Encoding.UTF8.GetBytes((string)row[0]), Enum.Parse<ClaimsJsonError>((string)row[1])))
            .Concat(InvalidUtf8().Select(static row => ((byte[])row[0], Enum.Parse<ClaimsJsonError>((string)row[1]))))
            .ToList();
        foreach (var error in Enum.GetValues<ClaimsJsonError>().Where(static e => e != ClaimsJsonError.None))
        {
            var json = examples.First(example => example.Item2 == error).Item1;
            var reader = new ClaimsJsonReader(json);
            while (reader.Read())
            {
            }

            Assert.Equal(error, reader.Error);
            Assert.Matches("RFC|deep|complete", reader.DescribeError());
        }
    }

    [Fact]
    public void Skip_reads_a_whole_container_and_checks_it()
    {
        var reader = new ClaimsJsonReader("{\"x\":{\"a\":[1,{\"b\":null}],\"c\":\"d\"},\"y\":2}"u8);
        Assert.True(reader.Read());
        Assert.True(reader.Read());
        Assert.True(reader.Read());
        Assert.Equal(JsonTokenType.StartObject, reader.TokenType);
        Assert.True(reader.Skip());
        Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
        Assert.Equal(1, reader.CurrentDepth);
        Assert.True(reader.Read());
        Assert.True(reader.ValueTextEquals("y"u8));
        Assert.True(reader.Read());
        Assert.True(reader.Skip()); // a scalar: nothing to skip
        Assert.Equal(JsonTokenType.Number, reader.TokenType);
        Assert.True(reader.Read());
        Assert.False(reader.Read());
        Assert.Equal(ClaimsJsonError.None, reader.Error);

        var bad = new ClaimsJsonReader("{\"x\":[1,[2,01]],\"y\":2}"u8);
        Assert.True(bad.Read());
        Assert.True(bad.Read());
        Assert.True(bad.Read());
        Assert.False(bad.Skip());
        Assert.Equal(ClaimsJsonError.LeadingZero, bad.Error);

        var deep = new ClaimsJsonReader(Encoding.UTF8.GetBytes("{\"x\":" + new string('[', 40) + new string(']', 40) + "}"));
        Assert.True(deep.Read());
        Assert.True(deep.Read());
        Assert.True(deep.Read());
        Assert.False(deep.Skip());
        Assert.Equal(ClaimsJsonError.DepthExceeded, deep.Error);
    }

    public static TheoryData<string> Strings() =>
    [
        "",
        "plain",
        "https://sso.chu-exemple.fr",
        "Médecin",
        "😀",
        "\\\"",
        "\\\\",
        "\\/",
        "\\b\\f\\n\\r\\t",
        "\\u0041\\u00e9\\u20ac\\uD83D\\uDE00",
        "\\u0000",
        "a\\u0062c",
        "carte\\u0061uth",
        "\\u0063arteauth",
        "carteaut\\u0068",
        "carteauth\\n",
        "\\u0063\\u0061\\u0072\\u0074\\u0065\\u0061\\u0075\\u0074\\u0068",
        "long \\u00e9" + "0123456789012345678901234567890123456789",
        "🙂 Zoë \\ud83d\\ude42",
    ];

    [Theory]
    [MemberData(nameof(Strings))]
    public void String_values_decode_like_Utf8JsonReader(string raw)
    {
        var json = Encoding.UTF8.GetBytes("{\"" + raw + "\":\"" + raw + "\"}");
        var expected = new Utf8JsonReader(json);
        var actual = new ClaimsJsonReader(json);
        for (var token = 0; token < 3; token++)
        {
            Assert.True(expected.Read());
            Assert.True(actual.Read());
            if (token == 0)
            {
                continue;
            }

            Assert.Equal(expected.TokenType, actual.TokenType);
            var text = expected.GetString()!;
            Assert.Equal(text, actual.GetString());
            Assert.Equal(expected.ValueIsEscaped, actual.ValueIsEscaped);
            var utf8 = Encoding.UTF8.GetBytes(text);
            Assert.True(actual.ValueTextEquals(utf8));
            Assert.True(actual.ValueTextEquals(Encoding.UTF8.GetBytes("carteauth")) == expected.ValueTextEquals("carteauth"u8));
            Assert.False(actual.ValueTextEquals([.. utf8, (byte)'x']));
            if (utf8.Length > 0)
            {
                Assert.False(actual.ValueTextEquals(utf8.AsSpan(0, utf8.Length - 1)));
            }

            var buffer = new byte[utf8.Length];
            Assert.True(actual.TryCopyValue(buffer, out var written));
            Assert.Equal(utf8, buffer[..written]);
            if (utf8.Length > 0)
            {
                Assert.False(actual.TryCopyValue(new byte[utf8.Length - 1], out _));
            }
        }
    }

    [Fact]
    public void Long_expected_texts_are_compared_without_a_stack_buffer()
    {
        var text = new string('é', 300);
        var json = Encoding.UTF8.GetBytes("{\"a\":\"\\u00e9" + text[1..] + "\"}");
        var reader = new ClaimsJsonReader(json);
        Assert.True(reader.Read());
        Assert.True(reader.Read());
        Assert.True(reader.Read());
        Assert.True(reader.ValueTextEquals(Encoding.UTF8.GetBytes(text)));
        Assert.False(reader.ValueTextEquals(Encoding.UTF8.GetBytes(text[1..] + "e")));
        Assert.Equal(text, reader.GetString());
    }

    public static TheoryData<string> Numbers() =>
    [
        "0", "-0", "1", "-1", "7", "1796050823", "253402300799", "253402300800", "-62135596800", "999999999999999",
        "1000000000000000", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "123456789012345678901234567890", "0.0", "1.0", "1.5", "-1.5", "0.1", "1796050823.999", "1796050823.0001",
        "1e0", "1e3", "1E3", "1e+3", "1e-3", "1.5e3", "17960508.23e2", "1e308", "1.7976931348623157e308", "1e309",
        "-1e309", "1e400", "4.9e-324", "1e-400", "-0.0", "0e0", "0.000000000000000000001", "1" + new string('0', 400),
    ];

    [Theory]
    [MemberData(nameof(Numbers))]
    public void Numbers_convert_like_Utf8JsonReader(string number)
    {
        var json = Encoding.UTF8.GetBytes("{\"n\":" + number + "}");
        var expected = new Utf8JsonReader(json);
        var actual = new ClaimsJsonReader(json);
        for (var token = 0; token < 3; token++)
        {
            Assert.True(expected.Read());
            Assert.True(actual.Read());
        }

        Assert.Equal(JsonTokenType.Number, actual.TokenType);
        Assert.Equal(number, Encoding.UTF8.GetString(actual.ValueSpan));
        Assert.Equal(expected.TryGetInt64(out var expectedLong), actual.TryGetInt64(out var actualLong));
        Assert.Equal(expectedLong, actualLong);
        Assert.Equal(expected.TryGetDouble(out var expectedDouble), actual.TryGetDouble(out var actualDouble));
        Assert.Equal(expectedDouble.ToString("R", CultureInfo.InvariantCulture), actualDouble.ToString("R", CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Plain_integers_are_parsed_eight_digits_at_a_time()
    {
        var random = new Random(6);
        var numbers = new List<string> { "0", "7", "10", "99999999", "100000000", "1796050823", "999999999999999", "123456789012345" };
        for (var length = 1; length <= 15; length++)
        {
            for (var k = 0; k < 200; k++)
            {
                var digits = new char[length];
                digits[0] = (char)('1' + random.Next(9));
                for (var d = 1; d < length; d++)
                {
                    digits[d] = (char)('0' + random.Next(10));
                }

                numbers.Add(new string(digits));
            }
        }

        foreach (var number in numbers)
        {
            var reader = new ClaimsJsonReader(Encoding.ASCII.GetBytes("[" + number + "]"));
            Assert.True(reader.Read());
            Assert.True(reader.Read());
            Assert.True(reader.TryGetPlainInteger(out var value), number);
            Assert.Equal(long.Parse(number, CultureInfo.InvariantCulture), value);
        }

        // Anything but 1 to 15 plain digits is left to TryGetInt64 and TryGetDouble.
        foreach (var other in new[] { "-1", "1.5", "1e3", "1234567890123456", "-0", "0.0" })
        {
            var reader = new ClaimsJsonReader(Encoding.ASCII.GetBytes("[" + other + "]"));
            Assert.True(reader.Read());
            Assert.True(reader.Read());
            Assert.False(reader.TryGetPlainInteger(out _), other);
        }

        var text = new ClaimsJsonReader("[\"12345678\"]"u8);
        Assert.True(text.Read());
        Assert.True(text.Read());
        Assert.False(text.TryGetPlainInteger(out _));
    }

    [Fact]
    public void ReadMember_reads_a_name_and_its_value_at_once()
    {
        var reader = new ClaimsJsonReader(" { \"a\" : \"x\" , \"b\\u0063\":[1,{\"d\":2}] ,\"e\":{}}"u8);
        Assert.True(reader.Read());
        Assert.True(reader.ReadMember());
        Assert.Equal(3, reader.MemberStartIndex);
        Assert.True(reader.MemberNameSpan.SequenceEqual("a"u8));
        Assert.False(reader.MemberNameIsEscaped);
        Assert.Equal(JsonTokenType.String, reader.TokenType);
        Assert.Equal("x", reader.GetString());

        Assert.True(reader.ReadMember());
        Assert.True(reader.MemberNameIsEscaped);
        Span<byte> name = stackalloc byte[2];
        Assert.True(reader.TryCopyMemberName(name, out var written));
        Assert.True(name[..written].SequenceEqual("bc"u8));
        Assert.False(reader.TryCopyMemberName(stackalloc byte[1], out _));
        Assert.Equal(JsonTokenType.StartArray, reader.TokenType);

        // In an array ReadMember has nothing to read: it reports the next token as Read would, and false.
        Assert.False(reader.ReadMember());
        Assert.Equal(ClaimsJsonError.None, reader.Error);
        Assert.Equal(JsonTokenType.Number, reader.TokenType);
        Assert.True(reader.Read());
        Assert.Equal(JsonTokenType.StartObject, reader.TokenType);
        Assert.True(reader.ReadMember());
        Assert.True(reader.MemberNameSpan.SequenceEqual("d"u8));
        Assert.False(reader.ReadMember());
        Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
        Assert.True(reader.Read());
        Assert.Equal(JsonTokenType.EndArray, reader.TokenType);

        Assert.True(reader.ReadMember());
        Assert.True(reader.MemberNameSpan.SequenceEqual("e"u8));
        Assert.True(reader.Skip());
        Assert.False(reader.ReadMember());
        Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
        Assert.Equal(0, reader.CurrentDepth);
        Assert.False(reader.ReadMember());
        Assert.False(reader.Read());
        Assert.Equal(ClaimsJsonError.None, reader.Error);
    }

    [Fact]
    public void Members_of_every_short_length_near_the_end_of_the_data_read_like_Utf8JsonReader()
    {
        // ReadMember classifies 32 bytes at once: names and values on both sides of that length, at every distance
        // from the end of the data, with the special bytes it must notice.
        string[] fillers = ["a", "é", "\\n", "\t"];
        foreach (var filler in fillers)
        {
            for (var nameLength = 0; nameLength <= 36; nameLength++)
            {
                for (var valueLength = 0; valueLength <= 36; valueLength += 3)
                {
                    var name = string.Concat(Enumerable.Repeat("n", nameLength));
                    if (nameLength > 0 && filler != "a")
                    {
                        name = name[..(nameLength / 2)] + filler + name[(nameLength / 2)..];
                    }

                    var value = string.Concat(Enumerable.Repeat("v", valueLength));
                    foreach (var member in new[] { $"\"{name}\":\"{value}\"", $"\"{name}\":\"{value}{filler}\"", $"\"{name}\":1{valueLength}", $"\"{name}\":true", $"\"{name}\":[\"{value}\"]", $"\"{name}\": \"{value}\"", $"\"{name}\":\"{value}" })
                    {
                        foreach (var json in new[] { "{" + member + "}", "{\"x\":0," + member + "}", "{" + member + ",\"y\":{}}", "{" + member, "{\"" + name + "\":", "{\"x\":0,\"" + name + "\":", "{\"" + name + "\":\"" })
                        {
                            var bytes = Encoding.UTF8.GetBytes(json);
                            var expected = JsonOracle.Read(bytes);
                            var members = JsonOracle.ReadWithMembers(bytes);
                            Assert.True(expected.Accepted == members.Accepted, json);
                            if (expected.Accepted)
                            {
                                Assert.Equal(expected.Tokens, members.Tokens);
                            }
                        }
                    }
                }
            }
        }
    }

    private static byte[] Quoted(params byte[] content) => [.. "{\"s\":\""u8, .. content, .. "\"}"u8];
}
