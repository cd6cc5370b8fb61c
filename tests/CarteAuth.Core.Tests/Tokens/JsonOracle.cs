using System.Text.Json;
using CarteAuth.Tokens;

namespace CarteAuth.Core.Tests.Tokens;

/// <summary>
/// What System.Text.Json says about a document, to compare <see cref="ClaimsJsonReader"/> with: the token stream of
/// <see cref="Utf8JsonReader"/> (default options, MaxDepth 32, as the validator used), and whether every string decodes.
/// </summary>
internal static class JsonOracle
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 32 };

    /// <summary>A token as both readers report it.</summary>
    public readonly record struct Token(JsonTokenType Type, int Start, string? Value, bool Escaped, int End);

    /// <summary>The result of reading a whole document.</summary>
    public sealed record Outcome(bool Tokenizes, bool StringsDecode, IReadOnlyList<Token> Tokens, string? Error)
    {
        /// <summary>Accepted: every token reads and every string and property name decodes.</summary>
        public bool Accepted => Tokenizes && StringsDecode;
    }

    /// <summary>Reads a document with <see cref="Utf8JsonReader"/>, decoding every string with GetString.</summary>
    public static Outcome Read(byte[] json)
    {
        var tokens = new List<Token>();
        var decodes = true;
        try
        {
            var reader = new Utf8JsonReader(json, Options);
            while (reader.Read())
            {
                string? value = null;
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
                {
                    try
                    {
                        _ = reader.GetString();
                    }
                    catch (InvalidOperationException)
                    {
                        decodes = false;
                    }
                }

                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName or JsonTokenType.Number
                    or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null)
                {
                    value = Convert.ToHexString(reader.ValueSpan);
                }

                tokens.Add(new Token(reader.TokenType, (int)reader.TokenStartIndex, value, reader.ValueIsEscaped, End(reader.TokenType, (int)reader.BytesConsumed)));
            }

            return new Outcome(true, decodes, tokens, null);
        }
        catch (JsonException ex)
        {
            return new Outcome(false, decodes, tokens, ex.Message);
        }
    }

    /// <summary>Reads a document with <see cref="ClaimsJsonReader"/>, in the same form.</summary>
    public static (bool Accepted, ClaimsJsonError Error, int Position, IReadOnlyList<Token> Tokens) ReadWithClaimsReader(byte[] json)
    {
        var tokens = new List<Token>();
        var reader = new ClaimsJsonReader(json);
        while (reader.Read())
        {
            string? value = reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName or JsonTokenType.Number
                or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null
                ? Convert.ToHexString(reader.ValueSpan)
                : null;
            var escaped = reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped;
            tokens.Add(new Token(reader.TokenType, reader.TokenStartIndex, value, escaped, End(reader.TokenType, reader.BytesConsumed)));
        }

        return (reader.Error == ClaimsJsonError.None, reader.Error, reader.ErrorPosition, tokens);
    }

    /// <summary>
    /// Reads a document with <see cref="ClaimsJsonReader"/> using <see cref="ClaimsJsonReader.ReadMember"/> in every
    /// object (and <see cref="ClaimsJsonReader.Read"/> elsewhere), reporting the tokens two Reads would give.
    /// </summary>
    public static (bool Accepted, ClaimsJsonError Error, int Position, IReadOnlyList<Token> Tokens) ReadWithMembers(byte[] json)
    {
        var tokens = new List<Token>();
        var containers = new Stack<bool>(); // true for an array
        var reader = new ClaimsJsonReader(json);
        while (true)
        {
            var inObject = containers.Count > 0 && !containers.Peek() && reader.TokenType != JsonTokenType.PropertyName;
            if (inObject)
            {
                if (reader.ReadMember())
                {
                    tokens.Add(new Token(JsonTokenType.PropertyName, reader.MemberStartIndex, Convert.ToHexString(reader.MemberNameSpan), reader.MemberNameIsEscaped, -1));
                }
                else if (reader.Error == ClaimsJsonError.None)
                {
                    Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
                }
                else
                {
                    break;
                }
            }
            else if (!reader.Read())
            {
                break;
            }

            string? value = reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName or JsonTokenType.Number
                or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null
                ? Convert.ToHexString(reader.ValueSpan)
                : null;
            var escaped = reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped;
            tokens.Add(new Token(reader.TokenType, reader.TokenStartIndex, value, escaped, End(reader.TokenType, reader.BytesConsumed)));
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    containers.Push(false);
                    break;
                case JsonTokenType.StartArray:
                    containers.Push(true);
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    containers.Pop();
                    break;
            }
        }

        return (reader.Error == ClaimsJsonError.None, reader.Error, reader.ErrorPosition, tokens);
    }

    // Where a property name "ends" differs by design (Utf8JsonReader stops before the ':', this reader after it), so
    // names are compared by start and value only.
    private static int End(JsonTokenType type, int bytesConsumed) => type == JsonTokenType.PropertyName ? -1 : bytesConsumed;
}
