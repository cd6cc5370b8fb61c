using System.Globalization;
using System.Text;
using System.Text.Json;
using CarteAuth.Tokens;

namespace CarteAuth.Core.Tests.Tokens;

/// <summary>
/// Differential test: the claims reader and System.Text.Json's Utf8JsonReader (default options, MaxDepth 32) must
/// agree on thousands of deterministic mutations of real claim payloads. "Accepted" for Utf8JsonReader means every
/// token reads and every string decodes with GetString; this reader refuses undecodable strings while reading, which
/// is the only place the two may part: then its error must be InvalidUtf8 or UnpairedSurrogate. Every document is also
/// read with ReadMember in objects, which must give the same tokens and errors as Read.
/// </summary>
public sealed class ClaimsJsonReaderDifferentialTests
{
    private const int Mutations = 4000;

    private static readonly string[] Whitespace = ["", "", "", "", " ", "\t", "\n", "\r\n", "  \t\r\n ", "\f", "\v", "\u00a0", "\u2028"];

    private static readonly string[] NumberEdges =
    [
        "0", "-0", "1", "-1", "10", "1796050823", "1796050823.5", "-0.0", "0.5", "1e5", "1E5", "1e+5", "1e-5", "1.5E-05",
        "9223372036854775807", "9223372036854775808", "123456789012345678901234567890", "1e999", "-1e999", "4.9e-324",
        "01", "-01", "00", "0.", "1.", ".5", "-.5", "+1", "--1", "-", "1e", "1e+", "1E-", "1.e5", "1e5.5", "1.5.5", "0x1F",
        "1_000", "1,000", "Infinity", "-Infinity", "NaN", "1 2", "١", "１", "1/", "1f", "1d", "1L", "0e", "0e0", "-0e-0",
    ];

    private static readonly string[] StringEdges =
    [
        "\"\"", "\"x\"", "\"\\\"\"", "\"\\\\\"", "\"\\/\"", "\"\\b\\f\\n\\r\\t\"", "\"\\u0041\"", "\"\\u00e9\\u00E9\"",
        "\"\\uD834\\uDD1E\"", "\"\\ud83d\\ude00\"", "\"\\uDD1E\\uD834\"", "\"\\uD834\"", "\"\\uDD1E\"", "\"\\uD834x\"",
        "\"\\uD834\\u0041\"", "\"\\u00\"", "\"\\u00G0\"", "\"\\x\"", "\"\\'\"", "\"\\ \"", "\"\t\"", "\"\n\"", "\"\u001f\"",
        "\"\u007f\"", "\"é\"", "\"Médecin\"", "\"😀\"", "\"€\"", "\"abc", "\"abc\\\"", "'x'", "\"a\"\"b\"",
    ];

    private static readonly string[] LiteralEdges =
        ["true", "false", "null", "tru", "fals", "nul", "True", "FALSE", "Null", "nulll", "truee", "undefined", "t", "nan"];

    private static readonly string[] Snippets =
    [
        ",", ":", "\"", "\\", "\\u", "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\u00e9", "-", "0", "01", ".", "e", "E+",
        "+", "[", "]", "{", "}", "[]", "{}", "true", "nul", " ", "\t", "\n", "\r", "/*", "*/", "//", "\0", "\u001f",
        "\u007f", "é", "😀", ",\"x\":1", "\"\":\"\"", "{\"a\":[1,{\"b\":null}]}",
    ];

    private static readonly byte[] InterestingBytes =
        [.. "{}[],:\"\\ \t\n\r0123456789-+.eEtfnulrsabx/*'"u8, 0x00, 0x01, 0x08, 0x0C, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xFF];

