using CarteAuth;
using CarteAuth.Audit;
using CarteAuth.Fido2.Stores;
using CarteAuth.Pairing;
using CarteAuth.Stores.PostgreSql;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the CarteAuth PostgreSQL stores, next to the SQLite defaults: the audit trail, HOSPI-Connect pairings and
/// FIDO2 credentials. Stores given the same connection string share one connection pool. Schemas are migrated on first
/// use (or call the stores' <c>MigrateAsync</c> at start).
/// </summary>
public static class CarteAuthPostgreSqlExtensions
{
    /// <summary>Records audit events in PostgreSQL (<see cref="PostgreSqlAuditStore"/>): one chain for every node.</summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString">Npgsql connection string; <c>Search Path</c> chooses the schema.</param>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.StoreInvalidOptions"/> for a malformed connection string.</exception>
    public static IServiceCollection AddCarteAuthPostgreSqlAudit(this IServiceCollection services, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        var cs = PostgreSqlDataSources.Validate(connectionString, nameof(AddCarteAuthPostgreSqlAudit));
        services.TryAddSingleton<PostgreSqlDataSources>();
        services.RemoveAll<IAuditStore>();
        services.AddSingleton<IAuditStore>(sp => new PostgreSqlAuditStore(
            sp.GetRequiredService<PostgreSqlDataSources>().Get(cs),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<PostgreSqlAuditStore>>()));
        return services;
    }

    /// <summary>
    /// Keeps HOSPI-Connect pairings in PostgreSQL (<see cref="PostgreSqlPairingStore"/>): one active pairing per local
    /// account and per idNat across every node. Takes precedence over <c>AddPairing</c>'s SQLite or memory store.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString">Npgsql connection string; <c>Search Path</c> chooses the schema.</param>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.StoreInvalidOptions"/> for a malformed connection string.</exception>
    public static IServiceCollection AddCarteAuthPostgreSqlPairing(this IServiceCollection services, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        var cs = PostgreSqlDataSources.Validate(connectionString, nameof(AddCarteAuthPostgreSqlPairing));
        services.TryAddSingleton<PostgreSqlDataSources>();
        services.Replace(ServiceDescriptor.Singleton<IPairingStore>(sp => new PostgreSqlPairingStore(
            sp.GetRequiredService<PostgreSqlDataSources>().Get(cs),
            sp.GetService<ILogger<PostgreSqlPairingStore>>())));
        return services;
    }

    /// <summary>Keeps FIDO2 credentials in PostgreSQL (<see cref="PostgreSqlFido2CredentialStore"/>), shared by every node.</summary>
    /// <param name="builder">The FIDO2 builder returned by <c>AddCarteAuthFido2</c>.</param>
    /// <param name="connectionString">Npgsql connection string; <c>Search Path</c> chooses the schema.</param>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.StoreInvalidOptions"/> for a malformed connection string.</exception>
    public static CarteAuthFido2Builder UsePostgreSqlCredentialStore(this CarteAuthFido2Builder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var cs = PostgreSqlDataSources.Validate(connectionString, nameof(UsePostgreSqlCredentialStore));
        builder.Services.TryAddSingleton<PostgreSqlDataSources>();
        builder.Services.Replace(ServiceDescriptor.Singleton<IFido2CredentialStore>(sp => new PostgreSqlFido2CredentialStore(
            sp.GetRequiredService<PostgreSqlDataSources>().Get(cs),
            sp.GetService<ILogger<PostgreSqlFido2CredentialStore>>())));
        return builder;
    }
}
