using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CarteAuth.Gateway.Radius;

/// <summary>
/// Builds a RADIUS packet: attributes in order, then the authenticators. Used for the server's replies and by the
/// test client (<c>carteauth radius test</c>).
/// </summary>
public sealed class RadiusPacketBuilder
{
    private readonly List<(byte Type, byte[] Value)> _attributes = [];

    /// <summary>Starts a packet.</summary>
    public RadiusPacketBuilder(RadiusCode code, byte identifier)
    {
        Code = code;
        Identifier = identifier;
    }

    /// <summary>The packet code.</summary>
    public RadiusCode Code { get; }

    /// <summary>The identifier.</summary>
    public byte Identifier { get; }

    /// <summary>Adds an attribute (value 0..253 octets).</summary>
    public RadiusPacketBuilder Add(byte type, ReadOnlySpan<byte> value)
    {
        if (value.Length > 253)
        {
            throw new ArgumentException($"A RADIUS attribute value has at most 253 octets (RFC 2865 §5); attribute {type} has {value.Length}.", nameof(value));
        }

        _attributes.Add((type, value.ToArray()));
        return this;
    }

    /// <summary>Adds a text attribute (UTF-8), cut at 253 octets on a character boundary.</summary>
    public RadiusPacketBuilder AddText(byte type, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > 253)
        {
            var cut = 253;
            while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
            {
                cut--;
            }

            bytes = bytes[..cut];
        }

        return Add(type, bytes);
    }

    /// <summary>Adds a 32-bit integer attribute (network order).</summary>
    public RadiusPacketBuilder AddInteger(byte type, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return Add(type, bytes);
    }

    /// <summary>
    /// A reply to <paramref name="requestAuthenticator"/>: Message-Authenticator (RFC 3579 §3.2, computed with the
    /// Request Authenticator) when asked, then the Response Authenticator (RFC 2865 §3 / RFC 2866 §4).
    /// </summary>
    public byte[] BuildResponse(ReadOnlySpan<byte> requestAuthenticator, ReadOnlySpan<byte> secret, bool addMessageAuthenticator)
    {
        var packet = Layout(addMessageAuthenticator, out var maOffset);
        requestAuthenticator[..16].CopyTo(packet.AsSpan(RadiusPacket.AuthenticatorOffset));
        if (maOffset >= 0)
        {
            // RFC 3579 §3.2 defines it for Access-* with the Request Authenticator; for accounting packets
            // implementations (FreeRADIUS) use sixteen zero octets, as the Accounting-Request authenticator does (RFC 2866 §3).
            ComputeMessageAuthenticatorInto(packet, maOffset, Code == RadiusCode.AccountingResponse ? stackalloc byte[16] : requestAuthenticator, secret);
        }

        var response = RadiusCrypto.ComputeAuthenticator(packet, requestAuthenticator[..16], secret);
        response.CopyTo(packet.AsSpan(RadiusPacket.AuthenticatorOffset));
        return packet;
    }

    /// <summary>An Access-Request with a random Request Authenticator (RFC 2865 §3) and a Message-Authenticator.</summary>
    /// <param name="secret">The shared secret.</param>
    /// <param name="password">The PAP password to hide in User-Password (RFC 2865 §5.2), or null.</param>
    /// <param name="addMessageAuthenticator">Whether to add Message-Authenticator (RFC 3579 §3.2).</param>
    public byte[] BuildAccessRequest(ReadOnlySpan<byte> secret, string? password, bool addMessageAuthenticator = true)
    {
        var requestAuthenticator = RandomNumberGenerator.GetBytes(16);
        if (password is not null)
        {
            Add(RadiusAttributeType.UserPassword, RadiusCrypto.HidePassword(Encoding.UTF8.GetBytes(password), requestAuthenticator, secret));
        }

        var packet = Layout(addMessageAuthenticator, out var maOffset);
        requestAuthenticator.CopyTo(packet.AsSpan(RadiusPacket.AuthenticatorOffset));
        if (maOffset >= 0)
        {
            ComputeMessageAuthenticatorInto(packet, maOffset, requestAuthenticator, secret);
        }

        return packet;
    }

    /// <summary>An Accounting-Request: authenticator = MD5 over the packet with sixteen zero octets, then the secret (RFC 2866 §3).</summary>
    public byte[] BuildAccountingRequest(ReadOnlySpan<byte> secret)
    {
        var packet = Layout(addMessageAuthenticator: false, out _);
        var authenticator = RadiusCrypto.ComputeAuthenticator(packet, stackalloc byte[16], secret);
        authenticator.CopyTo(packet.AsSpan(RadiusPacket.AuthenticatorOffset));
        return packet;
    }

    private static void ComputeMessageAuthenticatorInto(byte[] packet, int maOffset, ReadOnlySpan<byte> authenticator, ReadOnlySpan<byte> secret) =>
        RadiusCrypto.ComputeMessageAuthenticator(packet, maOffset, authenticator[..16], secret).CopyTo(packet.AsSpan(maOffset));

    private byte[] Layout(bool addMessageAuthenticator, out int maOffset)
    {
        var length = RadiusPacket.MinLength + (addMessageAuthenticator ? 18 : 0);
        foreach (var (_, value) in _attributes)
        {
            length += 2 + value.Length;
        }

        if (length > RadiusPacket.MaxLength)
        {
            throw new InvalidOperationException($"The RADIUS packet would have {length} octets; the maximum is {RadiusPacket.MaxLength} (RFC 2865 §3).");
        }

        var packet = new byte[length];
        packet[0] = (byte)Code;
        packet[1] = Identifier;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)length);
        var offset = RadiusPacket.MinLength;
        maOffset = -1;
        if (addMessageAuthenticator)
        {
            // First in the packet, as the Blast-RADIUS (CVE-2024-3596) mitigations recommend; zeros until computed.
            packet[offset] = RadiusAttributeType.MessageAuthenticator;
            packet[offset + 1] = 18;
            maOffset = offset + 2;
            offset += 18;
        }

        foreach (var (type, value) in _attributes)
        {
            packet[offset] = type;
            packet[offset + 1] = (byte)(2 + value.Length);
            value.CopyTo(packet.AsSpan(offset + 2));
            offset += 2 + value.Length;
        }

        return packet;
    }
}
