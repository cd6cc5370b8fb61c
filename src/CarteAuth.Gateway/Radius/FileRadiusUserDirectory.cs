using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CarteAuth.Identity;
using CarteAuth.Tokens;

namespace CarteAuth.Gateway.Radius;

/// <summary>What the first factor proved: the professional behind a RADIUS User-Name.</summary>
/// <param name="UserName">The User-Name as sent by the NAS.</param>
/// <param name="Identity">The professional (idNat, names).</param>
public sealed record RadiusUser(string UserName, ProfessionalIdentity Identity);

/// <summary>The first factor: checks a PAP password and maps the User-Name to a professional identity.</summary>
public interface IRadiusPasswordVerifier
{
    /// <summary>
    /// Checks the password. Returns the user, or a null user with the reason code
    /// (<c>radius.unknown-user</c>, <c>radius.bad-password</c>). Should take the same time whether the user exists or not.
    /// </summary>
    ValueTask<(RadiusUser? User, string? ReasonCode)> VerifyAsync(string userName, ReadOnlyMemory<byte> password, CancellationToken cancellationToken = default);
}

/// <summary>
/// A JSON user file for the sample and tests: each user's PBKDF2-SHA256 password hash (compared in constant time),
/// idNat and names, and optionally a TOTP secret (base32). Format:
/// <c>{ "Users": [ { "UserName": "…", "IdNat": "8…", "FamilyName": "…", "GivenName": "…", "Password": "pbkdf2-sha256$&lt;iterations&gt;$&lt;salt b64&gt;$&lt;hash b64&gt;", "TotpSecret": "BASE32" } ] }</c>.
/// </summary>
public sealed class FileRadiusUserDirectory : IRadiusPasswordVerifier, IRadiusOtpVerifier
{
    private const string Scheme = "pbkdf2-sha256";
    private readonly Dictionary<string, Entry> _users;
    private readonly Entry _dummy;
    private readonly TotpVerifier _totp;

    private FileRadiusUserDirectory(Dictionary<string, Entry> users, TotpVerifier totp)
    {
        _users = users;
        _totp = totp;
        var iterations = users.Count > 0 ? users.Values.Max(u => u.Iterations) : 1000;
        _dummy = new Entry(null!, RandomNumberGenerator.GetBytes(16), RandomNumberGenerator.GetBytes(32), iterations, null);
    }

    /// <summary>Loads the user file; a malformed file throws <see cref="CarteAuthException"/> (<c>radius.invalid-options</c>) naming the user and field.</summary>
    public static FileRadiusUserDirectory Load(string path, TimeProvider time) => Load(path, time, null);

    /// <summary>
    /// Loads the user file, recording accepted one-time codes in <paramref name="usedCodes"/> (shared by every node when
    /// it is Redis's, so a code is accepted once by the whole deployment; <see cref="TotpVerifier.VerifyAsync"/>).
    /// </summary>
    public static FileRadiusUserDirectory Load(string path, TimeProvider time, IReplayCache? usedCodes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw RadiusServerOptions.Invalid($"UsersFile: '{path}' cannot be read ({e.Message}).");
        }