    [Fact]
    public void Claims_reader_agrees_with_Utf8JsonReader_on_mutated_claim_payloads()
    {
        var random = new Random(8259);
        var seeds = Seeds();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        void Count(string what) => counts[what] = counts.GetValueOrDefault(what) + 1;

        foreach (var seed in seeds)
        {
            // The seed, and every prefix of it: the data ending at each position of the grammar.
            var bytes = Encoding.UTF8.GetBytes(Serialize(seed, random, compact: true));
            for (var length = 0; length <= bytes.Length; length++)
            {
                Compare(bytes[..length], Count);
            }
        }

        for (var i = 0; i < Mutations; i++)
        {
            var members = new List<(string Name, string Value)>(seeds[random.Next(seeds.Count)]);
            var structural = random.Next(3) > 0 ? MutateMembers(members, random) : "none";
            var bytes = Encoding.UTF8.GetBytes(Serialize(members, random, compact: random.Next(3) > 0)).ToList();
            var byteMutations = random.Next(4) switch { 0 => 0, 1 or 2 => 1, _ => 2 };
            for (var m = 0; m < byteMutations; m++)
            {
                MutateBytes(bytes, random);
            }

            Count($"structural:{structural}");
            Compare([.. bytes], Count);
        }

        foreach (var edge in HandWritten())
        {
            Compare(edge, Count);
        }

        // The corpus must exercise both outcomes and every kind of refusal, or the agreement proves little.
        Assert.True(counts.GetValueOrDefault("accepted") > Mutations / 5, Summary(counts));
        Assert.True(counts.GetValueOrDefault("refused") > Mutations / 5, Summary(counts));
        foreach (var error in Enum.GetValues<ClaimsJsonError>().Where(static e => e != ClaimsJsonError.None))
        {
            Assert.True(counts.GetValueOrDefault($"error:{error}") > 0, $"no case refused for {error}: {Summary(counts)}");
        }
    }

    [Fact]
    public async Task Validator_refuses_every_payload_Utf8JsonReader_refuses_as_malformed()
    {
        // Signed mutated payloads reach ReadClaims: JSON that System.Text.Json refuses is token.malformed, and JSON it
        // accepts is never reported as invalid JSON (its claims may still be refused for what they say).
        var kit = new TokenTestKit();
        var random = new Random(7519);
        List<List<(string, string)>> seeds = [[.. kit.ValidClaims().Select(static m => (m.Key, m.Value))], .. Seeds()];
        var accepted = 0;
        for (var i = 0; i < 600; i++)
        {
            var members = new List<(string Name, string Value)>(seeds[i % 3 == 0 ? 0 : random.Next(seeds.Count)]);
            if (random.Next(2) == 0)
            {
                MutateMembers(members, random);
            }

            var bytes = Encoding.UTF8.GetBytes(Serialize(members, random, compact: true)).ToList();
            if (random.Next(3) > 0)
            {
                MutateBytes(bytes, random);
            }

            var payload = bytes.ToArray();
            var oracle = JsonOracle.Read(payload);
            var token = TokenTestKit.Sign(kit.Key, TokenTestKit.HeaderFor(kit.Key), payload);
            var result = await kit.ValidateAsync(token);
            if (!oracle.Accepted)
            {
                ResultAssert.Refused(result, ReasonCodes.TokenMalformed);
            }
            else
            {
                accepted++;
                Assert.DoesNotContain("not valid JSON", result.Message ?? string.Empty, StringComparison.Ordinal);
            }
        }

        Assert.InRange(accepted, 100, 500);
    }

