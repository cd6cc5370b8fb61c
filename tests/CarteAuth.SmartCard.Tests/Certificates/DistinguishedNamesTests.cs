using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.SmartCard.Tests.TestSupport;
using CarteAuth.Testing;

namespace CarteAuth.SmartCard.Tests.Certificates;

public sealed class DistinguishedNamesTests
{
    private static X500DistinguishedName Name(params (string Oid, UniversalTagNumber Type, string Value)[][] rdns)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var rdn in rdns)
            {
                using (writer.PushSetOf())
                {
                    foreach (var (oid, type, value) in rdn)
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier(oid);
                            writer.WriteCharacterString(type, value);
                        }
                    }
                }
            }
        }

        return new X500DistinguishedName(writer.Encode());
    }

    [Fact]
    public void Multi_valued_rdn_attributes_are_read_with_commas_and_plus_signs_in_values()
    {
        var name = Name(
            [("2.5.4.6", UniversalTagNumber.PrintableString, "FR")],
            [("2.5.4.12", UniversalTagNumber.UTF8String, "Médecin, chef+adjoint")],
            [("2.5.4.3", UniversalTagNumber.UTF8String, "810002813839"), ("2.5.4.4", UniversalTagNumber.BMPString, "DURAND=MARTIN"), ("2.5.4.42", UniversalTagNumber.UTF8String, "JEAN")]);

        var attributes = DistinguishedNames.Read(name);

        Assert.Equal(5, attributes.Count);
        Assert.Equal("Médecin, chef+adjoint", Assert.Single(DistinguishedNames.Values(attributes, DistinguishedNames.Title)));
        Assert.Equal("DURAND=MARTIN", Assert.Single(DistinguishedNames.Values(attributes, DistinguishedNames.Surname)));
        Assert.All(attributes.Where(a => a.RdnIndex == 2), a => Assert.True(a.InMultiValuedRdn));
        Assert.False(attributes[0].InMultiValuedRdn);
    }

    [Fact]
    public void Teletex_and_ia5_values_are_read()
    {
        var name = Name([("2.5.4.3", UniversalTagNumber.T61String, "810002813839")], [("2.5.4.4", UniversalTagNumber.IA5String, "DUPONT")]);

        var attributes = DistinguishedNames.Read(name);

        Assert.Equal("810002813839", DistinguishedNames.Values(attributes, DistinguishedNames.CommonName).Single());
        Assert.Equal("DUPONT", DistinguishedNames.Values(attributes, DistinguishedNames.Surname).Single());
    }

    [Fact]
    public void Non_string_value_is_a_cryptographic_error()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSetOf())
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier("2.5.4.3");
            writer.WriteInteger(42);
        }

        Assert.Throws<CryptographicException>(() => DistinguishedNames.Read(new X500DistinguishedName(writer.Encode())));
    }
}

public sealed class CertificateFilesTests
{
    [Fact]
    public void Pem_with_several_certificates_and_der_are_read()
    {
        using var dir = new TempDirectory();
        var chain = dir.File("chain.pem", "comment line\n" + CardFixtures.Pki.Intermediate.ExportCertificatePem() + "\n" + CardFixtures.Pki.Root.ExportCertificatePem() + "\n");
        var der = dir.File("root.der");
        File.WriteAllBytes(der, CardFixtures.Pki.Root.RawData);

        Assert.Equal(2, CertificateFiles.LoadCertificates(chain).Count);
        Assert.Equal(CardFixtures.Pki.Root.Thumbprint, CertificateFiles.LoadCertificate(der).Thumbprint);
        Assert.Equal(3, CertificateFiles.LoadCertificates(dir.Path).Count);
        Assert.Equal(CardFixtures.Pki.Root.Thumbprint, CertificateFiles.FromBytes(CardFixtures.Pki.Root.RawData).Thumbprint);
    }

    [Theory]
    [InlineData("not a certificate")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    public void Unreadable_content_is_cert_unreadable(string content)
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad.pem", content);

        var e = Assert.Throws<CarteAuthException>(() => CertificateFiles.LoadCertificate(path));

        Assert.Equal(ReasonCodes.CertUnreadable, e.ReasonCode);
        Assert.Contains("bad.pem", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_and_folder_without_certificates_are_cert_unreadable()
    {
        using var dir = new TempDirectory();
        dir.File("notes.txt", "nothing");

        Assert.Equal(ReasonCodes.CertUnreadable, Assert.Throws<CarteAuthException>(() => CertificateFiles.LoadCertificate(dir.File("none.pem"))).ReasonCode);
        Assert.Equal(ReasonCodes.CertUnreadable, Assert.Throws<CarteAuthException>(() => CertificateFiles.LoadCertificates(dir.Path)).ReasonCode);
    }
}
