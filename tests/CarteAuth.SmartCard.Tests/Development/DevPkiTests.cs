using System.Security.Cryptography.X509Certificates;
using CarteAuth.SmartCard.Development;
using CarteAuth.SmartCard.Tests.TestSupport;
using CarteAuth.Testing;

namespace CarteAuth.SmartCard.Tests.Development;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes, openssl
public sealed class DevPkiTests
{
    private static readonly Lazy<DevPki> Pki = new(() => DevPki.CreateWithStandardCards(new DevPkiOptions
    {
        CrlUrl = new Uri("http://127.0.0.1:1/fort-personnes.crl"),
        OcspUrl = new Uri("http://127.0.0.1:1/"),
    }));

    private static DevCard Card(string name) => Pki.Value.Cards.Single(c => c.Spec.Name == name);

    [Fact]
    public void Personal_card_subject_has_the_cps_shape_with_a_multi_valued_rdn()
    {
        var subject = Card("doctor").Certificate.SubjectName;

        var rdns = subject.EnumerateRelativeDistinguishedNames().ToList();
        Assert.Equal(3, rdns.Count);
        Assert.True(rdns[0].HasMultipleElements);
        var person = rdns.Single(r => r.HasMultipleElements);
        Assert.Contains("CN=810002813839", subject.Name, StringComparison.Ordinal);
        Assert.Contains("SN=DONNAT-GADY", subject.Name, StringComparison.Ordinal);
        Assert.Contains("ISABELLE", subject.Name, StringComparison.Ordinal);
        Assert.Contains("Médecin", subject.Name, StringComparison.Ordinal);
        Assert.EndsWith("C=FR", subject.Name, StringComparison.Ordinal);
        Assert.NotNull(person);
    }

    [Fact]
    public void Staff_card_subject_has_the_cpa_shape()
    {
        var name = Card("staff").Certificate.SubjectName.Name;

        Assert.Contains("CN=500000000029751/CPAT0001", name, StringComparison.Ordinal);
        Assert.Contains("OU=300000000029751", name, StringComparison.Ordinal);
        Assert.Contains("O=CHU CARTEAUTH DEV", name, StringComparison.Ordinal);
        Assert.Contains("L=PARIS", name, StringComparison.Ordinal);
    }

    [Fact]
    public void Cards_chain_to_the_root_as_the_only_anchor_and_carry_card_usages()
    {
        var pki = Pki.Value;
        var card = Card("doctor").Certificate;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(pki.Root);
        chain.ChainPolicy.ExtraStore.Add(pki.Intermediate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;

        Assert.True(chain.Build(card), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(3, chain.ChainElements.Count);
        Assert.Contains("AC IGC-SANTE FORT PERSONNES", card.IssuerName.Name, StringComparison.Ordinal);
        Assert.Contains("CARTEAUTH DEV PKI", card.IssuerName.Name, StringComparison.Ordinal);
        Assert.Contains(card.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.2");
        Assert.True(card.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature));
        Assert.Equal(["http://127.0.0.1:1/"], card.Extensions.OfType<X509AuthorityInformationAccessExtension>().Single().EnumerateOcspUris());
        Assert.True(card.HasPrivateKey);
    }

    [Fact]
    public void Deliberately_bad_cards_lack_what_they_should()
    {
        using var pki = DevPki.Create();
        using var noEku = pki.IssueCard(DevPki.StandardCards[0] with { Name = "no-eku", ClientAuth = false });
        using var noSig = pki.IssueCard(DevPki.StandardCards[0] with { Name = "no-sig", DigitalSignature = false });

        Assert.DoesNotContain(noEku.Certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.2");
        Assert.False(noSig.Certificate.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature));
    }

    [Fact]
    public void Written_files_are_read_back_by_openssl_including_the_crl_and_pfx()
    {
        using var dir = new TempDirectory();
        using var pki = DevPki.CreateWithStandardCards();
        pki.Revoke(pki.Cards[1]);
        pki.WriteTo(dir.Path);

        var crl = RunOpenssl("crl", "-inform", "DER", "-in", Path.Combine(dir.Path, "fort-personnes.crl"), "-noout", "-text");
        Assert.Contains("Serial Number: " + pki.Cards[1].SerialHex, crl, StringComparison.OrdinalIgnoreCase);
        var verify = RunOpenssl("verify", "-CAfile", Path.Combine(dir.Path, "root.pem"), "-untrusted", Path.Combine(dir.Path, "intermediate.pem"), Path.Combine(dir.Path, "cards", "doctor.pem"));
        Assert.Contains("OK", verify, StringComparison.Ordinal);
        var pfx = RunOpenssl("pkcs12", "-in", Path.Combine(dir.Path, "cards", "doctor.pfx"), "-passin", "pass:carteauth-dev", "-nokeys", "-clcerts");
        Assert.Contains("810002813839", pfx, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir.Path, "cards", "doctor.key.pem")));
        var index = File.ReadAllLines(Path.Combine(dir.Path, "index.txt"));
        Assert.Equal(4, index.Length);
        Assert.StartsWith("R\t", index[1], StringComparison.Ordinal);
        Assert.StartsWith("V\t", index[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openssl_ocsp_responder_answers_from_the_written_index()
    {
        using var dir = new TempDirectory();
        using var pki = DevPki.CreateWithStandardCards();
        pki.Revoke(pki.Cards[1]);
        pki.WriteTo(dir.Path);
        await using var responder = new OpensslOcspResponder(dir.Path, maxRequests: 2);
        string Ask(string card) => Openssl.Run("ocsp", "-issuer", Path.Combine(dir.Path, "intermediate.pem"), "-cert", Path.Combine(dir.Path, "cards", card + ".pem"),
            "-url", responder.Url.AbsoluteUri, "-CAfile", Path.Combine(dir.Path, "chain.pem"), "-timeout", "10").Output;

        Assert.Contains(": good", Ask("doctor"), StringComparison.Ordinal);
        Assert.Contains(": revoked", Ask("pharmacist"), StringComparison.Ordinal);
        Assert.Equal(2, responder.Requests);
    }

    private static string RunOpenssl(params string[] args) => Openssl.Run(args).Output;
}