    private static void Compare(byte[] json, Action<string> count)
    {
        var expected = JsonOracle.Read(json);
        var actual = JsonOracle.ReadWithClaimsReader(json);
        var shown = Show(json);

        // ReadMember gives what two Reads give, errors included (a member whose value fails is not reported at all).
        var members = JsonOracle.ReadWithMembers(json);
        Assert.True(actual.Error == members.Error && actual.Position == members.Position, $"Read: {actual.Error} at {actual.Position}, ReadMember: {members.Error} at {members.Position}: {shown}");
        var readTokens = !actual.Accepted && actual.Tokens.Count > 0 && actual.Tokens[^1].Type == JsonTokenType.PropertyName
            ? actual.Tokens.Take(actual.Tokens.Count - 1)
            : actual.Tokens;
        Assert.Equal(readTokens, members.Tokens);

        var expectedSays = expected.Accepted ? "accepts" : "refuses (" + (expected.Error ?? "a string does not decode") + ")";
        var actualSays = actual.Accepted ? "accepts" : $"refuses ({actual.Error} at {actual.Position})";
        Assert.True(expected.Accepted == actual.Accepted, $"Utf8JsonReader {expectedSays}, the claims reader {actualSays}: {shown}");
        if (expected.Accepted)
        {
            Assert.Equal(expected.Tokens, actual.Tokens);
            count("accepted");
            return;
        }

        count("refused");
        count($"error:{actual.Error}");
        if (expected.Tokenizes)
        {
            // Utf8JsonReader reads every token but a string does not decode: the one deliberate difference.
            Assert.True(actual.Error is ClaimsJsonError.InvalidUtf8 or ClaimsJsonError.UnpairedSurrogate, $"{actual.Error}: {shown}");
            count("undecodable");
        }
        else if (actual.Error is not (ClaimsJsonError.InvalidUtf8 or ClaimsJsonError.UnpairedSurrogate))
        {
            // Both read the same tokens up to the first error.
            Assert.Equal(expected.Tokens, actual.Tokens);
        }
    }

    private static string MutateMembers(List<(string Name, string Value)> members, Random random)
    {
        var at = random.Next(members.Count);
        var (name, value) = members[at];
        switch (random.Next(8))
        {
            case 0:
                // RFC 7519 §4 duplicates are the validator's business: for JSON they are fine.
                members.Insert(random.Next(members.Count + 1), members[at]);
                return "duplicate";
            case 1:
                var depth = 28 + random.Next(8);
                members[at] = random.Next(2) == 0
                    ? (name, new string('[', depth) + value + new string(']', depth))
                    : (name, string.Concat(Enumerable.Repeat("{\"d\":", depth)) + value + new string('}', depth));
                return "nesting";
            case 2:
                members[at] = (EscapeSomething(name, random), value);
                return "escaped-name";
            case 3:
                members[at] = (name, value.StartsWith('"') ? "\"" + EscapeSomething(value[1..^1], random) + "\"" : value);
                return "escaped-value";
            case 4:
                members[at] = (name, NumberEdges[random.Next(NumberEdges.Length)]);
                return "number";
            case 5:
                members[at] = (name, StringEdges[random.Next(StringEdges.Length)]);
                return "string";
            case 6:
                members[at] = (name, LiteralEdges[random.Next(LiteralEdges.Length)]);
                return "literal";
            default:
                members.RemoveAt(at);
                return "removed";
        }
    }

    // Replaces one character of a JSON string's content by a \u escape: its own code (either case), or a surrogate,
    // paired or not, or any BMP code unit.
    private static string EscapeSomething(string content, Random random)
    {
        var at = content.Length == 0 ? 0 : random.Next(content.Length);
        if (at < content.Length && (content[at] == '\\' || char.IsSurrogate(content[at])))
        {
            at = 0;
        }

        var hex = random.Next(2) == 0 ? "x4" : "X4";
        var escape = random.Next(6) switch
        {
            0 or 1 when at < content.Length && !char.IsSurrogate(content[at]) && content[at] != '\\' => "\\u" + ((int)content[at]).ToString(hex, CultureInfo.InvariantCulture),
            2 => "\\u" + random.Next(0xD800, 0xDC00).ToString(hex, CultureInfo.InvariantCulture) + "\\u" + random.Next(0xDC00, 0xE000).ToString(hex, CultureInfo.InvariantCulture),
            3 => "\\u" + random.Next(0xD800, 0xE000).ToString(hex, CultureInfo.InvariantCulture),
            _ => "\\u" + random.Next(0, 0x10000).ToString(hex, CultureInfo.InvariantCulture),
        };
        return at >= content.Length || content[at] == '\\' ? content + escape : content[..at] + escape + content[(at + 1)..];
    }

