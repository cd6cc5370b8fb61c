using System.Buffers;

namespace CarteAuth.Text;

/// <summary>
/// Checks for base64url text as JOSE (RFC 7515 §2) and WebAuthn's JSON forms write it: the URL-safe alphabet of
/// RFC 4648 §5 without padding, and one spelling per byte string (RFC 4648 §3.5). Used before decoding untrusted input
/// so that two different strings never decode to the same bytes.
/// </summary>
public static class StrictBase64Url
{
    private static readonly SearchValues<char> Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>The index of the first character outside the base64url alphabet (<c>A-Z a-z 0-9 - _</c>), or -1.</summary>
    /// <param name="text">The text to check.</param>
    public static int IndexOfInvalidChar(ReadOnlySpan<char> text) => text.IndexOfAnyExcept(Alphabet);

    /// <summary>
    /// True when <paramref name="text"/>, made of alphabet characters only, is the canonical encoding of its bytes
    /// (RFC 4648 §3.5): a final partial group has its unused low bits zero, and a length of 4n+1 is never valid.
    /// </summary>
    /// <param name="text">Base64url characters (check the alphabet first with <see cref="IndexOfInvalidChar"/>).</param>
    public static bool IsCanonical(ReadOnlySpan<char> text) => (text.Length & 3) switch
    {
        0 => true,
        1 => false,
        2 => (SixBits(text[^1]) & 0x0F) == 0,
        _ => (SixBits(text[^1]) & 0x03) == 0,
    };

    private static int SixBits(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' => 62,
        _ => 63,
    };
}
