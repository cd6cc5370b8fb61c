using System.Security.Cryptography.X509Certificates;
using CarteAuth.SmartCard.Development;
using CarteAuth.SmartCard.Revocation;

namespace CarteAuth.SmartCard.Tests.TestSupport;

/// <summary>Development PKIs shared by the certificate tests (RSA key generation is slow): good cards and deliberately bad ones.</summary>
internal static class CardFixtures
{
    private static readonly Lazy<DevPki> LazyPki = new(() =>
    {
        var pki = DevPki.CreateWithStandardCards();
        var doctor = DevPki.StandardCards[0];
        var now = DateTimeOffset.UtcNow;
        pki.IssueCard(doctor with { Name = "expired", NotBefore = now.AddDays(-200), NotAfter = now.AddDays(-100) });
        pki.IssueCard(doctor with { Name = "future", NotBefore = now.AddDays(10), NotAfter = now.AddDays(400) });
        pki.IssueCard(doctor with { Name = "no-eku", ClientAuth = false });
        pki.IssueCard(doctor with { Name = "no-sig", DigitalSignature = false });
        pki.IssueCard(doctor with { Name = "bad-idnat", NationalId = "810002813838" });
        pki.IssueCard(doctor with { Name = "no-surname", FamilyName = " " });
        pki.IssueCard(DevPki.StandardCards[3] with { Name = "staff-bad-ou", StructureId = "STRUCTURE-X" });
        return pki;
    });

    private static readonly Lazy<DevPki> LazyOther = new(() => DevPki.CreateWithStandardCards());
    private static readonly Lazy<DevPki> LazyElementaire = new(() => DevPki.CreateWithStandardCards(new DevPkiOptions { Range = IgcSanteRange.Elementaire }));

    /// <summary>The trusted FORT PKI with the standard cards and the bad ones.</summary>
    public static DevPki Pki => LazyPki.Value;

    /// <summary>Another FORT PKI, never trusted.</summary>
    public static DevPki OtherPki => LazyOther.Value;

    /// <summary>An ELEMENTAIRE range PKI.</summary>
    public static DevPki ElementairePki => LazyElementaire.Value;

    public static X509Certificate2 Card(string name) => Pki.Cards.Single(c => c.Spec.Name == name).Certificate;

    /// <summary>Options trusting <paramref name="pki"/> (default the main PKI): root as anchor, intermediate to build chains.</summary>
    public static SmartCardOptions Options(DevPki? pki = null)
    {
        pki ??= Pki;
        var options = new SmartCardOptions();
        options.TrustAnchors.Add(pki.Root);
        options.Intermediates.Add(pki.Intermediate);
        return options;
    }

    public static SmartCardCertificateValidator Validator(SmartCardOptions? options = null, ICertificateRevocationChecker? checker = null, TimeProvider? time = null) =>
        new(options ?? Options(), checker, time);
}

/// <summary>A clock the test moves.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>A revocation checker answering what the test says, counting calls.</summary>
internal sealed class StubRevocationChecker(RevocationCheckResult answer) : ICertificateRevocationChecker
{
    public int Calls { get; private set; }

    public X509Certificate2? LastIssuer { get; private set; }

    public ValueTask<RevocationCheckResult> CheckAsync(X509Certificate2 certificate, X509Certificate2 issuer, CancellationToken cancellationToken = default)
    {
        Calls++;
        LastIssuer = issuer;
        return ValueTask.FromResult(answer);
    }
}
