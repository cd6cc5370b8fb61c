using System.Text.Json;

namespace CarteAuth.Text;

/// <summary>How error messages name a JSON token type ("string", "an object"): one wording for every reader.</summary>
internal static class JsonTokenNames
{
    /// <summary>The type's name: object, array, string, number, boolean, null (others: the enum name).</summary>
    public static string Noun(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };

    /// <summary>The name with its article ("an object", "a string"), and plain "null".</summary>
    public static string WithArticle(JsonTokenType type) => type switch
    {
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject or JsonTokenType.StartArray => "an " + Noun(type),
        JsonTokenType.String or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False => "a " + Noun(type),
        _ => type.ToString(),
    };
}
