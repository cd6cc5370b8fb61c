using System.Text;
using System.Text.Json;

namespace CarteAuth.Fido2;

/// <summary>
/// The client data the browser collected and the authenticator signed over (WebAuthn L3 §5.8.1 <c>CollectedClientData</c>):
/// <c>type</c>, <c>challenge</c>, <c>origin</c>, <c>crossOrigin</c>, <c>topOrigin</c>. Other members are ignored, as
/// the spec says the dictionary may be extended. Parsed strictly: valid UTF-8, one JSON object, no duplicate members.
/// </summary>
public sealed class CollectedClientData
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

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

        try
        {
            _ = StrictUtf8.GetCharCount(clientDataJson.Span);
        }
        catch (DecoderFallbackException ex)
        {
            throw Malformed("it is not valid UTF-8 (WebAuthn §5.8.1.1 requires UTF-8)", ex);
        }

        string? type = null, challenge = null, origin = null, topOrigin = null;
        var crossOrigin = false;
        try
        {
            using var doc = JsonDocument.Parse(clientDataJson, new JsonDocumentOptions { MaxDepth = 8, AllowDuplicateProperties = false });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Malformed("it is not a JSON object");
            }

            foreach (var member in doc.RootElement.EnumerateObject())
            {
                switch (member.Name)
                {
                    case "type": type = String(member); break;
                    case "challenge": challenge = String(member); break;
                    case "origin": origin = String(member); break;
                    case "topOrigin": topOrigin = String(member); break;
                    case "crossOrigin":
                        crossOrigin = member.Value.ValueKind switch
                        {
                            JsonValueKind.True => true,
                            JsonValueKind.False => false,
                            _ => throw Malformed("'crossOrigin' is not a boolean"),
                        };
                        break;
                    default: break; // §5.8.1: the client data may be extended; unknown members are ignored.
                }
            }
        }
        catch (JsonException ex)
        {
            throw Malformed($"it is not valid JSON ({ex.Message})", ex);
        }

        if (type is null || challenge is null || origin is null)
        {
            var missing = type is null ? "type" : challenge is null ? "challenge" : "origin";
            throw Malformed($"it has no '{missing}' (type, challenge and origin are required)");
        }

        return new CollectedClientData(clientDataJson, type, challenge, origin, crossOrigin, topOrigin);
    }

    private static string String(JsonProperty member) => member.Value.ValueKind == JsonValueKind.String
        ? member.Value.GetString()!
        : throw Malformed($"'{member.Name}' is not a string");

    private static WebAuthnException Malformed(string detail, Exception? inner = null) =>
        new(ReasonCodes.WebAuthnMalformed, $"clientDataJSON is malformed: {detail}. Send response.clientDataJSON exactly as the browser produced it.", inner);
}