    private static void MutateBytes(List<byte> bytes, Random random)
    {
        var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
        switch (random.Next(6))
        {
            case 0 when bytes.Count > 0:
                bytes[at] = random.Next(4) == 0 ? (byte)random.Next(256) : InterestingBytes[random.Next(InterestingBytes.Length)];
                break;
            case 1 when bytes.Count > 0:
                bytes[at] ^= (byte)(1 << random.Next(8));
                break;
            case 2:
                bytes.InsertRange(at, Encoding.UTF8.GetBytes(Snippets[random.Next(Snippets.Length)]));
                break;
            case 3 when bytes.Count > 0:
                bytes.RemoveRange(at, Math.Min(1 + random.Next(4), bytes.Count - at));
                break;
            case 4:
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            default:
                bytes.Insert(at, InterestingBytes[random.Next(InterestingBytes.Length)]);
                break;
        }
    }

    private static string Serialize(List<(string Name, string Value)> members, Random random, bool compact)
    {
        string Ws() => compact ? string.Empty : Whitespace[random.Next(Whitespace.Length)];
        return Ws() + "{" + string.Join(",", members.Select(m => $"{Ws()}\"{m.Name}\"{Ws()}:{Ws()}{m.Value}{Ws()}")) + "}" + Ws();
    }

    /// <summary>Claims sets as CarteAuth and Pro Santé Connect produce them (members as name and JSON value).</summary>
    private static List<List<(string Name, string Value)>> Seeds() =>
    [
        [
            ("aud", "\"carteauth\""), ("iss", "\"https://sso.chu-exemple.fr\""), ("exp", "1796050823"), ("iat", "1795446023"),
            ("nbf", "1795446023"), ("sub", "\"810002813839\""), ("jti", "\"bGxJhCzSjbHzPe1MrHe1cg\""), ("sid", "\"session-1\""),
            ("auth_time", "1795446023"), ("amr", "[\"sc\",\"hwk\",\"pin\"]"), ("acr", "\"high\""), ("loa", "\"high\""), ("rev", "0"),
            ("authn", "\"smartcard\""), ("phr", "true"), ("name", "\"ISABELLE DONNAT-GADY\""), ("family_name", "\"DONNAT-GADY\""),
            ("given_name", "\"ISABELLE\""), ("profession", "\"10\""),
        ],
        [
            ("iss", "\"https://sso.chu-exemple.fr\""), ("aud", "[\"carteauth\",\"https://portail.chu-exemple.fr\"]"), ("sub", "\"899700075122\""),
            ("iat", "1772438400.25"), ("exp", "1772439300"), ("jti", "\"Zm9vYmFyYmF6cXV4MTIzNA\""), ("rev", "3"), ("amr", "[\"swk\",\"mfa\",\"pwd\"]"),
            ("acr", "\"eidas1\""), ("phr", "false"), ("name", "\"Zoë Lefèvre-Müller \\u2014 \\ud83e\\ude7a\""), ("profession", "\"21\""),
            ("x-ext", "{\"a\":[1,2.5e3,-0.5,null,true],\"b\":{\"c\":\"\\/\\b\\f\\n\\r\\t\\\\\\\"\"}}"),
        ],
        [
            ("sub", "\"f:550e8400-e29b-41d4-a716-446655440000:ANS-ID\""), ("SubjectNameID", "\"810002813839\""),
            ("preferred_username", "\"810002813839\""), ("given_name", "\"Isabelle\""), ("family_name", "\"DONNAT-GADY\""),
            ("SubjectRefPro", "{\"codeCivilite\":\"MME\",\"exercices\":[{\"codeProfession\":\"10\",\"codeCategorieProfessionnelle\":\"C\",\"nomDexercice\":\"DONNAT-GADY\",\"prenomDexercice\":\"ISABELLE\",\"codeSavoirFaire\":\"SM26\",\"activities\":[{\"codeModeExercice\":\"S\",\"codeSecteurDactivite\":\"SA07\",\"identifiantTechniqueDeLaStructure\":\"R10100000059045\",\"numeroFinessSite\":\"750712184\",\"raisonSocialeSite\":\"H\\u00d4PITAL SAINT-LOUIS\"}]}]}"),
            ("otherIds", "[{\"identifiant\":\"10002813839\",\"origine\":\"RPPS\",\"qualite\":1}]"), ("acr", "\"eidas1\""),
            ("Palier_Authentification", "\"APPPRIP3^1.2.250.1.213.1.5.1.1.1^CPS\""), ("iat", "1772438400"), ("exp", "1772438520"),
        ],
        [
            // Names and values about as long as the 32 bytes ReadMember classifies at once.
            ("urn:example:claims:twenty-nine", "\"x\""), ("urn:example:claims:thirty-one__", "\"0123456789abcdef0123456789abcd\""),
            ("urn:example:claims:exactly-thirty-two", "1796050823"), ("n", "\"0123456789abcdef0123456789abcdef0\""),
            ("urn:example:claims:thirty-three___", "true"), ("urn:example:claims:thirty-one_é", "\"é\""),
        ],
    ];

