using CarteAuth.AspNetCore.Sessions;
using CarteAuth.DependencyInjection;
using CarteAuth.Fido2;
using CarteAuth.Oidc;
using CarteAuth.SmartCard;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CarteAuth.AspNetCore;

/// <summary>Adds authentication methods and stores to the CarteAuth web integration registered by <c>AddCarteAuth</c>.</summary>
public sealed class CarteAuthBuilder
{
    internal CarteAuthBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Adds the smart card (CPS/CPx certificate) authenticator: <c>AddCarteAuthSmartCard</c> (see docs/smart-card.md).
    /// Use <paramref name="configureBuilder"/> for revocation (<c>AddOcspRevocation</c>, <c>AddCrlRevocation</c>).
    /// </summary>
    public CarteAuthBuilder AddSmartCard(Action<SmartCardOptions> configure, Action<CarteAuthSmartCardBuilder>? configureBuilder = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = Services.AddCarteAuthSmartCard(configure);
        configureBuilder?.Invoke(builder);
        return this;
    }

    /// <summary>
    /// Adds the FIDO2/WebAuthn authenticator: <c>AddCarteAuthFido2</c> (see docs/fido2.md). Use
    /// <paramref name="configureBuilder"/> for the credential store (<c>UseSqliteCredentialStore</c>).
    /// </summary>
    public CarteAuthBuilder AddFido2(Action<Fido2Options> configure, Action<CarteAuthFido2Builder>? configureBuilder = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = Services.AddCarteAuthFido2(configure);
        configureBuilder?.Invoke(builder);
        return this;
    }

    /// <summary>
    /// Adds Pro Santé Connect: <c>AddCarteAuthProSanteConnect</c> (see docs/oidc.md), with back-channel logout ending
    /// the local CarteAuth sessions (<see cref="CarteAuthPscSessionRevoker"/>) rather than only revoking tokens.
    /// </summary>
    public CarteAuthBuilder AddProSanteConnect(Action<ProSanteConnectOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.AddCarteAuthProSanteConnect(configure);
        Services.Replace(ServiceDescriptor.Singleton<IPscSessionRevoker>(static sp => new CarteAuthPscSessionRevoker(
            sp.GetRequiredService<ICarteAuthSessionStore>(),
            sp.GetRequiredService<ICarteAuthSignInManager>(),
            sp.GetRequiredService<IPscSubjectDirectory>(),
            sp.GetRequiredService<CarteAuthSessionAudit>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<CarteAuthPscSessionRevoker>>())));
        return this;
    }

    /// <summary>
    /// Adds health checks, tagged <c>carteauth</c>: <c>carteauth-sessions</c> (the session store answers),
    /// <c>carteauth-audit</c> (the audit store answers) and, when Pro Santé Connect is added (call this after
    /// <see cref="AddProSanteConnect"/>), <c>carteauth-psc</c> (the discovery document is reachable and valid), when
    /// pairing is added (after <see cref="AddPairing"/>), <c>carteauth-pairing</c> (the pairing store answers), and when
    /// OCSP revocation is added (<c>AddSmartCard(…, s => s.AddOcspRevocation(…))</c>, before this call),
    /// <c>carteauth-ocsp</c> (the responder answers a valid response about
    /// <see cref="CarteAuthHealthCheckOptions.OcspProbeCertificate"/>). Map them with
    /// <c>app.MapHealthChecks("/health")</c>; descriptions are reason codes.
    /// </summary>
    public CarteAuthBuilder AddHealthChecks(Action<CarteAuthHealthCheckOptions>? configure = null)
    {
        Services.AddOptions<CarteAuthHealthCheckOptions>().Configure(configure ?? (static _ => { }));
        var checks = Services.AddHealthChecks()
            .AddCheck<CarteAuthHealthChecks.SessionStore>("carteauth-sessions", tags: [CarteAuthHealthChecks.Tag])
            .AddCheck<CarteAuthHealthChecks.AuditStore>("carteauth-audit", tags: [CarteAuthHealthChecks.Tag]);
        if (Services.Any(static d => d.ServiceType == typeof(ProSanteConnectClient)))
        {
            checks.AddCheck<CarteAuthHealthChecks.ProSanteConnect>("carteauth-psc", tags: [CarteAuthHealthChecks.Tag]);
        }

        if (Services.Any(static d => d.ServiceType == typeof(CarteAuthPairingService)))
        {
            checks.AddCheck<CarteAuthHealthChecks.PairingStore>("carteauth-pairing", tags: [CarteAuthHealthChecks.Tag]);
        }

        if (Services.Any(static d => d.ServiceType == typeof(SmartCard.Revocation.OcspRevocationChecker)))
        {
            checks.AddCheck<CarteAuthHealthChecks.Ocsp>("carteauth-ocsp", tags: [CarteAuthHealthChecks.Tag]);
        }

        return this;
    }

