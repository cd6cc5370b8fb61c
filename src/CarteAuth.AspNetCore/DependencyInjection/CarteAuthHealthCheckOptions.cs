using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.AspNetCore;

/// <summary>Settings of the CarteAuth health checks (<c>AddCarteAuth(…).AddHealthChecks(h => …)</c>).</summary>
public sealed class CarteAuthHealthCheckOptions
{
    /// <summary>
    /// The certificate the <c>carteauth-ocsp</c> check asks the OCSP responder about: one the responder knows (e.g. a
    /// service or test card certificate of the same CA). Without it the check reports degraded
    /// (<c>cert.revocation-invalid-options</c>). Load it from a file; never commit it.
    /// </summary>
    public X509Certificate2? OcspProbeCertificate { get; set; }

    /// <summary>
    /// The issuer of <see cref="OcspProbeCertificate"/>. Null: looked up by subject name among the smart card options'
    /// intermediates and trust anchors.
    /// </summary>
    public X509Certificate2? OcspProbeIssuer { get; set; }
}