        return Parse(json, time, path, usedCodes);
    }

    /// <summary>Parses a user file's JSON (see the class summary).</summary>
    public static FileRadiusUserDirectory Parse(string json, TimeProvider time, string source = "user file") => Parse(json, time, source, null);

    /// <summary>Parses a user file's JSON (see the class summary), recording accepted one-time codes in <paramref name="usedCodes"/>.</summary>
    internal static FileRadiusUserDirectory Parse(string json, TimeProvider time, string source, IReplayCache? usedCodes)
    {
        ArgumentNullException.ThrowIfNull(time);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw RadiusServerOptions.Invalid($"{source} is not valid JSON ({e.Message}).");
        }

        using (document)
        {
            if (!document.RootElement.TryGetProperty("Users", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw RadiusServerOptions.Invalid($"{source} has no \"Users\" array.");
            }

            var users = new Dictionary<string, Entry>(StringComparer.Ordinal);
            var index = 0;
            foreach (var item in list.EnumerateArray())
            {
                string Field(string name, bool required = true) =>
                    item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString())
                        ? v.GetString()!
                        : required ? throw RadiusServerOptions.Invalid($"{source}: Users[{index}].{name} is missing.") : null!;

                var userName = Field("UserName");
                if (!NationalId.TryParse(Field("IdNat"), out var idNat))
                {
                    throw RadiusServerOptions.Invalid($"{source}: Users[{index}] ({userName}).IdNat is not a valid idNat.");
                }

                var identity = new ProfessionalIdentity(idNat, Field("FamilyName"), Field("GivenName", required: false));
                if (!TryParseHash(Field("Password"), out var salt, out var hash, out var iterations))
                {
                    throw RadiusServerOptions.Invalid($"{source}: Users[{index}] ({userName}).Password is not '{Scheme}$<iterations>$<salt base64>$<hash base64>' with at least 1000 iterations, a salt of 8 to 256 octets and a hash of 16 to 64 octets (make one with FileRadiusUserDirectory.HashPassword).");
                }

                byte[]? totp = null;
                var totpText = Field("TotpSecret", required: false);
                if (totpText is not null && !Base32.TryDecode(totpText, out totp))
                {
                    throw RadiusServerOptions.Invalid($"{source}: Users[{index}] ({userName}).TotpSecret is not base32 (RFC 4648).");
                }

                if (!users.TryAdd(userName, new Entry(new RadiusUser(userName, identity), salt, hash, iterations, totp)))
                {
                    throw RadiusServerOptions.Invalid($"{source}: user '{userName}' appears twice.");
                }

                index++;
            }

            return new FileRadiusUserDirectory(users, new TotpVerifier(time, usedCodes));
        }
    }

    /// <summary>Makes a password hash for the user file (PBKDF2-SHA256, random 16-octet salt).</summary>
    public static string HashPassword(string password, int iterations = 210_000)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1000);
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = new byte[32];
        Pbkdf2Sha256.DeriveKey(Encoding.UTF8.GetBytes(password), salt, iterations, hash);
        return $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <inheritdoc/>
    public ValueTask<(RadiusUser? User, string? ReasonCode)> VerifyAsync(string userName, ReadOnlyMemory<byte> password, CancellationToken cancellationToken = default)
    {
        var known = _users.TryGetValue(userName, out var entry);
        entry ??= _dummy; // same work for unknown users: no timing oracle on user names
        Span<byte> computed = stackalloc byte[entry.Hash.Length];
        Pbkdf2Sha256.DeriveKey(password.Span, entry.Salt, entry.Iterations, computed);
        var match = CryptographicOperations.FixedTimeEquals(computed, entry.Hash);
        return ValueTask.FromResult<(RadiusUser?, string?)>(
            !known ? (null, ReasonCodes.RadiusUnknownUser)
            : match ? (entry.User, null)
            : (null, ReasonCodes.RadiusBadPassword));
    }

    /// <inheritdoc/>
    public bool HasOtp(string userName) => _users.TryGetValue(userName, out var entry) && entry.TotpSecret is not null;

    /// <inheritdoc/>
    public async ValueTask<string?> VerifyAsync(string userName, string code, CancellationToken cancellationToken = default) =>
        _users.TryGetValue(userName, out var entry) && entry.TotpSecret is { } secret && await _totp.VerifyAsync(userName, secret, code, cancellationToken).ConfigureAwait(false)
            ? null
            : ReasonCodes.RadiusBadOtp;

    private static bool TryParseHash(string text, out byte[] salt, out byte[] hash, out int iterations)
    {
        salt = hash = [];
        iterations = 0;
        var parts = text.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out iterations) || iterations < 1000)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[2]);
            hash = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length is >= 8 and <= 256 && hash.Length is >= 16 and <= 64;
    }

    private sealed record Entry(RadiusUser User, byte[] Salt, byte[] Hash, int Iterations, byte[]? TotpSecret);
}
