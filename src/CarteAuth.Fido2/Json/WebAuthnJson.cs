using System.Text.Json;
using System.Text.Json.Serialization;

namespace CarteAuth.Fido2.Json;

/// <summary>
/// Reads and writes the WebAuthn L3 JSON forms (§5.1.8-§5.1.10, §5.4, §5.5) with System.Text.Json: camelCase member
/// names, absent rather than null optional members, required members enforced, nulls refused for non-nullable
/// members, duplicate members refused. Unknown members are ignored, as WebIDL dictionaries ignore them and the spec
/// extends these dictionaries over time (e.g. <c>hints</c>, <c>attestationFormats</c> in Level 3). Errors are
/// <see cref="WebAuthnException"/> with <see cref="ReasonCodes.WebAuthnMalformed"/> naming the member.
/// </summary>
public static class WebAuthnJson
{
    /// <summary>Largest JSON text accepted by <see cref="Deserialize{T}"/> unless told otherwise (256 KiB).</summary>
    public const int DefaultMaxLength = 256 * 1024;

    internal static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        AllowDuplicateProperties = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        NumberHandling = JsonNumberHandling.Strict,
        MaxDepth = 16,
        PropertyNameCaseInsensitive = false,
    };

    /// <summary>Serializes a WebAuthn JSON form.</summary>
    public static string Serialize<T>(T value)
        where T : class => JsonSerializer.Serialize(value, Options);

    /// <summary>Parses a WebAuthn JSON form.</summary>
    /// <typeparam name="T">One of the JSON form types of this namespace.</typeparam>
    /// <param name="json">The JSON text.</param>
    /// <param name="maxLength">The longest text accepted, in characters.</param>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnMalformed"/> or <see cref="ReasonCodes.WebAuthnTooLarge"/>.</exception>
    public static T Deserialize<T>(string json, int maxLength = DefaultMaxLength)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > maxLength)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnTooLarge, $"The {typeof(T).Name} is {json.Length} characters; at most {maxLength} are accepted.");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)
                ?? throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, $"The {typeof(T).Name} is JSON null; send the object.");
        }
        catch (JsonException ex)
        {
            var where = string.IsNullOrEmpty(ex.Path) ? string.Empty : $" at {ex.Path}";
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, $"The {typeof(T).Name} is not valid{where}: {ex.Message} Send the object produced by PublicKeyCredential.toJSON() (or the server's options) unchanged.", ex);
        }
    }
}
