using CarteAuth.SmartCard.Development;

namespace CarteAuth.Cli.Tests;

/// <summary>One dev PKI written by <c>carteauth dev-pki</c>, shared by the tests of the class, removed afterwards.</summary>
public sealed class CliDevPkiFixture : IDisposable
{
    private readonly TempDirectory _dir = new();

    public CliDevPkiFixture()
    {
        Directory = System.IO.Path.Combine(_dir.Path, "pki");
        var run = CliRun.RunAsync("dev-pki", "--out", Directory, "--crl-url", "http://127.0.0.1:8080/fort-personnes.crl", "--ocsp-url", "http://127.0.0.1:8081", "--json").GetAwaiter().GetResult();
        Assert.Equal(0, run.ExitCode);
    }

    public string Directory { get; }

    public void Dispose() => _dir.Dispose();
}

public sealed class CertCommandTests(CliDevPkiFixture fixture) : IClassFixture<CliDevPkiFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Pki(params string[] parts) => Path.Combine([fixture.Directory, .. parts]);

    [Fact]
    public async Task Dev_pki_writes_the_standard_cards_and_says_what_it_wrote()
    {
        var out1 = Path.Combine(_dir.Path, "pki");

        var run = await CliRun.RunAsync("dev-pki", "--out", out1, "--json");

        Assert.Equal(0, run.ExitCode);
        var json = run.Json;
        Assert.Equal("FORT", (string?)json["range"]);
        Assert.Equal(["doctor", "pharmacist", "nurse", "staff"], json["cards"]!.AsArray().Select(c => (string)c!["name"]!));
        var files = json["files"]!.AsArray().Select(f => (string)f!).ToList();
        Assert.Contains("root.pem", files);
        Assert.Contains("cards/doctor.pem", files);
        Assert.Contains("cards/doctor.pfx", files);
        Assert.True(File.Exists(Path.Combine(out1, "cards", "staff.key.pem")));

        var text = await CliRun.RunAsync("dev-pki", "--out", Path.Combine(_dir.Path, "pki2"));
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("card doctor: 810002813839", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dev_pki_refuses_a_non_empty_folder_without_force_and_a_bad_url()
    {
        var dir = Path.Combine(_dir.Path, "busy");
        System.IO.Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "keep.txt"), "x");

        var busy = await CliRun.RunAsync("dev-pki", "--out", dir, "--json");
        var badUrl = await CliRun.RunAsync("dev-pki", "--out", Path.Combine(_dir.Path, "new"), "--crl-url", "ftp://x/crl", "--json");

        Assert.Equal(2, busy.ExitCode);
        Assert.Equal("cli.usage", (string?)busy.Json["reasonCode"]);
        Assert.Equal(2, badUrl.ExitCode);
        Assert.Contains("--crl-url", (string?)badUrl.Json["error"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_prints_the_doctor_identity_as_json()
    {
        var run = await CliRun.RunAsync("cert", "inspect", Pki("cards", "doctor.pem"), "--json");

        Assert.Equal(0, run.ExitCode);
        var json = run.Json;
        Assert.Equal("810002813839", (string?)json["idNat"]);
        Assert.Equal("Rpps", (string?)json["idNatKind"]);
        Assert.Equal("Personal", (string?)json["cardKind"]);
        Assert.Equal("DONNAT-GADY", (string?)json["familyName"]);
        Assert.Equal("ISABELLE", (string?)json["givenName"]);
        Assert.Equal("10", (string?)json["professionCode"]);
        Assert.Equal("Médecin", (string?)json["professionLabel"]);
        Assert.Equal("FORT", (string?)json["range"]);
        Assert.Equal("high", (string?)json["assurance"]);
        Assert.Equal("AC IGC-SANTE FORT PERSONNES", (string?)json["issuerCommonName"]);
        Assert.True((bool?)json["clientAuth"]);
        Assert.True((bool?)json["digitalSignature"]);
        Assert.NotNull((string?)json["serial"]);
        Assert.NotNull((string?)json["notAfter"]);
    }

    [Fact]
    public async Task Inspect_reads_der_and_shows_the_staff_structure_in_text()
    {
        var der = Path.Combine(_dir.Path, "staff.der");
        using (var staff = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(Pki("cards", "staff.pem")))
        {
            await File.WriteAllBytesAsync(der, staff.RawData);
        }

        var json = await CliRun.RunAsync("cert", "inspect", der, "--json");
        var text = await CliRun.RunAsync("cert", "inspect", der);

        Assert.Equal(0, json.ExitCode);
        Assert.Equal("StructureStaff", (string?)json.Json["idNatKind"]);
        Assert.Equal("CPAT0001", (string?)json.Json["cardId"]);
        Assert.Equal("300000000029751", (string?)json.Json["structure"]!["id"]);
        Assert.Equal("CHU CARTEAUTH DEV", (string?)json.Json["structure"]!["name"]);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("structure:   300000000029751", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_of_an_unreadable_file_exits_2_with_a_reason_code()
    {
        var garbage = _dir.File("garbage.pem", "this is not a certificate");
        var key = Pki("cards", "doctor.key.pem");

        var bad = await CliRun.RunAsync("cert", "inspect", garbage, "--json");
        var notCert = await CliRun.RunAsync("cert", "inspect", key, "--json");
        var missing = await CliRun.RunAsync("cert", "inspect", _dir.File("none.pem"), "--json");

        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("cert.unreadable", (string?)bad.Json["reasonCode"]);
        Assert.Equal(2, notCert.ExitCode);
        Assert.Equal("cert.unreadable", (string?)notCert.Json["reasonCode"]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal("cli.file-not-found", (string?)missing.Json["reasonCode"]);
    }

    [Fact]
    public async Task Inspect_of_a_ca_certificate_is_rejected_as_not_a_card()
    {
        var run = await CliRun.RunAsync("cert", "inspect", Pki("intermediate.pem"), "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("cert.malformed-subject", (string?)run.Json["reasonCode"]);
    }

    [Fact]
    public async Task Verify_accepts_a_card_of_the_anchored_pki_and_says_revocation_is_not_checked()
    {
        var json = await CliRun.RunAsync("cert", "verify", Pki("cards", "nurse.pem"), "--anchors", Pki("root.pem"), "--intermediates", Pki("intermediate.pem"), "--json");
        var text = await CliRun.RunAsync("cert", "verify", Pki("cards", "nurse.pem"), "--anchors", Pki("root.pem"), "--intermediates", Pki("intermediate.pem"));

        Assert.Equal(0, json.ExitCode);
        Assert.True((bool?)json.Json["accepted"]);
        Assert.Equal("60", (string?)json.Json["professionCode"]);
        Assert.Equal("not checked", (string?)json.Json["revocation"]);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("revocation: not checked", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_takes_an_anchor_folder_and_a_chain_in_the_certificate_file()
    {
        var anchors = System.IO.Directory.CreateDirectory(Path.Combine(_dir.Path, "anchors")).FullName;
        File.Copy(Pki("root.pem"), Path.Combine(anchors, "root.pem"));
        var withChain = _dir.File("doctor-chain.pem", await File.ReadAllTextAsync(Pki("cards", "doctor.pem")) + await File.ReadAllTextAsync(Pki("intermediate.pem")));

        var run = await CliRun.RunAsync("cert", "verify", withChain, "--anchors", anchors, "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("810002813839", (string?)run.Json["idNat"]);
    }

    [Fact]
    public async Task Verify_refuses_a_card_of_another_pki_with_exit_1()
    {
        var other = Path.Combine(_dir.Path, "other");
        Assert.Equal(0, (await CliRun.RunAsync("dev-pki", "--out", other, "--json")).ExitCode);

        var json = await CliRun.RunAsync("cert", "verify", Path.Combine(other, "cards", "doctor.pem"), "--anchors", Pki("root.pem"), "--intermediates", Pki("intermediate.pem"), "--json");
        var text = await CliRun.RunAsync("cert", "verify", Path.Combine(other, "cards", "doctor.pem"), "--anchors", Pki("root.pem"), "--intermediates", Pki("intermediate.pem"));

        Assert.Equal(1, json.ExitCode);
        Assert.Equal("cert.untrusted-chain", (string?)json.Json["reasonCode"]);
        Assert.Equal(1, text.ExitCode);
        Assert.Contains("[cert.untrusted-chain]", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("revocation: not checked", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_refuses_an_expired_card_and_an_elementaire_card_unless_allowed()
    {
        using var pki = DevPki.Create(new DevPkiOptions { Range = SmartCard.IgcSanteRange.Elementaire });
        var now = DateTimeOffset.UtcNow;
        using var expired = pki.IssueCard(DevPki.StandardCards[0] with { Name = "expired", NotBefore = now.AddDays(-20), NotAfter = now.AddDays(-10) });
        using var good = pki.IssueCard(DevPki.StandardCards[2]);
        var root = _dir.File("e-root.pem", pki.Root.ExportCertificatePem());
        var intermediate = _dir.File("e-int.pem", pki.Intermediate.ExportCertificatePem());
        var expiredFile = _dir.File("expired.pem", expired.Certificate.ExportCertificatePem());
        var goodFile = _dir.File("good.pem", good.Certificate.ExportCertificatePem());

        var exp = await CliRun.RunAsync("cert", "verify", expiredFile, "--anchors", root, "--intermediates", intermediate, "--json");
        var range = await CliRun.RunAsync("cert", "verify", goodFile, "--anchors", root, "--intermediates", intermediate, "--json");
        var allowed = await CliRun.RunAsync("cert", "verify", goodFile, "--anchors", root, "--intermediates", intermediate, "--allow-range", "Elementaire", "--json");

        Assert.Equal(1, exp.ExitCode);
        Assert.Equal("cert.expired", (string?)exp.Json["reasonCode"]);
        Assert.Equal(1, range.ExitCode);
        Assert.Equal("cert.unknown-range", (string?)range.Json["reasonCode"]);
        Assert.Equal(0, allowed.ExitCode);
        Assert.Equal("low", (string?)allowed.Json["assurance"]);
    }

    [Fact]
    public async Task Verify_with_a_missing_anchor_file_is_bad_input()
    {
        var run = await CliRun.RunAsync("cert", "verify", Pki("cards", "doctor.pem"), "--anchors", _dir.File("nope.pem"), "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("cert.invalid-options", (string?)run.Json["reasonCode"]);
    }

    [Fact]
    public async Task Verify_without_anchors_is_a_usage_error()
    {
        var run = await CliRun.RunAsync("cert", "verify", Pki("cards", "doctor.pem"), "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("cli.usage", (string?)run.Json["reasonCode"]);
    }
}
