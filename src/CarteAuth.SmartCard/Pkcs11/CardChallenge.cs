using System.Security.Cryptography;
using System.Text;

namespace CarteAuth.SmartCard.Pkcs11;

/// <summary>
/// A server challenge for a card: 32 random bytes and an identifier, single use and expiring. The card signs
/// <see cref="ToBeSigned()"/>, a domain-separated structure, never the raw bytes, so the signature cannot be replayed
/// for another purpose (TLS, document signature, another protocol using the same card key).
/// </summary>
public sealed class CardChallenge
{
    /// <summary>The domain separation label that starts every signed structure.</summary>
    public const string DomainLabel = "carteauth-card-challenge-v1";

    /// <summary>The length of a challenge value in bytes.</summary>
    public const int ValueLength = 32;

    /// <summary>The longest challenge identifier accepted, in characters.</summary>
    public const int MaxIdLength = 128;

    private readonly byte[] _value;

    /// <summary>Creates a challenge (issuers use <see cref="CardChallengeIssuer"/>; stores use this to rebuild one).</summary>
    /// <param name="id">The identifier: 1 to 128 characters among letters, digits, <c>-</c> and <c>_</c>.</param>
    /// <param name="value">The 32 random bytes.</param>
    /// <param name="issuedAt">When the challenge was issued.</param>
    /// <param name="expiresAt">When it stops being accepted.</param>
    /// <exception cref="Pkcs11CardException"><c>pkcs11.malformed-response</c> when the id or value is malformed.</exception>
    public CardChallenge(string id, ReadOnlySpan<byte> value, DateTimeOffset issuedAt, DateTimeOffset expiresAt)
    {
        ValidateId(id);
        ValidateValue(value);
        Id = id;
        _value = value.ToArray();
        IssuedAt = issuedAt;
        ExpiresAt = expiresAt;
    }

    /// <summary>The identifier the response names.</summary>
    public string Id { get; }

    /// <summary>The 32 random bytes.</summary>
    public ReadOnlyMemory<byte> Value => _value;

    /// <summary>When the challenge was issued.</summary>
    public DateTimeOffset IssuedAt { get; }

    /// <summary>When the challenge stops being accepted.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The bytes the card signs for this challenge (see <see cref="ToBeSigned(string, ReadOnlySpan{byte})"/>).</summary>
    public byte[] ToBeSigned() => ToBeSigned(Id, _value);

    /// <summary>
    /// The bytes a card signs for a challenge: the ASCII label <c>carteauth-card-challenge-v1</c>, a zero byte, the
    /// identifier's length (one byte) and its ASCII characters, the value's length (one byte) and the 32 value bytes.
    /// Every part is length-prefixed or fixed, so two different (id, value) pairs never give the same bytes.
    /// </summary>
    /// <param name="id">The challenge identifier.</param>
    /// <param name="value">The 32 challenge bytes.</param>
    /// <exception cref="Pkcs11CardException"><c>pkcs11.malformed-response</c> when the id or value is malformed.</exception>
    public static byte[] ToBeSigned(string id, ReadOnlySpan<byte> value)
    {
        ValidateId(id);
        ValidateValue(value);
        var label = Encoding.ASCII.GetBytes(DomainLabel);
        var result = new byte[label.Length + 1 + 1 + id.Length + 1 + value.Length];
        var span = result.AsSpan();
        label.CopyTo(span);
        var at = label.Length;
        span[at++] = 0;
        span[at++] = (byte)id.Length;
        at += Encoding.ASCII.GetBytes(id, span[at..]);
        span[at++] = (byte)value.Length;
        value.CopyTo(span[at..]);
        return result;
    }

    /// <summary>A new random challenge identifier (16 random bytes, base64url).</summary>
    internal static string NewId() => Base64Url(RandomNumberGenerator.GetBytes(16));

    internal static void ValidateId(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw new Pkcs11CardException(ReasonCodes.Pkcs11MalformedResponse, "The challenge id is empty: send the id the server returned with the challenge.");
        }

        if (!IsWellFormedId(id))
        {
            throw new Pkcs11CardException(
                ReasonCodes.Pkcs11MalformedResponse,
                $"The challenge id is malformed: it must be 1 to {MaxIdLength} characters among letters, digits, '-' and '_' (got {Math.Min(id.Length, 9999)} characters). Send the id exactly as the server returned it.");
        }
    }

    /// <summary>True when the id has 1 to 128 characters among letters, digits, '-' and '_' (safe to log).</summary>
    internal static bool IsWellFormedId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxIdLength && id.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_');

    private static void ValidateValue(ReadOnlySpan<byte> value)
    {
        if (value.Length != ValueLength)
        {
            throw new Pkcs11CardException(
                ReasonCodes.Pkcs11MalformedResponse,
                $"The challenge value has {value.Length} bytes; a card challenge has exactly {ValueLength}. Pass the bytes the server issued, decoded from base64url.");
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
