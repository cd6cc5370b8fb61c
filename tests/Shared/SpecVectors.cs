using System.Text.Json;

namespace CarteAuth.Testing;

/// <summary>One case of the WebAuthn Level 3 spec test vectors (../shared/test-vectors/webauthn-l3/vectors.json).</summary>
/// <param name="Id">The case id, e.g. <c>packed-es256</c>.</param>
/// <param name="Title">The spec's title.</param>
/// <param name="Origin">The origin (<c>https://example.org</c>).</param>
/// <param name="RpId">The RP id (<c>example.org</c>).</param>
/// <param name="Registration">Registration fields (hex decoded), empty for the root certificate case.</param>
/// <param name="Authentication">Authentication fields (hex decoded), empty for the root certificate case.</param>
/// <param name="Common">Shared fields (the attestation root case).</param>
public sealed record SpecVector(
    string Id,
    string Title,
    string Origin,
    string RpId,
    IReadOnlyDictionary<string, byte[]> Registration,
    IReadOnlyDictionary<string, byte[]> Authentication,
    IReadOnlyDictionary<string, byte[]> Common)
{
    /// <inheritdoc/>
    public override string ToString() => Id;
}

/// <summary>Loads the WebAuthn L3 spec test vectors shipped read-only next to the repository.</summary>
public static class SpecVectors
{
    private static readonly Lazy<IReadOnlyList<SpecVector>> All = new(Load);

    /// <summary>Every case, including <c>attestation-root-cert</c>.</summary>
    public static IReadOnlyList<SpecVector> Cases => All.Value;

    /// <summary>The cases with a registration and an authentication.</summary>
    public static IEnumerable<SpecVector> Ceremonies => Cases.Where(c => c.Registration.Count > 0);

    /// <summary>One case by id.</summary>
    public static SpecVector Get(string id) => Cases.Single(c => c.Id == id);

    /// <summary>The attestation CA certificate (DER) that roots the attested cases.</summary>
    public static byte[] AttestationRootCertificate => Get("attestation-root-cert").Common["attestation_ca_cert"];

    /// <summary>xunit member data: ceremony case ids.</summary>
    public static TheoryData<string> CeremonyIds
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var c in Ceremonies)
            {
                data.Add(c.Id);
            }

            return data;
        }
    }

    /// <summary>Path of vectors.json.</summary>
    public static string FilePath => RepositoryPaths.Of("tests", "Shared", "test-vectors", "webauthn-l3", "vectors.json");

    /// <summary>The shared original of the vectors, next to the repository (present on the project's machines, maybe not in CI).</summary>
    public static string SharedOriginalPath => Path.Combine(RepositoryPaths.Root, "..", "shared", "test-vectors", "webauthn-l3", "vectors.json");

    private static IReadOnlyList<SpecVector> Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(FilePath));
        var list = new List<SpecVector>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            list.Add(new SpecVector(
                c.GetProperty("id").GetString()!,
                c.GetProperty("title").GetString()!,
                c.TryGetProperty("origin", out var o) ? o.GetString()! : "https://example.org",
                c.TryGetProperty("rpId", out var r) ? r.GetString()! : "example.org",
                Fields(c, "registration"),
                Fields(c, "authentication"),
                Fields(c, "common")));
        }

        return list;
    }

    private static Dictionary<string, byte[]> Fields(JsonElement c, string name)
    {
        var result = new Dictionary<string, byte[]>();
        if (c.TryGetProperty(name, out var obj))
        {
            foreach (var p in obj.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.String)
                {
                    result[p.Name] = Convert.FromHexString(p.Value.GetString()!);
                }
            }
        }

        return result;
    }
}