    /// <summary>Configures the session scheme (timeouts, cookie name, events). Validated at start.</summary>
    public CarteAuthBuilder ConfigureSessions(Action<CarteAuthSessionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(CarteAuthDefaults.AuthenticationScheme, configure);
        return this;
    }

    /// <summary>
    /// Configures the purge of ended and expired sessions (a background service; default: every hour, sessions ended
    /// or expired more than a day ago). Validated at start.
    /// </summary>
    public CarteAuthBuilder ConfigureSessionPurge(Action<CarteAuthSessionPurgeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>
    /// Adds HOSPI-Connect pairing: a local account is linked once to the national identity by a national sign-in (card
    /// or Pro Santé Connect; automatically by default), FIDO2 keys are registered and accepted only for a paired
    /// identity, and <c>/carteauth/pairing</c> shows, makes and ends the pairing. Pairings are kept in
    /// <see cref="CarteAuthPairingOptions.StorePath"/> (SQLite) or memory, unless an <see cref="CarteAuth.Pairing.IPairingStore"/>
    /// is registered; the local account comes from an <see cref="ICarteAuthLocalAccountResolver"/> registered before
    /// this call, else <see cref="CarteAuthLocalAccountResolver"/>. Options are validated at start.
    /// </summary>
    public CarteAuthBuilder AddPairing(Action<CarteAuthPairingOptions>? configure = null)
    {
        Services.AddOptions<CarteAuthPairingOptions>().Configure(configure ?? (static _ => { })).ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CarteAuthPairingOptions>>(new CarteAuthOptionsValidator<CarteAuthPairingOptions>(static o => o.Validate())));
        Services.TryAddSingleton<CarteAuth.Pairing.IPairingStore>(static sp => sp.GetRequiredService<IOptions<CarteAuthPairingOptions>>().Value.StorePath is { } path
            ? new CarteAuth.Pairing.SqlitePairingStore(path)
            : new CarteAuth.Pairing.InMemoryPairingStore());
        Services.TryAddSingleton<ICarteAuthLocalAccountResolver, CarteAuthLocalAccountResolver>();
        Services.TryAddSingleton<CarteAuthPairingService>();
        return this;
    }

    /// <summary>Keeps sessions in a SQLite file (survives restarts) instead of memory. Options are validated at start.</summary>
    public CarteAuthBuilder UseSqliteSessionStore(Action<SqliteSessionStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.AddOptions<SqliteSessionStoreOptions>().Configure(configure).ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteSessionStoreOptions>>(new CarteAuthOptionsValidator<SqliteSessionStoreOptions>(static o => o.Validate())));
        Services.Replace(ServiceDescriptor.Singleton<ICarteAuthSessionStore>(static sp => new SqliteCarteAuthSessionStore(sp.GetRequiredService<IOptions<SqliteSessionStoreOptions>>().Value)));
        return this;
    }
}
