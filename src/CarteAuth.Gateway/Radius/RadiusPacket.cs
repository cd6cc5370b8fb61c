using System.Buffers.Binary;
using System.Text;

namespace CarteAuth.Gateway.Radius;

/// <summary>RADIUS packet codes (RFC 2865 §3, RFC 2866 §3).</summary>
public enum RadiusCode : byte
{
    /// <summary>Access-Request (1).</summary>
    AccessRequest = 1,
    /// <summary>Access-Accept (2).</summary>
    AccessAccept = 2,
    /// <summary>Access-Reject (3).</summary>
    AccessReject = 3,
    /// <summary>Accounting-Request (4).</summary>
    AccountingRequest = 4,
    /// <summary>Accounting-Response (5).</summary>
    AccountingResponse = 5,
    /// <summary>Access-Challenge (11).</summary>
    AccessChallenge = 11,
}

/// <summary>The attribute types CarteAuth reads or writes (RFC 2865 §5, RFC 2866 §5, RFC 3579 §3.2). Others are kept opaque.</summary>
public static class RadiusAttributeType
{
    /// <summary>User-Name (1).</summary>
    public const byte UserName = 1;
    /// <summary>User-Password (2), hidden with the shared secret (RFC 2865 §5.2).</summary>
    public const byte UserPassword = 2;
    /// <summary>NAS-IP-Address (4).</summary>
    public const byte NasIpAddress = 4;
    /// <summary>Reply-Message (18).</summary>
    public const byte ReplyMessage = 18;
    /// <summary>State (24).</summary>
    public const byte State = 24;
    /// <summary>Class (25).</summary>
    public const byte Class = 25;
    /// <summary>Vendor-Specific (26), kept opaque.</summary>
    public const byte VendorSpecific = 26;
    /// <summary>Session-Timeout (27).</summary>
    public const byte SessionTimeout = 27;
    /// <summary>Calling-Station-Id (31).</summary>
    public const byte CallingStationId = 31;
    /// <summary>NAS-Identifier (32).</summary>
    public const byte NasIdentifier = 32;
    /// <summary>Acct-Status-Type (40, RFC 2866 §5.1).</summary>
    public const byte AcctStatusType = 40;
    /// <summary>Acct-Session-Id (44, RFC 2866 §5.5).</summary>
    public const byte AcctSessionId = 44;
    /// <summary>Message-Authenticator (80, RFC 3579 §3.2).</summary>
    public const byte MessageAuthenticator = 80;
}

/// <summary>One attribute as received: its type and value (the value excludes the 2-octet header).</summary>
/// <param name="Type">The attribute type.</param>
/// <param name="Value">The value octets (0 to 253).</param>
public readonly record struct RadiusAttribute(byte Type, ReadOnlyMemory<byte> Value)
{
    /// <summary>The value as UTF-8 text (RFC 2865 "text" attributes).</summary>
    public string AsText() => Encoding.UTF8.GetString(Value.Span);
}

/// <summary>
/// A decoded RADIUS packet (RFC 2865 §3): code, identifier, authenticator and attributes, with the exact octets it
/// was decoded from (the authenticators and the Message-Authenticator are computed over them). Immutable.
/// </summary>
public sealed class RadiusPacket
{
    /// <summary>The smallest packet: the 20-octet header (RFC 2865 §3).</summary>
    public const int MinLength = 20;

    /// <summary>The largest packet (RFC 2865 §3).</summary>
    public const int MaxLength = 4096;

    /// <summary>Where the 16-octet authenticator starts.</summary>
    internal const int AuthenticatorOffset = 4;

    internal RadiusPacket(RadiusCode code, byte identifier, ReadOnlyMemory<byte> raw, IReadOnlyList<RadiusAttribute> attributes, int messageAuthenticatorOffset)
    {
        Code = code;
        Identifier = identifier;
        Raw = raw;
        Attributes = attributes;
        MessageAuthenticatorOffset = messageAuthenticatorOffset;
    }

    /// <summary>The packet code.</summary>
    public RadiusCode Code { get; }

    /// <summary>The identifier that matches requests and replies.</summary>
    public byte Identifier { get; }

