using System.Collections.ObjectModel;
using System.Text.Json;
using CarteAuth.Text;
using System.Text.Json.Serialization;

namespace CarteAuth.Fido2.Json;

/// <summary>
/// Reads and writes <see cref="AuthenticationResponseJSON"/> (WebAuthn L3 §5.1.9) directly with the JSON reader: the
/// body of every sign-in, so it is read once, without the serializer's per-member metadata work. Same rules as
/// <see cref="WebAuthnJson"/>: required members enforced, nulls refused where the dictionary does not allow them,
/// duplicate members refused, unknown members skipped.
/// </summary>
internal sealed class AuthenticationResponseJsonConverter : JsonConverter<AuthenticationResponseJSON>
{
    [Flags]
    private enum Member
    {
        None = 0,
        Id = 1,
        RawId = 2,
        Response = 4,
        Attachment = 8,
        Extensions = 16,
        Type = 32,
        ClientData = 64,
        AuthenticatorData = 128,
        Signature = 256,
        UserHandle = 512,
    }

    /// <inheritdoc/>
    public override AuthenticationResponseJSON Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        ExpectObject(ref reader, "The AuthenticationResponseJSON");
        string? id = null, rawId = null, type = null, attachment = null;
        AuthenticatorAssertionResponseJSON? response = null;
        IReadOnlyDictionary<string, JsonElement>? extensions = null;
        var seen = Member.None;
        while (NextMember(ref reader))
        {
            var member = reader.ValueTextEquals("id"u8) ? Member.Id
                : reader.ValueTextEquals("rawId"u8) ? Member.RawId
                : reader.ValueTextEquals("response"u8) ? Member.Response
                : reader.ValueTextEquals("authenticatorAttachment"u8) ? Member.Attachment
                : reader.ValueTextEquals("clientExtensionResults"u8) ? Member.Extensions
                : reader.ValueTextEquals("type"u8) ? Member.Type
                : Member.None;
            if (Seen(ref reader, ref seen, member))
            {
                continue;
            }

            switch (member)
            {
                case Member.Id: id = RequiredString(ref reader, "id"); break;
                case Member.RawId: rawId = RequiredString(ref reader, "rawId"); break;
                case Member.Type: type = RequiredString(ref reader, "type"); break;
                case Member.Attachment: attachment = OptionalString(ref reader, "authenticatorAttachment"); break;
                case Member.Response: response = ReadResponse(ref reader); break;
                default: extensions = ReadExtensions(ref reader); break;
            }
        }

        return new AuthenticationResponseJSON
        {
            Id = id ?? throw Missing("id"),
            RawId = rawId ?? throw Missing("rawId"),
            Response = response ?? throw Missing("response"),
            AuthenticatorAttachment = attachment,
            ClientExtensionResults = extensions ?? throw Missing("clientExtensionResults"),
            Type = type ?? throw Missing("type"),
        };
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, AuthenticationResponseJSON value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, value.Id);
        writer.WriteString("rawId"u8, value.RawId);
        writer.WriteStartObject("response"u8);
        writer.WriteString("clientDataJSON"u8, value.Response.ClientDataJSON);
        writer.WriteString("authenticatorData"u8, value.Response.AuthenticatorData);
        writer.WriteString("signature"u8, value.Response.Signature);
        if (value.Response.UserHandle is { } userHandle)
        {
            writer.WriteString("userHandle"u8, userHandle);
        }

        writer.WriteEndObject();
        if (value.AuthenticatorAttachment is { } attachment)
        {
            writer.WriteString("authenticatorAttachment"u8, attachment);
        }

        writer.WriteStartObject("clientExtensionResults"u8);
        foreach (var (name, element) in value.ClientExtensionResults)
        {
            writer.WritePropertyName(name);
            element.WriteTo(writer);
        }

        writer.WriteEndObject();
        writer.WriteString("type"u8, value.Type);
        writer.WriteEndObject();
    }

    private static AuthenticatorAssertionResponseJSON ReadResponse(ref Utf8JsonReader reader)
    {
        ExpectObject(ref reader, "'response'");
        string? clientData = null, authenticatorData = null, signature = null, userHandle = null;
        var seen = Member.None;
        while (NextMember(ref reader))
        {
            var member = reader.ValueTextEquals("clientDataJSON"u8) ? Member.ClientData
                : reader.ValueTextEquals("authenticatorData"u8) ? Member.AuthenticatorData
                : reader.ValueTextEquals("signature"u8) ? Member.Signature
                : reader.ValueTextEquals("userHandle"u8) ? Member.UserHandle
                : Member.None;
            if (Seen(ref reader, ref seen, member))
            {
                continue;
            }

            switch (member)
            {
                case Member.ClientData: clientData = RequiredString(ref reader, "response.clientDataJSON"); break;
                case Member.AuthenticatorData: authenticatorData = RequiredString(ref reader, "response.authenticatorData"); break;
                case Member.Signature: signature = RequiredString(ref reader, "response.signature"); break;
                default: userHandle = OptionalString(ref reader, "response.userHandle"); break;
            }
        }

        return new AuthenticatorAssertionResponseJSON
        {
            ClientDataJSON = clientData ?? throw Missing("response.clientDataJSON"),
            AuthenticatorData = authenticatorData ?? throw Missing("response.authenticatorData"),
            Signature = signature ?? throw Missing("response.signature"),
            UserHandle = userHandle,
        };
    }

    private static IReadOnlyDictionary<string, JsonElement> ReadExtensions(ref Utf8JsonReader reader)
    {
        ExpectObject(ref reader, "'clientExtensionResults'");
        Dictionary<string, JsonElement>? results = null;
        while (NextMember(ref reader))
        {
            var name = reader.GetString()!;
            reader.Read();
            if (!(results ??= new(StringComparer.Ordinal)).TryAdd(name, JsonElement.ParseValue(ref reader)))
            {
                throw new JsonException($"The member 'clientExtensionResults.{name}' appears twice; each member may appear once.");
            }
        }

        // Usually empty: one shared empty dictionary.
        return results is null ? ReadOnlyDictionary<string, JsonElement>.Empty : results;
    }

    private static void ExpectObject(ref Utf8JsonReader reader, string what)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"{what} must be a JSON object, not {JsonTokenNames.WithArticle(reader.TokenType)}.");
        }
    }

    /// <summary>Moves to the next member name of the current object; false at its end.</summary>
    private static bool NextMember(ref Utf8JsonReader reader) => reader.Read() && reader.TokenType == JsonTokenType.PropertyName;

    /// <summary>Refuses a known member seen twice; skips an unknown member (true) or moves to the known one's value (false).</summary>
    private static bool Seen(ref Utf8JsonReader reader, ref Member seen, Member member)
    {
        if (member == Member.None)
        {
            // Unknown members are ignored, as WebIDL dictionaries ignore them (the spec extends these over time).
            reader.Read();
            reader.Skip();
            return true;
        }

        if ((seen & member) != 0)
        {
            throw new JsonException($"The member '{reader.GetString()}' appears twice; each member may appear once.");
        }

        seen |= member;
        reader.Read();
        return false;
    }

    private static string RequiredString(ref Utf8JsonReader reader, string name) => reader.TokenType == JsonTokenType.String
        ? reader.GetString()!
        : throw new JsonException($"'{name}' must be a string, not {JsonTokenNames.WithArticle(reader.TokenType)}.");

    private static string? OptionalString(ref Utf8JsonReader reader, string name) => reader.TokenType == JsonTokenType.Null
        ? null
        : RequiredString(ref reader, name);

    private static JsonException Missing(string name) => new($"The required member '{name}' is missing.");
}
