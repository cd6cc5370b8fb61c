using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using CarteAuth.Tokens;

namespace CarteAuth.Gateway.Radius;

/// <summary>Verifies a one-time code for a user (the second factor answering an Access-Challenge).</summary>
public interface IRadiusOtpVerifier
{
    /// <summary>True when <paramref name="userName"/> has an OTP means enrolled.</summary>
    bool HasOtp(string userName);

    /// <summary>Checks <paramref name="code"/>; a code is accepted at most once. Returns null on success, else the reason code.</summary>
    ValueTask<string?> VerifyAsync(string userName, string code, CancellationToken cancellationToken = default);
}

/// <summary>
/// TOTP (RFC 6238) over HOTP (RFC 4226): HMAC-SHA1, 30-second steps from the Unix epoch, 6 digits, one step of clock
/// drift either way (RFC 6238 §5.2), and each step accepted once per user (RFC 6238 §5.2: "MUST NOT accept the
/// second attempt of the same OTP after the successful validation"): on this node only a step after the last one
/// accepted passes, and with an <see cref="IReplayCache"/> (<see cref="VerifyAsync"/>; shared through Redis by
/// <c>UseRedis</c>) a code accepted by one node is refused by every other.
/// </summary>
public sealed class TotpVerifier
{
    /// <summary>The time step (RFC 6238 §4: X = 30 seconds).</summary>
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    private readonly TimeProvider _time;
    private readonly IReplayCache? _usedCodes;
    private readonly ConcurrentDictionary<string, long> _lastStep = new(StringComparer.Ordinal);

    /// <summary>Creates a verifier on <paramref name="time"/>.</summary>
    public TotpVerifier(TimeProvider time)
        : this(time, null)
    {
    }

    /// <summary>Creates a verifier on <paramref name="time"/> that records accepted codes in <paramref name="usedCodes"/> (see <see cref="VerifyAsync"/>).</summary>
    /// <param name="time">The clock.</param>
    /// <param name="usedCodes">Where accepted (user, step) pairs are recorded until the step can no longer be accepted; shared by every node when it is Redis's.</param>
    public TotpVerifier(TimeProvider time, IReplayCache? usedCodes)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _usedCodes = usedCodes;
    }

    /// <summary>
    /// <see cref="Verify"/>, then, with the <see cref="IReplayCache"/> given at construction, records the accepted code
    /// (key <c>totp:&lt;user&gt;:&lt;step&gt;</c> until the step leaves the drift window): a code already recorded, by this
    /// node or another sharing the cache, is refused. A cache that cannot record throws its
    /// <see cref="CarteAuthException"/> (the code is not accepted: fail closed).
    /// </summary>
    public async ValueTask<bool> VerifyAsync(string user, ReadOnlyMemory<byte> secret, string code, CancellationToken cancellationToken = default)
    {
        if (!TryVerify(user, secret.Span, code, out var step))
        {
            return false;
        }

        // RFC 6238 §5.2 across nodes: the step is acceptable until one drift step after its own ends.
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds((step + 2) * (long)Step.TotalSeconds);
        return _usedCodes is null || await _usedCodes.TryAddAsync("totp:" + user + ":" + step.ToString(System.Globalization.CultureInfo.InvariantCulture), expiresAt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The 6-digit code of <paramref name="secret"/> at <paramref name="at"/> (RFC 6238 §4.2, RFC 4226 §5.3).</summary>
    public static string Compute(ReadOnlySpan<byte> secret, DateTimeOffset at) => Compute(secret, at.ToUnixTimeSeconds() / (long)Step.TotalSeconds);

    /// <summary>Checks <paramref name="code"/> for <paramref name="user"/>, in constant time per candidate step (this node's single use only: see <see cref="VerifyAsync"/>).</summary>
    public bool Verify(string user, ReadOnlySpan<byte> secret, string code) => TryVerify(user, secret, code, out _);

    private bool TryVerify(string user, ReadOnlySpan<byte> secret, string code, out long acceptedStep)
    {
        ArgumentNullException.ThrowIfNull(user);
        acceptedStep = 0;
        if (code is null || code.Length != 6 || !code.All(char.IsAsciiDigit))
        {
            return false;
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds() / (long)Step.TotalSeconds;
        for (var step = now - 1; step <= now + 1; step++)
        {
            var expected = Compute(secret, step);
            if (CarteAuth.Text.FixedTime.Equals(expected, code))
            {
                // Single use on this node: only a step after the last accepted one passes.
                var accepted = false;
                _lastStep.AddOrUpdate(
                    user,
                    _ => { accepted = true; return step; },
                    (_, last) => { accepted = step > last; return accepted ? step : last; });
                acceptedStep = step;
                return accepted;
            }
        }

        return false;
    }

    private static string Compute(ReadOnlySpan<byte> secret, long counter)
    {
        // RFC 4226 §5.3: HS = HMAC-SHA-1(K, C); dynamic truncation; Snum mod 10^Digit.
        Span<byte> message = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(message, counter);
        Span<byte> hash = stackalloc byte[20];
        HMACSHA1.HashData(secret, message, hash);
        var offset = hash[19] & 0x0F;
        var binary = (BinaryPrimitives.ReadInt32BigEndian(hash[offset..]) & 0x7FFFFFFF) % 1_000_000;
        return binary.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Base32 (RFC 4648 §6) as authenticator apps use it for TOTP secrets: case-insensitive, padding optional.</summary>
public static class Base32
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>Decodes; false on any character outside the alphabet.</summary>
    public static bool TryDecode(string? text, out byte[] bytes)
    {
        bytes = [];
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Replace(" ", string.Empty, StringComparison.Ordinal).TrimEnd('=').ToUpperInvariant();
        var output = new List<byte>(trimmed.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in trimmed)
        {
            var value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                return false;
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                output.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        bytes = [.. output];
        return bytes.Length > 0;
    }

    /// <summary>Encodes without padding.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var sb = new System.Text.StringBuilder((bytes.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                sb.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            sb.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return sb.ToString();
    }
}
