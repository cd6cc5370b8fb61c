using System.Buffers;
using System.Security.Cryptography;

namespace CarteAuth.Gateway.Radius;

/// <summary>
/// The RADIUS authenticators and attribute hiding: Response Authenticator (RFC 2865 §3), Accounting-Request
/// Authenticator (RFC 2866 §3), Message-Authenticator (RFC 3579 §3.2) and User-Password (RFC 2865 §5.2).
/// Every comparison is constant time.
/// </summary>
public static class RadiusCrypto
{
    /// <summary>The longest User-Password value (RFC 2865 §5.2: "between 16 and 128 octets").</summary>
    public const int MaxPasswordLength = 128;

    /// <summary>
    /// MD5(Code+Identifier+Length+<paramref name="authenticator"/>+Attributes+Secret) over <paramref name="packet"/>
    /// with its authenticator field replaced: the Response Authenticator (RFC 2865 §3, the request's authenticator)
    /// and the Accounting-Request Authenticator (RFC 2866 §3, sixteen zero octets).
    /// </summary>
    public static byte[] ComputeAuthenticator(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> authenticator, ReadOnlySpan<byte> secret)
    {
        // One-shot MD5 over one contiguous copy (no hash object per packet); the copy holds the secret, so it is cleared.
        var length = packet.Length + secret.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var buffer = rented.AsSpan(0, length);
            packet.CopyTo(buffer);
            authenticator[..16].CopyTo(buffer[RadiusPacket.AuthenticatorOffset..]);
            secret.CopyTo(buffer[packet.Length..]);
            return MD5.HashData(buffer);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rented.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// RFC 3579 §3.2: HMAC-MD5 keyed by the shared secret over the packet with the Message-Authenticator value set
    /// to sixteen zero octets and the authenticator field set to <paramref name="authenticator"/> (the Request
    /// Authenticator, for requests and for the replies to them).
    /// </summary>
    public static byte[] ComputeMessageAuthenticator(ReadOnlySpan<byte> packet, int messageAuthenticatorOffset, ReadOnlySpan<byte> authenticator, ReadOnlySpan<byte> secret)
    {
        // One-shot HMAC-MD5 over a copy of the packet with the authenticator set and the Message-Authenticator zeroed.
        var rented = ArrayPool<byte>.Shared.Rent(packet.Length);
        try
        {
            var buffer = rented.AsSpan(0, packet.Length);
            packet.CopyTo(buffer);
            authenticator[..16].CopyTo(buffer[RadiusPacket.AuthenticatorOffset..]);
            buffer.Slice(messageAuthenticatorOffset, 16).Clear();
            return HMACMD5.HashData(secret, buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Checks a request's Message-Authenticator (RFC 3579 §3.2), in constant time. False when absent.</summary>
    public static bool VerifyMessageAuthenticator(RadiusPacket packet, ReadOnlySpan<byte> secret, bool zeroAuthenticator = false)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (!packet.HasMessageAuthenticator)
        {
            return false;
        }

        var raw = packet.Raw.Span;
        Span<byte> zeros = stackalloc byte[16];
        zeros.Clear();
        var authenticator = zeroAuthenticator ? zeros : raw.Slice(RadiusPacket.AuthenticatorOffset, 16);
        var expected = ComputeMessageAuthenticator(raw, packet.MessageAuthenticatorOffset, authenticator, secret);
        return CryptographicOperations.FixedTimeEquals(expected, raw.Slice(packet.MessageAuthenticatorOffset, 16));
    }

    /// <summary>Checks an Accounting-Request's authenticator (RFC 2866 §3), in constant time.</summary>
    public static bool VerifyAccountingRequest(RadiusPacket packet, ReadOnlySpan<byte> secret)
    {
        ArgumentNullException.ThrowIfNull(packet);
        Span<byte> zeros = stackalloc byte[16];
        zeros.Clear();
        var expected = ComputeAuthenticator(packet.Raw.Span, zeros, secret);
        return CryptographicOperations.FixedTimeEquals(expected, packet.Authenticator.Span);
    }

    /// <summary>
    /// RFC 2865 §5.2: c(1) = p1 xor MD5(S + RA), c(i) = pi xor MD5(S + c(i-1)); the password is padded with zero
    /// octets to a multiple of 16 (at most 128 octets).
    /// </summary>
    public static byte[] HidePassword(ReadOnlySpan<byte> password, ReadOnlySpan<byte> requestAuthenticator, ReadOnlySpan<byte> secret)
    {
        if (password.Length > MaxPasswordLength)
        {
            throw new ArgumentException($"A RADIUS password has at most {MaxPasswordLength} octets (RFC 2865 §5.2).", nameof(password));
        }

        var length = Math.Max(16, (password.Length + 15) / 16 * 16);
        var result = new byte[length];
        password.CopyTo(result);
        Xor(result, requestAuthenticator, secret, hiding: true);
        return result;
    }

    /// <summary>
    /// Reverses <see cref="HidePassword"/>; trailing zero octets (the padding) are removed. False when the hidden
    /// value is not 16..128 octets in multiples of 16.
    /// </summary>
    public static bool TryUnhidePassword(ReadOnlySpan<byte> hidden, ReadOnlySpan<byte> requestAuthenticator, ReadOnlySpan<byte> secret, out byte[] password)
    {
        if (hidden.Length < 16 || hidden.Length > MaxPasswordLength || hidden.Length % 16 != 0)
        {
            password = [];
            return false;
        }

        var result = hidden.ToArray();
        Xor(result, requestAuthenticator, secret, hiding: false);
        var end = result.Length;
        while (end > 0 && result[end - 1] == 0)
        {
            end--;
        }

        password = result[..end];
        CryptographicOperations.ZeroMemory(result);
        return true;
    }

    private static void Xor(Span<byte> data, ReadOnlySpan<byte> requestAuthenticator, ReadOnlySpan<byte> secret, bool hiding)
    {
        Span<byte> previous = stackalloc byte[16];
        requestAuthenticator[..16].CopyTo(previous);
        Span<byte> block = stackalloc byte[16];
        var rented = ArrayPool<byte>.Shared.Rent(secret.Length + 16);
        var input = rented.AsSpan(0, secret.Length + 16);
        secret.CopyTo(input);
        try
        {
            XorBlocks(data, previous, block, input, secret.Length, hiding);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void XorBlocks(Span<byte> data, Span<byte> previous, Span<byte> block, Span<byte> input, int secretLength, bool hiding)
    {
        for (var i = 0; i < data.Length; i += 16)
        {
            // b(i) = MD5(S + c(i-1)), one-shot over secret + previous block.
            previous.CopyTo(input[secretLength..]);
            MD5.HashData(input, block);
            var chunk = data.Slice(i, 16);
            if (!hiding)
            {
                chunk.CopyTo(previous); // the next key uses the hidden block c(i)
            }

            for (var j = 0; j < 16; j++)
            {
                chunk[j] ^= block[j];
            }

            if (hiding)
            {
                chunk.CopyTo(previous);
            }
        }
    }
}
