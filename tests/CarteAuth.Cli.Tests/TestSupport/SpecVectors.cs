using System.Text.Json;

namespace CarteAuth.Cli.Tests;

/// <summary>One ceremony of the W3C WebAuthn L3 spec test vectors (hex fields decoded).</summary>
/// <param name="Id">The case id, e.g. <c>packed-es256</c>.</param>
/// <param name="Registration">Registration fields.</param>
/// <param name="Authentication">Authentication fields.</param>
/// <param name="Common">Shared fields (the attestation root case).</param>
internal sealed record SpecVector(string Id, IReadOnlyDictionary<string, byte[]> Registration, IReadOnlyDictionary<string, byte[]> Authentication, IReadOnlyDictionary<string, byte[]> Common);

/// <summary>
/// Loads ../shared/test-vectors/webauthn-l3/vectors.json (the same file as the Fido2 tests' SpecVectors, read here
/// because the CLI tests do not reference the Fido2 tests).
/// </summary>
internal static class SpecVectors
{
    private static readonly Lazy<IReadOnlyList<SpecVector>> All = new(Load);

    public static SpecVector Get(string id) => All.Value.Single(c => c.Id == id);

    /// <summary>The attestation CA certificate (DER) that roots the attested cases.</summary>
    public static byte[] AttestationRootCertificate => Get("attestation-root-cert").Common["attestation_ca_cert"];

    private static IReadOnlyList<SpecVector> Load()
    {
        var path = Path.Combine(RepositoryPaths.Root, "..", "shared", "test-vectors", "webauthn-l3", "vectors.json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return [.. doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new SpecVector(c.GetProperty("id").GetString()!, Fields(c, "registration"), Fields(c, "authentication"), Fields(c, "common")))];
    }

    private static Dictionary<string, byte[]> Fields(JsonElement c, string name)
    {
        var result = new Dictionary<string, byte[]>();
        if (c.TryGetProperty(name, out var obj))
        {
            foreach (var p in obj.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
            {
                result[p.Name] = Convert.FromHexString(p.Value.GetString()!);
            }
        }

        return result;
    }
}
