using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace CarteAuth.Text;

/// <summary>
/// Comparisons of secret values (OAuth <c>state</c>, OIDC <c>nonce</c>, session bindings, OTP codes) whose time does
/// not depend on where the values first differ (no timing oracle); only the lengths may show.
/// </summary>
public static class FixedTime
{
    /// <summary>True when both strings are non-null and have the same UTF-8 bytes, compared in constant time for equal lengths.</summary>
    /// <param name="a">One value (may be untrusted input).</param>
    /// <param name="b">The other value.</param>
    public static bool Equals(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return false;
        }

        var lengthA = Encoding.UTF8.GetByteCount(a);
        var lengthB = Encoding.UTF8.GetByteCount(b);
        if (lengthA != lengthB)
        {
            return false;
        }

        var rented = lengthA * 2 <= 512 ? null : ArrayPool<byte>.Shared.Rent(lengthA * 2);
        var buffer = rented is null ? stackalloc byte[lengthA * 2] : rented.AsSpan(0, lengthA * 2);
        try
        {
            Encoding.UTF8.GetBytes(a, buffer[..lengthA]);
            Encoding.UTF8.GetBytes(b, buffer[lengthA..]);
            return CryptographicOperations.FixedTimeEquals(buffer[..lengthA], buffer[lengthA..]);
        }
        finally
        {
            if (rented is not null)
            {
                CryptographicOperations.ZeroMemory(buffer);
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
