using CarteAuth.DependencyInjection;
using CarteAuth.Fido2.Metadata;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the FIDO Metadata Service (MDS3) BLOB reader in a service collection.</summary>
public static class FidoMetadataServiceCollectionExtensions
{
    /// <summary>The IHttpClientFactory client name used to download the BLOB (configure a proxy there).</summary>
    public const string HttpClientName = "CarteAuth.Fido2.Metadata";

    /// <summary>
    /// Registers <see cref="FidoMetadataService"/> as itself and as <see cref="IFidoMetadataService"/> (a singleton),
    /// the IHttpClientFactory client named <see cref="HttpClientName"/> and <see cref="TimeProvider"/>.
    /// <see cref="FidoMetadataOptions"/> are validated at start (<see cref="OptionsValidationException"/> naming the
    /// fix: no source or two, no root, unreadable root file, out-of-range limits). No root is shipped: configure the
    /// FIDO Alliance MDS root "GlobalSign Root CA - R3" for the production service.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the source (<see cref="FidoMetadataOptions.BlobUrl"/> or <see cref="FidoMetadataOptions.BlobFilePath"/>) and the root (required).</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddFidoMetadataService(this IServiceCollection services, Action<FidoMetadataOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<FidoMetadataOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FidoMetadataOptions>>(new CarteAuthOptionsValidator<FidoMetadataOptions>(static o => o.Validate())));
        services.TryAddSingleton(TimeProvider.System);

        // The service holds its client for the process lifetime: pooled connections are recycled instead (DNS changes
        // are seen within minutes); the time limit is the service's own (FidoMetadataOptions.HttpTimeout).
        services.AddHttpClient(HttpClientName)
            .ConfigureHttpClient(static client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        services.TryAddSingleton(static sp => new FidoMetadataService(
            sp.GetRequiredService<IOptions<FidoMetadataOptions>>().Value,
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<FidoMetadataService>>()));
        services.TryAddSingleton<IFidoMetadataService>(static sp => sp.GetRequiredService<FidoMetadataService>());
        return services;
    }
}

