using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Json;

namespace CarteAuth.Tokens;

/// <summary>
/// A strict, forward-only, allocation-free reader of one RFC 8259 JSON text, written for the claims set of session
/// tokens (<see cref="SessionTokenValidator"/>): the same token stream as <see cref="Utf8JsonReader"/> with default
/// options and <c>MaxDepth</c> 32 (no comments, no trailing commas, a single top-level value), at a fraction of the cost.
/// </summary>
/// <remarks>
/// <para>It accepts exactly the documents <see cref="Utf8JsonReader"/> reads whose strings all decode, and refuses the
/// rest. The one deliberate difference: <see cref="Utf8JsonReader"/> does not check while reading that string bytes are
/// well-formed UTF-8 or that <c>\u</c> escapes pair their surrogates (only <see cref="Utf8JsonReader.GetString"/>
/// does, later); this reader refuses both at once (RFC 8259 §8.1, RFC 7519 §7.2 step 10: "a UTF-8-encoded
/// representation of a completely valid JSON object"; RFC 7493 §2.1), so every string it accepts can be decoded.</para>
/// <para>It never throws on bad input: <see cref="Read"/>, <see cref="ReadMember"/> and <see cref="Skip"/> return false
/// and <see cref="Error"/> says why (<see cref="DescribeError"/> for a message). <see cref="Read"/> also returns false,
/// with no error, once the top-level value is complete and only whitespace follows.</para>
/// <para>Speed comes from reading compact JSON with few dependent steps: strings are scanned sixteen bytes at a time
/// for the bytes that need a look, plain integers eight digits at a time, and <see cref="ReadMember"/> reads a member's
/// name and value in one call. Escapes and UTF-8 sequences take a slower path.</para>
/// </remarks>
internal ref struct ClaimsJsonReader
{
    /// <summary>Deepest nesting of objects and arrays accepted, the top-level object included (as <c>MaxDepth</c> 32).</summary>
    public const int MaxDepth = 32;

    // Bytes that may appear in a string as they are (1) or need a look (0). RFC 8259 §7:
    //   unescaped = %x20-21 / %x23-5B / %x5D-10FFFF   (i.e. not '"', not '\', not a control character)
    // Bytes of 0x80 and above are marked 0: they start UTF-8 sequences, checked one by one.
    private static ReadOnlySpan<byte> PlainTable =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    private readonly ReadOnlySpan<byte> _json;
    private int _position;
    private int _depth;

    // Bit d is set when the container opened at depth d (0 for the top level) is an array.
    private uint _arrays;
    private int _valueStart;
    private int _valueLength;
    private int _nameStart;
    private int _nameLength;
    private bool _nameIsEscaped;
    private int _errorPosition;

    /// <summary>Creates a reader over a complete JSON text.</summary>
    public ClaimsJsonReader(ReadOnlySpan<byte> json)
    {
        _json = json;
    }

    /// <summary>The last token read (<see cref="JsonTokenType.None"/> before the first).</summary>
    public JsonTokenType TokenType { get; private set; }

    /// <summary>Where the last token starts: its opening quote for strings and property names.</summary>
    public int TokenStartIndex { get; private set; }

    /// <summary>Bytes read so far: after a value, the index just past it (past the ':' after a property name).</summary>
    public readonly int BytesConsumed => _position;

    /// <summary>Objects and arrays open around the current position.</summary>
    public readonly int CurrentDepth => _depth;

    /// <summary>True when the current string or property name holds at least one escape (its raw bytes differ from its text).</summary>
    public bool ValueIsEscaped { get; private set; }

    /// <summary>The raw bytes of the current token: a string's or a name's without the quotes (escapes as written), a number's, a literal's.</summary>
    public readonly ReadOnlySpan<byte> ValueSpan => _json.Slice(_valueStart, _valueLength);

    /// <summary>Why the last <see cref="Read"/> or <see cref="Skip"/> failed, or <see cref="ClaimsJsonError.None"/>.</summary>
    public ClaimsJsonError Error { get; private set; }

    /// <summary>The byte index where <see cref="Error"/> was found.</summary>
    public readonly int ErrorPosition => _errorPosition;

    /// <summary>
    /// Reads the next token. False at the end of a complete document (<see cref="Error"/> is then
    /// <see cref="ClaimsJsonError.None"/>) or on the first violation of the grammar (<see cref="Error"/> says which);
    /// once an error is found, every later call returns false.
    /// </summary>
    public bool Read()
    {
        var json = _json;
        var i = _position;
        if (Error != ClaimsJsonError.None)
        {
            return false;
        }

        // RFC 8259 §2: insignificant whitespace is allowed before or after any of the structural characters (and
        // around the top-level value); compact JSON has none, so one comparison usually settles it.
        if ((uint)i < (uint)json.Length && json[i] <= 0x20)
        {
            i = SkipWhitespace(json, i);
        }

        if ((uint)i >= (uint)json.Length)
        {
            return ReadEnd(i);
        }

        var b = json[i];
        bool name;
        switch (TokenType)
        {
            case JsonTokenType.None:
            case JsonTokenType.PropertyName:
                // RFC 8259 §2: JSON-text = ws value ws. §4: member = string name-separator value (the name-separator
                // was read with the name).
                name = false;
                break;
            case JsonTokenType.StartObject:
                // RFC 8259 §4: object = begin-object [ member *( value-separator member ) ] end-object.
                if (b == (byte)'}')
                {
                    return EndContainer(i, JsonTokenType.EndObject);
                }

                name = true;
                break;
            case JsonTokenType.StartArray:
                // RFC 8259 §5: array = begin-array [ value *( value-separator value ) ] end-array.
                if (b == (byte)']')
                {
                    return EndContainer(i, JsonTokenType.EndArray);
                }

                name = false;
                break;
            default:
                // After a value: the end of its object or array, or a value-separator and the next member or value.
                if (_depth == 0)
                {
                    // RFC 8259 §2: a JSON text is a single value; only whitespace may follow it.
                    return Fail(ClaimsJsonError.TrailingContent, i);
                }

                var inArray = (_arrays & (1u << (_depth - 1))) != 0;
                var close = inArray ? (byte)']' : (byte)'}';
                if (b != (byte)',')
                {
                    return b == close
                        ? EndContainer(i, inArray ? JsonTokenType.EndArray : JsonTokenType.EndObject)
                        : Fail(ClaimsJsonError.ExpectedSeparatorOrEnd, i);
                }

                // RFC 8259 §2: value-separator = ws %x2C ws.
                i++;
                if ((uint)i < (uint)json.Length && json[i] <= 0x20)
                {
                    i = SkipWhitespace(json, i);
                }

                if ((uint)i >= (uint)json.Length)
                {
                    return Fail(ClaimsJsonError.EndOfData, i);
                }

                b = json[i];
                if (b == close)
                {
                    return Fail(ClaimsJsonError.TrailingComma, i);
                }

                name = !inArray;
                break;
        }

        return name ? ReadPropertyName(json, i, b) : ReadValue(json, i, b);
    }

    /// <summary>
    /// In an object, reads its next member at once: the name (<see cref="MemberNameSpan"/>,
    /// <see cref="MemberNameIsEscaped"/>) and the first token of the value, which becomes the current token. The same
    /// as two <see cref="Read"/> calls (a <see cref="JsonTokenType.PropertyName"/>, then the value), faster. False at the
    /// end of the object (the current token is then its <see cref="JsonTokenType.EndObject"/>, with no error), or on an
    /// error. Call it after the object's <see cref="JsonTokenType.StartObject"/> or after a member's value (after
    /// <see cref="Skip"/> for an object or array value). Anywhere else (in an array, after a property name, at the top
    /// level) it reads one token as <see cref="Read"/> does and returns false.
    /// </summary>
    public bool ReadMember()
    {
        var json = _json;
        var i = _position;
        if (Error != ClaimsJsonError.None)
        {
            return false;
        }

        if ((uint)i < (uint)json.Length && json[i] <= 0x20)
        {
            i = SkipWhitespace(json, i);
        }

        if ((uint)i >= (uint)json.Length || _depth == 0 || (_arrays & (1u << (_depth - 1))) != 0 || TokenType == JsonTokenType.PropertyName)
        {
            // Not where a member can start (or the data ends): Read says what.
            return ReadMemberSlow();
        }

        var b = json[i];
        if (TokenType == JsonTokenType.StartObject)
        {
            // RFC 8259 §4: object = begin-object [ member *( value-separator member ) ] end-object.
            if (b == (byte)'}')
            {
                _ = EndContainer(i, JsonTokenType.EndObject);
                return false;
            }
        }
        else
        {
            // After a member's value: the end of the object, or a value-separator (ws %x2C ws) and the next member.
            if (b != (byte)',')
            {
                if (b == (byte)'}')
                {
                    _ = EndContainer(i, JsonTokenType.EndObject);
                    return false;
                }

                return Fail(ClaimsJsonError.ExpectedSeparatorOrEnd, i);
            }

            i++;
            if ((uint)i < (uint)json.Length && json[i] <= 0x20)
            {
                i = SkipWhitespace(json, i);
            }

            if ((uint)i >= (uint)json.Length)
            {
                return Fail(ClaimsJsonError.EndOfData, i);
            }

            b = json[i];
            if (b == (byte)'}')
            {
                return Fail(ClaimsJsonError.TrailingComma, i);
            }
        }

        // RFC 8259 §4: member = string name-separator value; name-separator = ws %x3A ws.
        if (b != (byte)'"')
        {
            return Fail(ClaimsJsonError.ExpectedPropertyName, i);
        }

        var colon = ScanString(json, i);
        if (colon < 0)
        {
            return false;
        }

        _nameStart = _valueStart;
        _nameLength = _valueLength;
        _nameIsEscaped = ValueIsEscaped;
        if ((uint)colon < (uint)json.Length && json[colon] <= 0x20)
        {
            colon = SkipWhitespace(json, colon);
        }

        if ((uint)colon >= (uint)json.Length)
        {
            return Fail(ClaimsJsonError.EndOfData, colon);
        }

        if (json[colon] != (byte)':')
        {
            return Fail(ClaimsJsonError.ExpectedColon, colon);
        }

        TokenStartIndex = i;
        i = colon + 1;
        if ((uint)i < (uint)json.Length && json[i] <= 0x20)
        {
            i = SkipWhitespace(json, i);
        }

        if ((uint)i >= (uint)json.Length)
        {
            return Fail(ClaimsJsonError.EndOfData, i);
        }

        return ReadValue(json, i, json[i]);
    }

    /// <summary>Where the current member's name starts (its opening quote).</summary>
    public readonly int MemberStartIndex => _nameStart - 1;

    /// <summary>The current member's name (see <see cref="ReadMember"/>), raw: escapes as written, without the quotes.</summary>
    public readonly ReadOnlySpan<byte> MemberNameSpan => _json.Slice(_nameStart, _nameLength);

    /// <summary>True when the current member's name holds an escape.</summary>
    public readonly bool MemberNameIsEscaped => _nameIsEscaped;

    /// <summary>Copies the current member's name (escapes decoded, UTF-8) if it fits.</summary>
    public readonly bool TryCopyMemberName(Span<byte> destination, out int written)
    {
        var raw = MemberNameSpan;
        if (_nameIsEscaped)
        {
            return TryUnescape(raw, destination, out written);
        }

        written = raw.Length;
        return raw.TryCopyTo(destination);
    }

    /// <summary>
    /// After <see cref="JsonTokenType.StartObject"/> or <see cref="JsonTokenType.StartArray"/>, reads (and checks)
    /// everything up to the matching end token, which becomes the current token. Does nothing on other tokens.
    /// </summary>
    public bool Skip()
    {
        if (TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return Error == ClaimsJsonError.None;
        }

        var depth = _depth - 1;
        while (_depth > depth)
        {
            if (!Read())
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Compares the current string's (or property name's) text, escapes decoded, with UTF-8 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool ValueTextEquals(ReadOnlySpan<byte> utf8) =>
        ValueIsEscaped ? EscapedValueTextEquals(utf8) : ValueSpan.SequenceEqual(utf8);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly bool EscapedValueTextEquals(ReadOnlySpan<byte> utf8)
    {
        var raw = ValueSpan;

        // Decoding never lengthens a string: text longer than the raw bytes cannot match.
        if (utf8.Length > raw.Length)
        {
            return false;
        }

        byte[]? rented = null;
        Span<byte> buffer = utf8.Length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(utf8.Length));
        try
        {
            // A decoded text that does not fit in utf8.Length bytes is longer, so different.
            return TryUnescape(raw, buffer[..utf8.Length], out var written) && buffer[..written].SequenceEqual(utf8);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Copies the current string's text (escapes decoded, UTF-8) if it fits; false, copying nothing useful, if not.</summary>
    public readonly bool TryCopyValue(Span<byte> destination, out int written)
    {
        var raw = ValueSpan;
        if (ValueIsEscaped)
        {
            return TryUnescape(raw, destination, out written);
        }

        written = raw.Length;
        return raw.TryCopyTo(destination);
    }

    /// <summary>Decodes the current string or property name (the same text as <see cref="Utf8JsonReader.GetString"/>).</summary>
    public readonly string GetString()
    {
        var raw = ValueSpan;
        if (!ValueIsEscaped)
        {
            return Encoding.UTF8.GetString(raw);
        }

        byte[]? rented = null;
        Span<byte> buffer = raw.Length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(raw.Length));
        try
        {
            _ = TryUnescape(raw, buffer, out var written);
            return Encoding.UTF8.GetString(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// The current number when it is 1 to 15 plain digits (no sign, fraction or exponent), as NumericDates usually
    /// are; false for anything else (<see cref="TryGetInt64"/> and <see cref="TryGetDouble"/> read the rest).
    /// </summary>
    public readonly bool TryGetPlainInteger(out long value)
    {
        var digits = ValueSpan;
        value = 0;
        if (TokenType != JsonTokenType.Number || digits.Length is 0 or > 15)
        {
            return false;
        }

        ulong result = 0;
        var i = 0;
        if (digits.Length >= 8)
        {
            var eight = BinaryPrimitives.ReadUInt64LittleEndian(digits);
            if (!AreEightDigits(eight))
            {
                return false;
            }

            // Eight digits at once (the first in the lowest byte): neighbours combine into two-digit values, then the
            // four pairs into the eight-digit value with two multiplications (Lemire's method, as in simdjson).
            eight -= 0x3030303030303030;
            eight = (eight * 10) + (eight >> 8);
            result = (((eight & 0x000000FF000000FF) * (100 + (1000000UL << 32))) +
                (((eight >> 16) & 0x000000FF000000FF) * (1 + (10000UL << 32)))) >> 32;
            i = 8;
        }

        for (; i < digits.Length; i++)
        {
            var digit = (uint)(digits[i] - '0');
            if (digit > 9)
            {
                return false;
            }

            result = (result * 10) + digit;
        }

        value = (long)result;
        return true;
    }

    /// <summary>The current number as an integer, when it is one that fits (as <see cref="Utf8JsonReader.TryGetInt64"/>).</summary>
    public readonly bool TryGetInt64(out long value)
    {
        var raw = ValueSpan;
        if (TokenType == JsonTokenType.Number && Utf8Parser.TryParse(raw, out value, out var consumed) && consumed == raw.Length)
        {
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>
    /// The current number as a double (as <see cref="Utf8JsonReader.TryGetDouble"/>: a magnitude too large for a double
    /// gives an infinity, so callers that need a finite value check it).
    /// </summary>
    public readonly bool TryGetDouble(out double value)
    {
        var raw = ValueSpan;
        if (TokenType == JsonTokenType.Number && Utf8Parser.TryParse(raw, out value, out var consumed) && consumed == raw.Length)
        {
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Says what is wrong and where, for a refusal message.</summary>
    public readonly string DescribeError()
    {
        var at = _errorPosition;
        var what = at < _json.Length ? DescribeByte(_json[at]) : "the end of the data";
        var text = Error switch
        {
            ClaimsJsonError.NoValue => "there is no JSON value (RFC 8259 §2)",
            ClaimsJsonError.InvalidStartOfValue => $"{what} cannot start a value (RFC 8259 §3)",
            ClaimsJsonError.ExpectedPropertyName => $"{what} cannot start a member name, which is a string in double quotes (RFC 8259 §4)",
            ClaimsJsonError.ExpectedColon => $"{what} follows a member name where ':' is required (RFC 8259 §4)",
            ClaimsJsonError.ExpectedSeparatorOrEnd => $"{what} follows a value where ',' or the end of the object or array is required (RFC 8259 §4, §5)",
            ClaimsJsonError.TrailingComma => "a ',' is followed by the end of the object or array (RFC 8259 §4, §5 allow no trailing comma)",
            ClaimsJsonError.TrailingContent => $"{what} follows the JSON value; a JSON text is a single value (RFC 8259 §2)",
            ClaimsJsonError.EndOfData => "the data ends before the JSON value is complete",
            ClaimsJsonError.UnescapedControlCharacter => $"{what} appears in a string unescaped; control characters must be escaped (RFC 8259 §7)",
            ClaimsJsonError.InvalidEscape => $"{what} follows '\\' in a string; only \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX are escapes (RFC 8259 §7)",
            ClaimsJsonError.InvalidUnicodeEscape => "a \\u escape is not followed by four hexadecimal digits (RFC 8259 §7)",
            ClaimsJsonError.UnpairedSurrogate => "a \\u escape is a UTF-16 surrogate without its pair (RFC 8259 §7, §8.2; RFC 7493 §2.1)",
            ClaimsJsonError.InvalidUtf8 => $"{what} starts a byte sequence that is not UTF-8 (RFC 8259 §8.1, RFC 3629 §4)",
            ClaimsJsonError.LeadingZero => "a number has a leading zero (RFC 8259 §6)",
            ClaimsJsonError.ExpectedDigit => $"{what} is in a number where a digit is required (RFC 8259 §6)",
            ClaimsJsonError.InvalidEndOfNumber => $"{what} ends a number (RFC 8259 §6)",
            ClaimsJsonError.InvalidLiteral => "a literal is not true, false or null (RFC 8259 §3)",
            ClaimsJsonError.DepthExceeded => $"objects and arrays are nested more than {MaxDepth} deep",
            _ => "no error",
        };
        return $"{text}, at byte {at.ToString(CultureInfo.InvariantCulture)}.";
    }

    // RFC 8259 §2: ws = *( %x20 / %x09 / %x0A / %x0D )   ; space, horizontal tab, line feed, carriage return
    private static int SkipWhitespace(ReadOnlySpan<byte> json, int i)
    {
        while ((uint)i < (uint)json.Length)
        {
            var b = json[i];
            if (b > 0x20 || (b != 0x20 && b != 0x09 && b != 0x0A && b != 0x0D))
            {
                break;
            }

            i++;
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    // Eight ASCII digits: each byte's high nibble is 3, and stays 3 once 6 is added (0x3A-0x3F become 0x40-0x45).
    private static bool AreEightDigits(ulong eight) =>
        (eight & 0xF0F0F0F0F0F0F0F0) == 0x3030303030303030 &&
        ((eight + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) == 0x3030303030303030;

    private static string DescribeByte(byte b) =>
        b is >= 0x21 and < 0x7F ? $"'{(char)b}'" : $"the byte 0x{b:X2}";

    private static int HexDigit(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    // RFC 8259 §7: %x75 4HEXDIG   ; uXXXX (HEXDIG is case-insensitive, RFC 5234 §B.1)
    private static bool TryReadHex4(ReadOnlySpan<byte> json, int at, out int value)
    {
        value = 0;
        if (at > json.Length - 4)
        {
            return false;
        }

        for (var k = at; k < at + 4; k++)
        {
            var digit = HexDigit(json[k]);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }

    /// <summary>Decodes the escapes of a string this reader has accepted (so well-formed) into UTF-8.</summary>
    private static bool TryUnescape(ReadOnlySpan<byte> raw, Span<byte> destination, out int written)
    {
        written = 0;
        var i = 0;
        while (i < raw.Length)
        {
            var backslash = raw[i..].IndexOf((byte)'\\');
            var plain = backslash < 0 ? raw[i..] : raw.Slice(i, backslash);
            if (!plain.TryCopyTo(destination[written..]))
            {
                return false;
            }

            written += plain.Length;
            i += plain.Length;
            if (backslash < 0)
            {
                break;
            }

            var escape = raw[i + 1];
            if (escape == (byte)'u')
            {
                _ = TryReadHex4(raw, i + 2, out var unit);
                i += 6;
                if (unit is >= 0xD800 and <= 0xDBFF)
                {
                    // A high surrogate: the reader checked that a low one follows (RFC 8259 §7 surrogate pairs).
                    _ = TryReadHex4(raw, i + 2, out var low);
                    i += 6;
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                }

                if (!new Rune(unit).TryEncodeToUtf8(destination[written..], out var length))
                {
                    return false;
                }

                written += length;
                continue;
            }

            if (written >= destination.Length)
            {
                return false;
            }

            destination[written++] = escape switch
            {
                (byte)'b' => 0x08,
                (byte)'f' => 0x0C,
                (byte)'n' => 0x0A,
                (byte)'r' => 0x0D,
                (byte)'t' => 0x09,
                _ => escape, // '"', '\\' and '/' stand for themselves
            };
            i += 2;
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Fail(ClaimsJsonError error, int position)
    {
        Error = error;
        _errorPosition = position;
        return false;
    }

    private int FailAt(ClaimsJsonError error, int position)
    {
        _ = Fail(error, position);
        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool EndContainer(int i, JsonTokenType type)
    {
        _depth--;
        TokenType = type;
        TokenStartIndex = i;
        _position = i + 1;
        return true;
    }

    // ReadMember where no member can start: two Reads give the same answer (or the error).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool ReadMemberSlow()
    {
        if (!Read() || TokenType != JsonTokenType.PropertyName)
        {
            return false;
        }

        _nameStart = _valueStart;
        _nameLength = _valueLength;
        _nameIsEscaped = ValueIsEscaped;
        return Read();
    }

    // The data ended: fine only once the top-level value is complete.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool ReadEnd(int i)
    {
        if (TokenType == JsonTokenType.None)
        {
            return Fail(ClaimsJsonError.NoValue, i);
        }

        // At depth 0 the last token is a complete value (an open object or array, or a name, means depth 1 or more).
        if (_depth == 0)
        {
            _position = i;
            return false;
        }

        return Fail(ClaimsJsonError.EndOfData, i);
    }

    // RFC 8259 §4: member = string name-separator value; name-separator = ws %x3A ws.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ReadPropertyName(ReadOnlySpan<byte> json, int i, byte b)
    {
        if (b != (byte)'"')
        {
            return Fail(ClaimsJsonError.ExpectedPropertyName, i);
        }

        var colon = ScanString(json, i);
        if (colon < 0)
        {
            return false;
        }

        if ((uint)colon < (uint)json.Length && json[colon] <= 0x20)
        {
            colon = SkipWhitespace(json, colon);
        }

        if ((uint)colon >= (uint)json.Length)
        {
            return Fail(ClaimsJsonError.EndOfData, colon);
        }

        if (json[colon] != (byte)':')
        {
            return Fail(ClaimsJsonError.ExpectedColon, colon);
        }

        TokenType = JsonTokenType.PropertyName;
        TokenStartIndex = i;
        _position = colon + 1;
        return true;
    }

    // RFC 8259 §3: value = false / null / true / object / array / number / string
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ReadValue(ReadOnlySpan<byte> json, int i, byte b)
    {
        switch (b)
        {
            case (byte)'"':
                var end = ScanString(json, i);
                if (end < 0)
                {
                    return false;
                }

                TokenType = JsonTokenType.String;
                TokenStartIndex = i;
                _position = end;
                return true;
            case (byte)'{':
            case (byte)'[':
                return StartContainer(i, b);
            case (byte)'t':
                return ReadLiteral(json, i, "true"u8, JsonTokenType.True);
            case (byte)'f':
                return ReadLiteral(json, i, "false"u8, JsonTokenType.False);
            case (byte)'n':
                return ReadLiteral(json, i, "null"u8, JsonTokenType.Null);
            default:
                // Fast path for what NumericDates and counters are: digit1-9 *DIGIT (RFC 8259 §6), eight digits at a
                // time, then ',' or '}'. Anything else takes the whole grammar.
                if ((uint)(b - '1') <= 8)
                {
                    var j = i + 1;
                    while (j <= json.Length - 8)
                    {
                        if (!AreEightDigits(BinaryPrimitives.ReadUInt64LittleEndian(json.Slice(j, 8))))
                        {
                            break;
                        }

                        j += 8;
                    }

                    while ((uint)j < (uint)json.Length && IsDigit(json[j]))
                    {
                        j++;
                    }

                    if ((uint)j < (uint)json.Length && json[j] is (byte)',' or (byte)'}')
                    {
                        TokenType = JsonTokenType.Number;
                        TokenStartIndex = i;
                        _valueStart = i;
                        _valueLength = j - i;
                        _position = j;
                        return true;
                    }
                }

                return ReadNumber(json, i);
        }
    }

    // RFC 8259 §2: begin-array = ws %x5B ws; begin-object = ws %x7B ws. Utf8JsonReader refuses a container that would
    // be deeper than MaxDepth.
    private bool StartContainer(int i, byte b)
    {
        if (_depth >= MaxDepth)
        {
            return Fail(ClaimsJsonError.DepthExceeded, i);
        }

        if (b == (byte)'[')
        {
            _arrays |= 1u << _depth;
            TokenType = JsonTokenType.StartArray;
        }
        else
        {
            _arrays &= ~(1u << _depth);
            TokenType = JsonTokenType.StartObject;
        }

        _depth++;
        TokenStartIndex = i;
        _position = i + 1;
        return true;
    }

    // RFC 8259 §3: false = %x66.61.6c.73.65; null = %x6e.75.6c.6c; true = %x74.72.75.65 (lowercase only).
    // As with Utf8JsonReader, what follows the literal is checked by the next Read.
    private bool ReadLiteral(ReadOnlySpan<byte> json, int i, ReadOnlySpan<byte> literal, JsonTokenType type)
    {
        if (!json[i..].StartsWith(literal))
        {
            return Fail(ClaimsJsonError.InvalidLiteral, i);
        }

        TokenType = type;
        TokenStartIndex = i;
        _valueStart = i;
        _valueLength = literal.Length;
        _position = i + literal.Length;
        return true;
    }

    // RFC 8259 §6:
    //   number = [ minus ] int [ frac ] [ exp ]
    //   int = zero / ( digit1-9 *DIGIT )
    //   frac = decimal-point 1*DIGIT
    //   exp = e [ minus / plus ] 1*DIGIT        ; e = %x65 / %x45
    // So no '+' sign, no leading zeros, no lone '-', no '.5' or '5.', and no NaN or Infinity.
    private bool ReadNumber(ReadOnlySpan<byte> json, int i)
    {
        var start = i;
        if (json[i] == (byte)'-')
        {
            i++;
        }
        else if (!IsDigit(json[i]))
        {
            return Fail(ClaimsJsonError.InvalidStartOfValue, i);
        }

        if (i >= json.Length)
        {
            return Fail(ClaimsJsonError.ExpectedDigit, i);
        }

        if (json[i] == (byte)'0')
        {
            i++;
            if (i < json.Length && IsDigit(json[i]))
            {
                return Fail(ClaimsJsonError.LeadingZero, i - 1);
            }
        }
        else if (IsDigit(json[i]))
        {
            i++;
            while (i < json.Length && IsDigit(json[i]))
            {
                i++;
            }
        }
        else
        {
            return Fail(ClaimsJsonError.ExpectedDigit, i);
        }

        if (i < json.Length && json[i] == (byte)'.')
        {
            i++;
            if (i >= json.Length || !IsDigit(json[i]))
            {
                return Fail(ClaimsJsonError.ExpectedDigit, i);
            }

            while (i < json.Length && IsDigit(json[i]))
            {
                i++;
            }
        }

        if (i < json.Length && (json[i] | 0x20) == (byte)'e')
        {
            i++;
            if (i < json.Length && json[i] is (byte)'+' or (byte)'-')
            {
                i++;
            }

            if (i >= json.Length || !IsDigit(json[i]))
            {
                return Fail(ClaimsJsonError.ExpectedDigit, i);
            }

            while (i < json.Length && IsDigit(json[i]))
            {
                i++;
            }
        }

        // The number must end where a structural character or whitespace begins (Utf8JsonReader's delimiters: the
        // '/' a comment would start is refused by the next Read), or at the end of a top-level number.
        if (i < json.Length)
        {
            if (json[i] is not ((byte)',' or (byte)'}' or (byte)']' or (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'/'))
            {
                return Fail(ClaimsJsonError.InvalidEndOfNumber, i);
            }
        }
        else if (_depth > 0)
        {
            return Fail(ClaimsJsonError.EndOfData, i);
        }

        TokenType = JsonTokenType.Number;
        TokenStartIndex = start;
        _valueStart = start;
        _valueLength = i - start;
        _position = i;
        return true;
    }

    // RFC 8259 §7:
    //   string = quotation-mark *char quotation-mark
    //   char = unescaped / escape ( %x22 / %x5C / %x2F / %x62 / %x66 / %x6E / %x72 / %x74 / %x75 4HEXDIG )
    //   unescaped = %x20-21 / %x23-5B / %x5D-10FFFF
    // and §8.1: the text is UTF-8, so bytes 0x80 and above must form well-formed UTF-8 sequences (RFC 3629 §4).
    // Sets the value (between the quotes) and returns the index past the closing quote, or -1 after Fail.
    // (Indices are returned rather than passed by reference: a local whose address is taken lives in memory, which
    // would slow the byte loops down several times.)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ScanString(ReadOnlySpan<byte> json, int quote)
    {
        // Fast path, for strings of plain ASCII: sixteen bytes at a time, a byte needs a look when, as a signed byte,
        // it is below 0x20 (a control character, or 0x80 and above: part of a UTF-8 sequence), or is '"' or '\'.
        var j = quote + 1;
        while (Vector128.IsHardwareAccelerated && j <= json.Length - 16)
        {
            var mask = SpecialBytes(json.Slice(j, 16));
            if (mask == 0)
            {
                j += 16;
                continue;
            }

            j += BitOperations.TrailingZeroCount(mask);
            if (json[j] == (byte)'"')
            {
                ValueIsEscaped = false;
                _valueStart = quote + 1;
                _valueLength = j - quote - 1;
                return j + 1;
            }

            break;
        }

        return ScanStringSlow(json, quote, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint SpecialBytes(ReadOnlySpan<byte> sixteen)
    {
        var block = Vector128.Create(sixteen);
        var special = Vector128.LessThan(block.AsSByte(), Vector128.Create((sbyte)0x20)).AsByte()
            | Vector128.Equals(block, Vector128.Create((byte)'"'))
            | Vector128.Equals(block, Vector128.Create((byte)'\\'));
        return special.ExtractMostSignificantBits();
    }

    // The rest of a string from j (the bytes from the opening quote to j are plain): escapes, UTF-8 sequences, and the
    // last bytes of the data.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ScanStringSlow(ReadOnlySpan<byte> json, int quote, int j)
    {
        var escaped = false;
        while (true)
        {
            while (Vector128.IsHardwareAccelerated && j <= json.Length - 16)
            {
                var mask = SpecialBytes(json.Slice(j, 16));
                if (mask != 0)
                {
                    j += BitOperations.TrailingZeroCount(mask);
                    break;
                }

                j += 16;
            }

            while ((uint)j < (uint)json.Length && PlainTable[json[j]] != 0)
            {
                j++;
            }

            if ((uint)j >= (uint)json.Length)
            {
                return FailAt(ClaimsJsonError.EndOfData, json.Length);
            }

            var b = json[j];
            if (b == (byte)'"')
            {
                break;
            }

            if (b == (byte)'\\')
            {
                escaped = true;
                j = ScanEscape(json, j);
                if (j < 0)
                {
                    return -1;
                }
            }
            else if (b < 0x20)
            {
                return FailAt(ClaimsJsonError.UnescapedControlCharacter, j);
            }
            else
            {
                // Rune.DecodeFromUtf8 follows the Unicode definition of well-formed UTF-8 (RFC 3629 §4): no overlong
                // forms, no encoded surrogates, nothing above U+10FFFF, no truncated sequence.
                if (Rune.DecodeFromUtf8(json[j..], out _, out var length) != OperationStatus.Done)
                {
                    return FailAt(ClaimsJsonError.InvalidUtf8, j);
                }

                j += length;
            }
        }

        ValueIsEscaped = escaped;
        _valueStart = quote + 1;
        _valueLength = j - quote - 1;
        return j + 1;
    }

    // j is at a backslash; returns the index past the escape sequence, or -1 after Fail.
    private int ScanEscape(ReadOnlySpan<byte> json, int j)
    {
        if (j + 1 >= json.Length)
        {
            return FailAt(ClaimsJsonError.EndOfData, json.Length);
        }

        switch (json[j + 1])
        {
            case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                return j + 2;
            case (byte)'u':
                if (!TryReadHex4(json, j + 2, out var unit))
                {
                    return FailAt(ClaimsJsonError.InvalidUnicodeEscape, j);
                }

                // RFC 8259 §7: a character outside the Basic Multilingual Plane is escaped as a UTF-16 surrogate pair,
                // "\uD834\uDD1E"; a high surrogate must be followed by a low one, and a low one cannot stand alone.
                if (unit is >= 0xD800 and <= 0xDBFF)
                {
                    if (j + 7 < json.Length && json[j + 6] == (byte)'\\' && json[j + 7] == (byte)'u' &&
                        TryReadHex4(json, j + 8, out var low) && low is >= 0xDC00 and <= 0xDFFF)
                    {
                        return j + 12;
                    }

                    return FailAt(ClaimsJsonError.UnpairedSurrogate, j);
                }

                if (unit is >= 0xDC00 and <= 0xDFFF)
                {
                    return FailAt(ClaimsJsonError.UnpairedSurrogate, j);
                }

                return j + 6;
            default:
                return FailAt(ClaimsJsonError.InvalidEscape, j + 1);
        }
    }
}

/// <summary>What <see cref="ClaimsJsonReader"/> found wrong.</summary>
internal enum ClaimsJsonError
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>Empty or whitespace-only input.</summary>
    NoValue,

    /// <summary>A byte that starts no value.</summary>
    InvalidStartOfValue,

    /// <summary>A member does not start with a string.</summary>
    ExpectedPropertyName,

    /// <summary>A member name is not followed by ':'.</summary>
    ExpectedColon,

    /// <summary>A value in an object or array is followed by neither ',' nor the container's end.</summary>
    ExpectedSeparatorOrEnd,

    /// <summary>A ',' directly before '}' or ']'.</summary>
    TrailingComma,

    /// <summary>Something other than whitespace after the top-level value.</summary>
    TrailingContent,

    /// <summary>The data ends inside a value, object or array.</summary>
    EndOfData,

    /// <summary>A byte below 0x20 in a string.</summary>
    UnescapedControlCharacter,

    /// <summary>A '\' followed by a byte that starts no escape.</summary>
    InvalidEscape,

    /// <summary>A <c>\u</c> not followed by four hexadecimal digits.</summary>
    InvalidUnicodeEscape,

    /// <summary>A <c>\u</c> surrogate without its pair.</summary>
    UnpairedSurrogate,

    /// <summary>Bytes in a string that are not well-formed UTF-8.</summary>
    InvalidUtf8,

    /// <summary>A number's integer part starts with 0 and has more digits.</summary>
    LeadingZero,

    /// <summary>A number lacks a required digit (after '-', '.', 'e' or its sign).</summary>
    ExpectedDigit,

    /// <summary>A number followed by a byte that cannot follow a value.</summary>
    InvalidEndOfNumber,

    /// <summary>A t, f or n that does not start true, false or null.</summary>
    InvalidLiteral,

    /// <summary>More than <see cref="ClaimsJsonReader.MaxDepth"/> nested objects and arrays.</summary>
    DepthExceeded,
}
