using System.Net;
using System.Text;
using CarteAuth.SmartCard.Tests.TestSupport;

namespace CarteAuth.SmartCard.Tests.Certificates;

public sealed class ForwardedClientCertificateTests
{
    private static ForwardedCertificateOptions Options()
    {
        var options = new ForwardedCertificateOptions();
        options.TrustedProxies.Add(IPAddress.Loopback);
        options.TrustedNetworks.Add(IPNetwork.Parse("10.1.0.0/16"));
        options.TrustedNetworks.Add(IPNetwork.Parse("fd00:cafe::/64"));
        return options;
    }

    /// <summary>
    /// What nginx's $ssl_client_escaped_cert holds: the PEM (with its trailing newline) escaped by ngx_escape_uri in
    /// NGX_ESCAPE_URI_COMPONENT mode, which leaves only unreserved characters (letters, digits, - . _ ~) unescaped
    /// and writes upper-case %XX: "-----BEGIN%20CERTIFICATE-----%0AMII...%2B...%2F...%3D%0A-----END%20CERTIFICATE-----%0A".
    /// </summary>
    internal static string NginxEscape(string pem)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(pem))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static string Header(string card = "doctor") => NginxEscape(CardFixtures.Card(card).ExportCertificatePem() + "\n");

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.42.7")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("fd00:cafe::10")]
    public void Certificate_from_a_trusted_proxy_is_read(string address)
    {
        var header = Header();
        Assert.StartsWith("-----BEGIN%20CERTIFICATE-----%0AMII", header, StringComparison.Ordinal);
        Assert.DoesNotContain("+", header, StringComparison.Ordinal);

        Assert.True(ForwardedClientCertificate.TryRead(header, IPAddress.Parse(address), Options(), out var certificate, out var code, out var message), message);

        using (certificate)
        {
            Assert.Equal(CardFixtures.Card("doctor").Thumbprint, certificate.Thumbprint);
            Assert.Equal(string.Empty, code);
        }
    }

    [Fact]
    public void Escaped_plus_and_slash_are_decoded_not_turned_into_spaces()
    {
        // Base64 of any real certificate has '+' and '/': find one whose PEM does, to exercise %2B and %2F.
        var pem = CardFixtures.Card("nurse").ExportCertificatePem();
        var header = NginxEscape(pem);
        Assert.True(pem.Contains('+', StringComparison.Ordinal) == header.Contains("%2B", StringComparison.Ordinal));

        Assert.True(ForwardedClientCertificate.TryRead(header, IPAddress.Loopback, Options(), out var certificate, out _, out var message), message);
        certificate.Dispose();
    }

    [Theory]
    [InlineData("192.168.1.10")]
    [InlineData("10.2.0.1")]
    [InlineData("fd00:beef::1")]
    [InlineData("::1")]
    public void Header_from_an_untrusted_address_is_refused(string address)
    {
        Assert.False(ForwardedClientCertificate.TryRead(Header(), IPAddress.Parse(address), Options(), out var certificate, out var code, out var message));

        Assert.Null(certificate);
        Assert.Equal(ReasonCodes.CertUntrustedProxy, code);
        Assert.Contains(IPAddress.Parse(address).ToString(), message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_without_remote_address_is_refused()
    {
        Assert.False(ForwardedClientCertificate.TryRead(Header(), null, Options(), out _, out var code, out _));
        Assert.Equal(ReasonCodes.CertUntrustedProxy, code);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Empty_header_means_no_certificate(string? header)
    {
        Assert.False(ForwardedClientCertificate.TryRead(header, IPAddress.Loopback, Options(), out _, out var code, out var message));

        Assert.Equal(ReasonCodes.CertMissing, code);
        Assert.Contains("no client certificate", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a certificate")]
    [InlineData("-----BEGIN%20CERTIFICATE-----%0AAAAA%0A-----END%20CERTIFICATE-----%0A")]
    [InlineData("-----BEGIN%20PRIVATE%20KEY-----%0AAAAA%0A-----END%20PRIVATE%20KEY-----%0A")]
    [InlineData("%ZZ%0G")]
    public void Malformed_header_is_refused(string header)
    {
        Assert.False(ForwardedClientCertificate.TryRead(header, IPAddress.Loopback, Options(), out var certificate, out var code, out var message));

        Assert.Null(certificate);
        Assert.Equal(ReasonCodes.CertMalformedHeader, code);
        Assert.False(string.IsNullOrWhiteSpace(message));
    }

    [Fact]
    public void Two_certificates_in_one_header_are_malformed()
    {
        var header = Header("doctor") + Header("nurse");

        Assert.False(ForwardedClientCertificate.TryRead(header, IPAddress.Loopback, Options(), out _, out var code, out _));
        Assert.Equal(ReasonCodes.CertMalformedHeader, code);
    }

    [Fact]
    public void Oversized_header_is_malformed()
    {
        var options = Options();
        options.MaxHeaderLength = 100;

        Assert.False(ForwardedClientCertificate.TryRead(Header(), IPAddress.Loopback, options, out _, out var code, out var message));
        Assert.Equal(ReasonCodes.CertMalformedHeader, code);
        Assert.Contains("100", message, StringComparison.Ordinal);
    }
}

public sealed class ForwardedToAuthenticatorTests
{
    [Fact]
    public async Task Header_from_the_proxy_authenticates_the_card()
    {
        var options = new ForwardedCertificateOptions();
        options.TrustedNetworks.Add(IPNetwork.Parse("127.0.0.0/8"));
        var header = ForwardedClientCertificateTests.NginxEscape(CardFixtures.Card("pharmacist").ExportCertificatePem() + "\n");
        Assert.True(ForwardedClientCertificate.TryRead(header, IPAddress.Parse("127.0.0.2"), options, out var certificate, out _, out var message), message);

        using (certificate)
        {
            var result = await new SmartCardAuthenticator(CardFixtures.Validator()).AuthenticateAsync(new ClientCertificateRequest(certificate));

            Assert.True(result.Succeeded, result.FailureMessage);
            Assert.Equal("899700075122", result.Evidence!.Identity.NationalId.Value);
        }
    }
}
