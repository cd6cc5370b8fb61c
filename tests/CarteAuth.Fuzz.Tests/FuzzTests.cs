using System.Globalization;
using System.Text;
using CarteAuth.Fuzz.Tests.Engine;
using CarteAuth.Fuzz.Tests.Targets;
using Xunit.Abstractions;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace CarteAuth.Fuzz.Tests;

/// <summary>
/// One time-boxed fuzz run per parser (docs/fuzzing.md): <c>CARTEAUTH_FUZZ_SECONDS</c> per target (default 7),
/// zero crashes and zero hangs expected. A finding fails the test with the input's hex; the input is saved under
/// <c>$CARTEAUTH_ARTIFACTS/fuzz/&lt;target&gt;/</c>.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Attestation_object_and_statements() => Fuzz("attestation");

    [Fact]
    public void Authenticator_data() => Fuzz("authenticator-data");

    [Fact]
    public void Client_data_json() => Fuzz("client-data");

    [Fact]
    public void WebAuthn_response_json_forms() => Fuzz("webauthn-json");

    [Fact]
    public void Card_certificate_identity() => Fuzz("certificate");

    [Fact]
    public void Forwarded_client_certificate_header() => Fuzz("forwarded-cert");

    [Fact]
    public void Session_token_string() => Fuzz("jwt");

    [Fact]
    public void Session_token_signed_claims() => Fuzz("jwt-claims");

    [Fact]
    public void Radius_packet() => Fuzz("radius");

    [Fact]
    public void Policy_file() => Fuzz("policy");

    [Fact]
    public void Every_target_has_a_test()
    {
        var tested = typeof(FuzzTests).GetMethods().Count(m => m.GetCustomAttributes(typeof(FactAttribute), false).Length > 0) - 1;
        Assert.Equal(AllTargets.Names.Count(), tested);
    }

    private void Fuzz(string name)
    {
        var target = AllTargets.Create(name);
        var settings = FuzzSettings.FromEnvironment();
        FuzzReport report;
        try
        {
            report = FuzzRunner.Run(target, settings);
        }
        finally
        {
            (target as IDisposable)?.Dispose();
        }

        var line = report.ToString() + (settings.SeedFromEnvironment ? string.Empty : " (random seed; replay with CARTEAUTH_FUZZ_SEED)");
        output.WriteLine(line);
        Console.WriteLine(line);
        Directory.CreateDirectory(settings.OutputRoot);
        File.AppendAllText(Path.Combine(settings.OutputRoot, "summary.txt"), string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:O} {line}\n"));
        Assert.True(report.SeedInputs > 0, $"{target.Name}: no seed input (corpus/{target.Name}/ and the generated seeds are empty).");
        if (report.Findings.Count > 0)
        {
            var text = new StringBuilder(line).AppendLine();
            foreach (var finding in report.Findings)
            {
                var hex = Convert.ToHexString(finding.Input);
                text.AppendLine(CultureInfo.InvariantCulture, $"{finding.Kind}: {finding.Signature}, saved to {finding.SavedTo}")
                    .AppendLine(CultureInfo.InvariantCulture, $"  input ({finding.Input.Length} bytes): {(hex.Length > 4096 ? hex[..4096] + "…" : hex)}")
                    .AppendLine("  " + finding.Detail.Split('\n').Take(8).Aggregate((a, b) => a + "\n  " + b));
            }

            Assert.Fail(text.ToString());
        }
    }
}
