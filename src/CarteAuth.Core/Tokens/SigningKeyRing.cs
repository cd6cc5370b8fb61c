using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using CarteAuth.Identity;

namespace CarteAuth.Tokens;

/// <summary>
/// The keys of a token service: one <see cref="Active"/> key signs new tokens; every key in <see cref="Keys"/>
/// (the active one first) validates them, found by <c>kid</c>. Immutable: <see cref="Rotate"/> and
/// <see cref="Without"/> return new rings, so a validator reading <see cref="ISigningKeyProvider.Current"/>
/// always sees a consistent set.
/// <para>Rotation: <c>ring = ring.Rotate(newKey)</c> signs with the new key and still validates tokens signed by the
/// old one; once the old tokens have expired (the token lifetime plus the clock skew), <c>ring.Without(oldKid)</c>
/// retires it. The ring does not own its keys: dispose them yourself once no ring uses them.</para>
/// </summary>
public sealed class SigningKeyRing
{
    private readonly FrozenDictionary<string, SessionSigningKey> _byKid;
    private readonly FrozenDictionary<string, SessionSigningKey>.AlternateLookup<ReadOnlySpan<char>> _byKidSpan;

    private SigningKeyRing(SessionSigningKey[] keys)
    {
        var byKid = new Dictionary<string, SessionSigningKey>(keys.Length, StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (!byKid.TryAdd(key.Kid, key))
            {
                throw SessionSigningKey.InvalidKey(
                    $"Two keys share kid '{key.Kid}'. Each key of a ring needs its own kid (leave kid null to use the RFC 7638 thumbprint).");
            }
        }

        Active = keys[0];
        Keys = Array.AsReadOnly(keys);
        _byKid = byKid.ToFrozenDictionary(StringComparer.Ordinal);
        _byKidSpan = _byKid.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>
    /// The key that signs new tokens. For a ring read from a JWKS (<see cref="FromJwksJson"/>) it is the first key and
    /// has no private part: such a ring only validates.
    /// </summary>
    public SessionSigningKey Active { get; }

    /// <summary>All keys, the active one first; each validates the tokens that name it in their <c>kid</c>.</summary>
    public IReadOnlyList<SessionSigningKey> Keys { get; }

    /// <summary>Creates a ring.</summary>
    /// <param name="active">The key that signs.</param>
    /// <param name="previous">Older keys kept to validate tokens they signed.</param>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.InvalidKey"/>: two keys share a kid.</exception>
    public static SigningKeyRing Create(SessionSigningKey active, params SessionSigningKey[] previous)
    {
        ArgumentNullException.ThrowIfNull(active);
        ArgumentNullException.ThrowIfNull(previous);
        var keys = new SessionSigningKey[previous.Length + 1];
        keys[0] = active;
        for (var i = 0; i < previous.Length; i++)
        {
            keys[i + 1] = previous[i] ?? throw new ArgumentNullException(nameof(previous), "A previous key is null.");
        }

        return new SigningKeyRing(keys);
    }

    /// <summary>
    /// A new ring where <paramref name="newActive"/> signs and every current key still validates. Rotating to a key
    /// already in the ring (same instance) makes it active again.
    /// </summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.InvalidKey"/>: the ring holds a different key with the same kid.</exception>
    public SigningKeyRing Rotate(SessionSigningKey newActive)
    {
        ArgumentNullException.ThrowIfNull(newActive);
        var keys = new List<SessionSigningKey>(Keys.Count + 1) { newActive };
        foreach (var key in Keys)
        {
            if (!string.Equals(key.Kid, newActive.Kid, StringComparison.Ordinal))
            {
                keys.Add(key);
            }
            else if (!ReferenceEquals(key, newActive) && !key.HasSamePublicKey(newActive))
            {
                throw SessionSigningKey.InvalidKey(
                    $"The ring already holds a different key with kid '{newActive.Kid}'. Give the new key another kid (or leave it null for the RFC 7638 thumbprint).");
            }
        }

        return new SigningKeyRing([.. keys]);
    }

    /// <summary>
    /// A new ring without the key <paramref name="kid"/>: tokens it signed stop validating. Returns this ring when no key
    /// has that kid (retiring twice is harmless).
    /// </summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.InvalidKey"/>: <paramref name="kid"/> is the active key;
    /// <see cref="Rotate"/> to another key first.</exception>
    public SigningKeyRing Without(string kid)
    {
        ArgumentNullException.ThrowIfNull(kid);
        if (!_byKid.ContainsKey(kid))
        {
            return this;
        }

        if (string.Equals(Active.Kid, kid, StringComparison.Ordinal))
        {
            throw SessionSigningKey.InvalidKey(
                $"Key '{kid}' is the active signing key and cannot be retired. Rotate to a new key first, then retire '{kid}' once its tokens have expired.");
        }

        var keys = new SessionSigningKey[Keys.Count - 1];
        var i = 0;
        foreach (var key in Keys)
        {
            if (!string.Equals(key.Kid, kid, StringComparison.Ordinal))
            {
                keys[i++] = key;
            }
        }

        return new SigningKeyRing(keys);
    }

    /// <summary>Finds the key with a kid.</summary>
    public bool TryGetKey(string kid, [NotNullWhen(true)] out SessionSigningKey? key)
    {
        ArgumentNullException.ThrowIfNull(kid);
        return _byKid.TryGetValue(kid, out key);
    }

    /// <summary>Finds the key with a kid without allocating a string (token validation).</summary>
    internal bool TryGetKey(ReadOnlySpan<char> kid, [NotNullWhen(true)] out SessionSigningKey? key) =>
        _byKidSpan.TryGetValue(kid, out key);

    /// <summary>
    /// The public keys as a JWK Set (RFC 7517 §5): <c>{"keys":[…]}</c>, each with kty, kid, use=sig, alg and
    /// crv/x/y (EC) or n/e (RSA). Publish it at <c>/.well-known/carteauth/jwks.json</c>; it holds no private part.
    /// </summary>
    public string ToJwksJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512 * Keys.Count);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("keys");
            foreach (var key in Keys)
            {
                key.WritePublicJwk(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Reads a JWK Set (RFC 7517 §5) into a validation-only ring (its first usable key is <see cref="Active"/>).
    /// Keys that are not for CarteAuth session tokens are skipped: <c>use</c> other than <c>sig</c>, a <c>kty</c> other
    /// than EC or RSA, an <c>alg</c> other than ES256, PS256, RS256. RSA keys without <c>alg</c> are read as RS256.
    /// </summary>
    /// <param name="json">The JWKS document.</param>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.InvalidKey"/>: not JSON, no <c>keys</c> array, a
    /// malformed key (the message gives its position and kid), duplicate kids, or no usable key at all.</exception>
    public static SigningKeyRing FromJwksJson(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            throw SessionSigningKey.InvalidKey("The JWKS text is empty. Expected a JSON object {\"keys\":[…]} (RFC 7517 §5).");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw SessionSigningKey.InvalidKey($"The JWKS is not valid JSON: {ex.Message}", ex);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw SessionSigningKey.InvalidKey($"The JWKS is a JSON {doc.RootElement.ValueKind}; expected an object {{\"keys\":[…]}} (RFC 7517 §5).");
            }

            if (!doc.RootElement.TryGetProperty("keys", out var keysElement) || keysElement.ValueKind != JsonValueKind.Array)
            {
                throw SessionSigningKey.InvalidKey("The JWKS has no \"keys\" array (RFC 7517 §5.1). Expected {\"keys\":[{\"kty\":…}, …]}.");
            }

            var keys = new List<SessionSigningKey>();
            var skipped = new List<string>();
            try
            {
                var index = 0;
                foreach (var element in keysElement.EnumerateArray())
                {
                    var what = $"JWKS key #{index}";
                    index++;
                    if (element.ValueKind != JsonValueKind.Object)
                    {
                        throw SessionSigningKey.InvalidKey($"{what} is a JSON {element.ValueKind}; each member of \"keys\" must be a JWK object.");
                    }

                    if (element.TryGetProperty("kid", out var kidElement) && kidElement.ValueKind == JsonValueKind.String)
                    {
                        what += $" (kid '{NationalId.Printable(kidElement.GetString()!)}')";
                    }

                    if (SkipReason(element) is { } reason)
                    {
                        skipped.Add($"{what}: {reason}");
                        continue;
                    }

                    var isRsa = element.TryGetProperty("kty", out var kty) && kty.ValueKind == JsonValueKind.String && kty.ValueEquals("RSA");
                    var hasAlg = element.TryGetProperty("alg", out var alg) && alg.ValueKind == JsonValueKind.String;
                    keys.Add(SessionSigningKey.FromJwkElement(element, isRsa && !hasAlg ? SessionTokenAlgorithm.RS256 : null, what));
                }

                if (keys.Count == 0)
                {
                    throw SessionSigningKey.InvalidKey(skipped.Count == 0
                        ? "The JWKS has an empty \"keys\" array: there is no key to validate tokens with."
                        : $"The JWKS has no key usable for session tokens ({string.Join("; ", skipped)}).");
                }

                return new SigningKeyRing([.. keys]);
            }
            catch
            {
                foreach (var key in keys)
                {
                    key.Dispose();
                }

                throw;
            }
        }
    }

    private static string? SkipReason(JsonElement jwk)
    {
        if (jwk.TryGetProperty("use", out var use) && use.ValueKind == JsonValueKind.String && !use.ValueEquals("sig"))
        {
            return $"use '{NationalId.Printable(use.GetString()!)}' is not sig";
        }

        if (jwk.TryGetProperty("kty", out var kty) && kty.ValueKind == JsonValueKind.String && !kty.ValueEquals("EC") && !kty.ValueEquals("RSA"))
        {
            return $"kty '{NationalId.Printable(kty.GetString()!)}' is not EC or RSA";
        }

        if (jwk.TryGetProperty("alg", out var alg) && alg.ValueKind == JsonValueKind.String &&
            !SessionTokenAlgorithms.TryParse(alg.GetString(), out _))
        {
            return $"alg '{NationalId.Printable(alg.GetString()!)}' is not ES256, PS256 or RS256";
        }

        return null;
    }
}