    private static IEnumerable<byte[]> HandWritten()
    {
        foreach (var text in new[]
        {
            "{}", " { } ", "{\"a\":1}", "{\"a\":-0.0e+0}", "{\"a\":\"\\u0000\"}", "{\"\\u0061\":[]}", "[]", "1", "\"s\"", "true",
            "{\"a\":1,}", "{\"a\":[1,]}", "{,}", "{\"a\"}", "{\"a\":}", "{\"a\"1}", "{:1}", "{\"a\":1}}", "{\"a\":1]", "{]", "[}",
            "{\"a\":1} {}", "{\"a\":1}\n\n", "{\"a\":1}\n/", "\t{\"a\":\t1\t}\t", "{\r\"a\"\r:\r1\r}", "{\u000b\"a\":1}",
            "{\"a\":0.}", "{\"a\":-.1}", "{\"a\":1e-}", "{\"a\":1E+1}", "{\"a\":1e01}", "{\"a\":00.1}", "{\"a\":-00}",
            "{\"a\":\"\\uD800\\uDC00\"}", "{\"a\":\"\\uDBFF\\uDFFF\"}", "{\"a\":\"\\uDC00\\uD800\"}", "{\"a\":\"\\uD800\\\\uDC00\"}",
            "{\"a\":\"\\u00e9\\u00E9\\u00eA\"}", "{\"a\":\"\\u00\"}", "{\"a\":\"\\u00e\"}", "{\"a\":\"\\u\"}",
        })
        {
            yield return Encoding.UTF8.GetBytes(text);
        }

        foreach (var depth in new[] { 30, 31, 32, 33, 64 })
        {
            yield return Encoding.UTF8.GetBytes("{\"a\":" + new string('[', depth) + new string(']', depth) + "}");
            yield return Encoding.UTF8.GetBytes(new string('[', depth) + "1" + new string(']', depth));
        }

        for (var b = 0; b < 256; b++)
        {
            yield return [.. "{\"a\":\""u8, (byte)b, .. "\"}"u8];
            yield return [.. "{\"a\":1"u8, (byte)b, .. "}"u8];
            yield return [.. "{\"a\":"u8, (byte)b, .. "1}"u8];
            yield return [.. "{"u8, (byte)b, .. "\"a\":1}"u8];
            yield return [.. "{\"a\":\"\\"u8, (byte)b, .. "\"}"u8];
            yield return [.. "{\"a\":\""u8, 0xC3, (byte)b, .. "\"}"u8];
            yield return [.. "{\"a\":\""u8, 0xE2, 0x82, (byte)b, .. "\"}"u8];
            yield return [.. "{\"a\":\""u8, 0xF0, (byte)b, 0x80, 0x80, .. "\"}"u8];
            yield return [.. "{\"a\":\""u8, 0xED, (byte)b, 0x80, .. "\"}"u8];
        }
    }

    private static string Show(byte[] json) =>
        string.Concat(json.Select(static b => b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"<{b:X2}>"));

    private static string Summary(Dictionary<string, int> counts) =>
        string.Join(", ", counts.OrderBy(static c => c.Key, StringComparer.Ordinal).Select(static c => $"{c.Key}={c.Value}"));
}
