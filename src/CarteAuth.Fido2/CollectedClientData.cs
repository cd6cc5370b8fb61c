using System.Text.Json;
using System.Text.Unicode;

namespace CarteAuth.Fido2;

/// <summary>
/// The client data the browser collected and the authenticator signed over (WebAuthn L3 §5.8.1 <c>CollectedClientData</c>):
/// <c>type</c>, <c>challenge</c>, <c>origin</c>, <c>crossOrigin</c>, <c>topOrigin</c>. Other members are ignored, as
/// the spec says the dictionary may be extended. Parsed strictly: valid UTF-8, one JSON object, no duplicate members.
/// </summary>
public sealed class CollectedClientData
{
    private CollectedClientData(ReadOnlyMemory<byte> raw, string type, string challenge, string origin, bool crossOrigin, string? topOrigin)
    {
        Raw = raw;
        Type = type;
        Challenge = challenge;
        Origin = origin;
        CrossOrigin = crossOrigin;
        TopOrigin = topOrigin;
    }

    /// <summary>The <c>clientDataJSON</c> bytes as received (hashed for signatures).</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary><c>webauthn.create</c> or <c>webauthn.get</c>.</summary>
    public string Type { get; }

    /// <summary>The challenge, base64url as the browser wrote it.</summary>
    public string Challenge { get; }

    /// <summary>The origin of the page that ran the ceremony.</summary>
    public string Origin { get; }

    /// <summary>True when the ceremony ran in a cross-origin iframe (absent = false).</summary>
    public bool CrossOrigin { get; }

    /// <summary>The top-level origin, when the ceremony ran in an iframe.</summary>
    public string? TopOrigin { get; }

    /// <summary>Parses <c>clientDataJSON</c> (§7.1 steps 5-6, §7.2 steps 9-10: UTF-8 decode, then parse JSON).</summary>
    /// <param name="clientDataJson">The bytes.</param>
    /// <param name="maxLength">The largest size accepted.</param>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnMalformed"/> or <see cref="ReasonCodes.WebAuthnTooLarge"/>.</exception>
    public static CollectedClientData Parse(ReadOnlyMemory<byte> clientDataJson, int maxLength = 8 * 1024)
    {
        if (clientDataJson.Length > maxLength)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnTooLarge, $"clientDataJSON is {clientDataJson.Length} bytes; at most {maxLength} are accepted.");
        }

        // §5.8.1.2: clientDataJSON is UTF-8; invalid sequences are refused rather than replaced.
        if (!Utf8.IsValid(clientDataJson.Span))
        {
            throw Malformed("it is not valid UTF-8 (WebAuthn §5.8.1.1 requires UTF-8)");
        }

        string? type = null, challenge = null, origin = null, topOrigin = null;
        var crossOrigin = false;
        var seen = Member.None;
        List<string>? others = null;
        try
        {
            var reader = new Utf8JsonReader(clientDataJson.Span, new JsonReaderOptions { MaxDepth = 8 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Malformed("it is not a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var member = reader.ValueTextEquals("type"u8) ? Member.Type
                    : reader.ValueTextEquals("challenge"u8) ? Member.Challenge
                    : reader.ValueTextEquals("origin"u8) ? Member.Origin
                    : reader.ValueTextEquals("crossOrigin"u8) ? Member.CrossOrigin
                    : reader.ValueTextEquals("topOrigin"u8) ? Member.TopOrigin
                    : Member.None;

                // Member names are unique (RFC 8259 §4 SHOULD, enforced here so no two readers see different values).
                var name = member == Member.None ? reader.GetString()! : null;
                if (member != Member.None ? (seen & member) != 0 : (others ??= []).Contains(name!))
                {
                    throw Malformed($"the member '{name ?? reader.GetString()}' appears twice");
                }

                seen |= member;
                if (name is not null)
                {
                    others!.Add(name);
                }

                reader.Read();
                switch (member)
                {
                    case Member.Type: type = String(ref reader, "type"); break;
                    case Member.Challenge: challenge = String(ref reader, "challenge"); break;
                    case Member.Origin: origin = String(ref reader, "origin"); break;
                    case Member.TopOrigin: topOrigin = String(ref reader, "topOrigin"); break;
                    case Member.CrossOrigin:
                        crossOrigin = reader.TokenType switch
                        {
                            JsonTokenType.True => true,
                            JsonTokenType.False => false,
                            _ => throw Malformed("'crossOrigin' is not a boolean"),
                        };
                        break;
                    default:
                        // §5.8.1: the client data may be extended; unknown members are ignored.
                        reader.Skip();
                        break;
                }
            }

            // One JSON object and nothing after it.
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                throw Malformed("it is not a single JSON object");
            }
        }
        catch (JsonException ex)
        {
            throw Malformed($"it is not valid JSON ({ex.Message})", ex);
        }
        catch (InvalidOperationException ex)
        {
            // Utf8JsonReader reads "\ud800" (an escaped lone UTF-16 surrogate, RFC 8259 §8.2) as a token but throws
            // this when the string is decoded or compared.
            throw Malformed($"a string escapes an unpaired UTF-16 surrogate ({ex.Message.TrimEnd('.')})", ex);
        }

        if (type is null || challenge is null || origin is null)
        {
            var missing = type is null ? "type" : challenge is null ? "challenge" : "origin";
            throw Malformed($"it has no '{missing}' (type, challenge and origin are required)");
        }

        return new CollectedClientData(clientDataJson, type, challenge, origin, crossOrigin, topOrigin);
    }

    private static string String(ref Utf8JsonReader reader, string name) => reader.TokenType == JsonTokenType.String
        ? reader.GetString()!
        : throw Malformed($"'{name}' is not a string");

    private static WebAuthnException Malformed(string detail, Exception? inner = null) =>
        new(ReasonCodes.WebAuthnMalformed, $"clientDataJSON is malformed: {detail}. Send response.clientDataJSON exactly as the browser produced it.", inner);

    [Flags]
    private enum Member
    {
        None = 0,
        Type = 1,
        Challenge = 2,
        Origin = 4,
        CrossOrigin = 8,
        TopOrigin = 16,
    }
}
