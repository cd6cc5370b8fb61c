namespace CarteAuth.Oidc;

/// <summary>A Pro Santé Connect environment: its issuer and the other host its endpoints live on.</summary>
/// <param name="Name">Short name (<c>production</c>, <c>sandbox</c>).</param>
/// <param name="Issuer">The issuer (realm URL) as the ID tokens carry it.</param>
/// <param name="AuthorizationBaseAddress">The host of the authorization endpoint (the wallet), allowed by discovery validation.</param>
public sealed record ProSanteConnectEnvironment(string Name, string Issuer, string AuthorizationBaseAddress);

/// <summary>
/// Named Pro Santé Connect environments (ANS). Use with <see cref="ProSanteConnectOptions.UseEnvironment"/>; for the
/// simulator or another provider set <see cref="ProSanteConnectOptions.Issuer"/> directly.
/// </summary>
public static class ProSanteConnectEnvironments
{
    /// <summary>Production: issuer <c>https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet</c>, authorization on <c>wallet.esw.esante.gouv.fr</c>.</summary>
    public static ProSanteConnectEnvironment Production { get; } = new(
        "production", "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet", "https://wallet.esw.esante.gouv.fr");

    /// <summary>Sandbox (BAS, "bac à sable"): the same paths on <c>auth.bas.psc.esante.gouv.fr</c> / <c>wallet.bas.psc.esante.gouv.fr</c>.</summary>
    public static ProSanteConnectEnvironment Sandbox { get; } = new(
        "sandbox", "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet", "https://wallet.bas.psc.esante.gouv.fr");

    /// <summary>All named environments.</summary>
    public static IReadOnlyList<ProSanteConnectEnvironment> All { get; } = [Production, Sandbox];

    /// <summary>Finds an environment by name (<c>production</c>, <c>prod</c>, <c>sandbox</c>, <c>bas</c>), case-insensitive.</summary>
    public static ProSanteConnectEnvironment? Find(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "production" or "prod" => Production,
        "sandbox" or "bas" => Sandbox,
        _ => null,
    };
}
