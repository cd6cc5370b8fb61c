using CarteAuth;
using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Authentication.Attempts;
using CarteAuth.Policies;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers CarteAuth's core services: authentication service, audited policy evaluator and audit stores.</summary>
public static class CarteAuthCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IAuthenticationService"/> (over every registered <see cref="IAuthenticator"/>) and
    /// <see cref="IPolicyEvaluator"/>. Also register policies (<c>AddCarteAuthPolicies</c>) and an audit store
    /// (<see cref="AddCarteAuthSqliteAudit"/>); resolving without an audit store fails with a message saying so.
    /// Brute-force protection is on by default: an in-memory <see cref="IAuthenticationAttemptLimiter"/> with the
    /// default <see cref="AttemptLimiterOptions"/> (change them with <see cref="AddCarteAuthAttemptLimits"/>; the Redis
    /// store package replaces the limiter with one shared by every node).
    /// </summary>
    public static IServiceCollection AddCarteAuthCore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAuditTrail>(static sp => sp.GetService<IAuditStore>() ?? throw new CarteAuthException(
            ReasonCodes.AuditInvalidOptions,
            "No CarteAuth audit store is registered; every authentication and decision must be recorded. Call services.AddCarteAuthSqliteAudit(o => o.Path = \"/var/lib/carteauth/audit.db\") (or AddCarteAuthInMemoryAudit() in tests)."));
        services.AddOptions<AttemptLimiterOptions>();
        services.TryAddSingleton<IAuthenticationAttemptLimiter>(static sp => new InMemoryAuthenticationAttemptLimiter(
            sp.GetRequiredService<IOptions<AttemptLimiterOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IAuthenticationService>(static sp => new AuthenticationService(
            sp.GetServices<IAuthenticator>(), sp.GetRequiredService<IAuditTrail>(), sp.GetService<Logging.ILogger<AuthenticationService>>())
        {
            AttemptLimiter = sp.GetRequiredService<IAuthenticationAttemptLimiter>(),
        });
        services.TryAddSingleton<IPolicyEvaluator, PolicyEvaluator>();
        return services;
    }

    /// <summary>
    /// Sets the brute-force limits (<see cref="AttemptLimiterOptions"/>: failures per identity and per source, window,
    /// lockout), validated when the limiter is created (<see cref="ReasonCodes.AuthInvalidAttemptLimits"/>).
    /// </summary>
    public static IServiceCollection AddCarteAuthAttemptLimits(this IServiceCollection services, Action<AttemptLimiterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<AttemptLimiterOptions>().Configure(configure);
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
