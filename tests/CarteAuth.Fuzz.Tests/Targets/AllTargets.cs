using CarteAuth.Fuzz.Tests.Engine;

namespace CarteAuth.Fuzz.Tests.Targets;

/// <summary>Every fuzz target by name (the xunit runs and the optional AFL++ entry point, scripts/afl, share it).</summary>
internal static class AllTargets
{
    private static readonly Dictionary<string, Func<FuzzTarget>> Factories = new(StringComparer.Ordinal)
    {
        ["attestation"] = () => new AttestationTarget(),
        ["authenticator-data"] = () => new AuthenticatorDataTarget(),
        ["client-data"] = () => new ClientDataTarget(),
        ["webauthn-json"] = () => new WebAuthnJsonTarget(),
        ["certificate"] = () => new CertificateTarget(),
        ["forwarded-cert"] = () => new ForwardedCertificateTarget(),
        ["jwt"] = () => new TokenTarget(),
        ["jwt-claims"] = () => new TokenClaimsTarget(),
        ["radius"] = () => new RadiusTarget(),
        ["policy"] = () => new PolicyTarget(),
    };

    public static IEnumerable<string> Names => Factories.Keys;

    /// <summary>A new target; the caller disposes it when it is <see cref="IDisposable"/>.</summary>
    public static FuzzTarget Create(string name) =>
        Factories.TryGetValue(name, out var factory) ? factory() : throw new ArgumentException($"Unknown fuzz target '{name}'; known: {string.Join(", ", Names)}.", nameof(name));
}