    /// <summary>The 16-octet Request or Response Authenticator.</summary>
    public ReadOnlyMemory<byte> Authenticator => Raw.Slice(AuthenticatorOffset, 16);

    /// <summary>The packet's octets (exactly Length octets: padding beyond the Length field is dropped, RFC 2865 §3).</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>The attributes, in order.</summary>
    public IReadOnlyList<RadiusAttribute> Attributes { get; }

    /// <summary>Offset in <see cref="Raw"/> of the Message-Authenticator's 16-octet value, or -1 when absent.</summary>
    internal int MessageAuthenticatorOffset { get; }

    /// <summary>True when the packet has a Message-Authenticator attribute.</summary>
    public bool HasMessageAuthenticator => MessageAuthenticatorOffset >= 0;

    /// <summary>The first attribute of <paramref name="type"/>, or null.</summary>
    public RadiusAttribute? Find(byte type)
    {
        foreach (var attribute in Attributes)
        {
            if (attribute.Type == type)
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>The first attribute of <paramref name="type"/> as text, or null.</summary>
    public string? FindText(byte type) => Find(type)?.AsText();

    /// <summary>
    /// Decodes a datagram. Never throws for bad input: returns false with the reason code of the discard
    /// (<c>radius.malformed-packet</c>) and a message naming what is wrong.
    /// </summary>
    public static bool TryDecode(ReadOnlyMemory<byte> datagram, out RadiusPacket? packet, out string? reasonCode, out string? message)
    {
        packet = null;
        reasonCode = ReasonCodes.RadiusMalformedPacket;
        var span = datagram.Span;
        if (span.Length < MinLength)
        {
            message = $"The datagram has {span.Length} octets; a RADIUS packet has at least {MinLength} (RFC 2865 §3).";
            return false;
        }

        // RFC 2865 §3: "Octets outside the range of the Length field MUST be treated as padding and ignored on
        // reception. If the packet is shorter than the Length field indicates, it MUST be silently discarded."
        // Length is bounded to 20..4096.
        int length = BinaryPrimitives.ReadUInt16BigEndian(span[2..]);
        if (length < MinLength || length > MaxLength)
        {
            message = $"The Length field is {length}; it must be between {MinLength} and {MaxLength} (RFC 2865 §3).";
            return false;
        }

        if (span.Length < length)
        {
            message = $"The datagram has {span.Length} octets, fewer than its Length field ({length}) (RFC 2865 §3).";
            return false;
        }

        var code = (RadiusCode)span[0];
        var raw = datagram[..length];
        var attributes = new List<RadiusAttribute>();
        var messageAuthenticator = -1;
        var offset = MinLength;
        while (offset < length)
        {
            // RFC 2865 §5: Type, Length (>= 2, including Type and Length), Value. The attributes must fill the
            // packet exactly.
            if (length - offset < 2)
            {
                message = $"An attribute header at offset {offset} is cut short by the packet's end (RFC 2865 §5).";
                return false;
            }

            var type = span[offset];
            var attributeLength = span[offset + 1];
            if (attributeLength < 2)
            {
                message = $"Attribute {type} at offset {offset} has Length {attributeLength}; the minimum is 2 (RFC 2865 §5).";
                return false;
            }

            if (offset + attributeLength > length)
            {
                message = $"Attribute {type} at offset {offset} (Length {attributeLength}) runs past the packet's Length ({length}) (RFC 2865 §5).";
                return false;
            }

            if (type == RadiusAttributeType.MessageAuthenticator)
            {
                // RFC 3579 §3.2: Length = 18, at most one.
                if (attributeLength != 18 || messageAuthenticator >= 0)
                {
                    message = "The Message-Authenticator attribute must appear at most once with Length 18 (RFC 3579 §3.2).";
                    return false;
                }

                messageAuthenticator = offset + 2;
            }

            attributes.Add(new RadiusAttribute(type, raw.Slice(offset + 2, attributeLength - 2)));
            offset += attributeLength;
        }

        packet = new RadiusPacket(code, span[1], raw, attributes, messageAuthenticator);
        reasonCode = null;
        message = null;
        return true;
    }
}
