using CarteAuth;
using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Policies;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers CarteAuth's core services: authentication service, audited policy evaluator and audit stores.</summary>
public static class CarteAuthCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IAuthenticationService"/> (over every registered <see cref="IAuthenticator"/>) and
    /// <see cref="IPolicyEvaluator"/>. Also register policies (<c>AddCarteAuthPolicies</c>) and an audit store
    /// (<see cref="AddCarteAuthSqliteAudit"/>); resolving without an audit store fails with a message saying so.
    /// </summary>
    public static IServiceCollection AddCarteAuthCore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAuditTrail>(static sp => sp.GetService<IAuditStore>() ?? throw new CarteAuthException(
            ReasonCodes.AuditInvalidOptions,
            "No CarteAuth audit store is registered; every authentication and decision must be recorded. Call services.AddCarteAuthSqliteAudit(o => o.Path = \"/var/lib/carteauth/audit.db\") (or AddCarteAuthInMemoryAudit() in tests)."));
        services.TryAddSingleton<IAuthenticationService, AuthenticationService>();
        services.TryAddSingleton<IPolicyEvaluator, PolicyEvaluator>();
        return services;
    }

    /// <summary>Records audit events in a SQLite file (the embedded default store).</summary>
    public static IServiceCollection AddCarteAuthSqliteAudit(this IServiceCollection services, Action<SqliteAuditStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SqliteAuditStoreOptions();
        configure(options);
        services.RemoveAll<IAuditStore>();
        services.AddSingleton<IAuditStore>(sp => new SqliteAuditStore(
            options,
            sp.GetService<TimeProvider>(),
            sp.GetService<Logging.ILogger<SqliteAuditStore>>()));
        return services;
    }

    /// <summary>Keeps audit events in memory only (tests, demos): they are lost when the process ends.</summary>
    public static IServiceCollection AddCarteAuthInMemoryAudit(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.RemoveAll<IAuditStore>();
        services.AddSingleton<IAuditStore>(sp => new InMemoryAuditStore(sp.GetService<TimeProvider>()));
        return services;
    }
}
