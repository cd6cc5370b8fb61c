using CarteAuth.Authentication;
using CarteAuth.DependencyInjection;
using CarteAuth.Oidc;
using CarteAuth.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Pro Santé Connect client in a service collection.</summary>
public static class CarteAuthProSanteConnectServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ProSanteConnectClient"/> and its parts (<see cref="PscProviderMetadataCache"/>,
    /// <see cref="PscTokenValidator"/>, <see cref="PscAuthorizationCodeFlow"/>, <see cref="PscCibaClient"/>,
    /// <see cref="PscIntrospectionClient"/>, <see cref="PscTokenExchangeClient"/>, <see cref="PscBackchannelLogoutHandler"/>),
    /// <see cref="ProSanteConnectAuthenticator"/> and <see cref="ProSanteConnectCibaAuthenticator"/> as
    /// <see cref="IAuthenticator"/>s, the named HttpClient <see cref="ProSanteConnectDefaults.HttpClientName"/> (per-attempt
    /// timeout <see cref="ProSanteConnectOptions.HttpTimeout"/>, retries of GET requests only, circuit breaker;
    /// mTLS client certificate <see cref="ProSanteConnectOptions.ClientCertificate"/> and private CA
    /// <see cref="ProSanteConnectOptions.ServerCertificateAuthorities"/> when set), and defaults unless registered: <see cref="TimeProvider"/>, <see cref="IReplayCache"/>,
    /// <see cref="IRevocationEpochStore"/>, <see cref="IPscSubjectDirectory"/>, <see cref="IPscSessionRevoker"/>
    /// (<see cref="RevocationEpochPscSessionRevoker"/>). Options are validated at start.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the issuer (or <see cref="ProSanteConnectOptions.UseEnvironment"/>), client id, secret or key, redirect URI.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddCarteAuthProSanteConnect(this IServiceCollection services, Action<ProSanteConnectOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ProSanteConnectOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProSanteConnectOptions>>(new CarteAuthOptionsValidator<ProSanteConnectOptions>(static o => o.Validate())));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IReplayCache>(static sp => new InMemoryReplayCache(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IRevocationEpochStore, InMemoryRevocationEpochStore>();
        services.TryAddSingleton<IPscSubjectDirectory>(static _ => new InMemoryPscSubjectDirectory());
        services.TryAddSingleton<IPscSessionRevoker>(static sp => new RevocationEpochPscSessionRevoker(sp.GetRequiredService<IRevocationEpochStore>(), sp.GetRequiredService<IPscSubjectDirectory>()));

        services.AddHttpClient(ProSanteConnectDefaults.HttpClientName)
            .ConfigureHttpClient(static client =>
            {
                // Time limits are the resilience pipeline's; no discovery, JWKS or token answer is near 1 MiB.
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.MaxResponseContentBufferSize = 1024 * 1024;
            })
            .ConfigurePrimaryHttpMessageHandler(static sp => PscHttp.CreatePrimaryHandler(sp.GetRequiredService<IOptions<ProSanteConnectOptions>>().Value))
            .AddResilienceHandler("psc", static (builder, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<ProSanteConnectOptions>>().Value;
                var retry = new HttpRetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.FromMilliseconds(200), UseJitter = true };

                // Token, CIBA and introspection requests are POSTs carrying one-time codes or assertions: never replayed.
                retry.DisableForUnsafeHttpMethods();
                builder.AddTimeout(options.HttpTimeout * 3)
                    .AddRetry(retry)
                    .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions { SamplingDuration = options.HttpTimeout * 2 < TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : options.HttpTimeout * 2, MinimumThroughput = 10, FailureRatio = 0.5 })
                    .AddTimeout(options.HttpTimeout);
            });

        services.TryAddSingleton(static sp => new ProSanteConnectClient(
            sp.GetRequiredService<IOptions<ProSanteConnectOptions>>().Value,
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(ProSanteConnectDefaults.HttpClientName),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IReplayCache>(),
            sp.GetRequiredService<IPscSubjectDirectory>(),
            sp.GetRequiredService<IPscSessionRevoker>(),
            sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton(static sp => sp.GetRequiredService<ProSanteConnectClient>().Metadata);
        services.TryAddSingleton(static sp => sp.GetRequiredService<ProSanteConnectClient>().Validator);
        services.TryAddSingleton(static sp => sp.GetRequiredService<ProSanteConnectClient>().CodeFlow);
        services.TryAddSingleton(static sp => sp.GetRequiredService<ProSanteConnectClient>().Ciba);
        services.TryAddSingleton(static sp => sp.GetRequiredService<ProSanteConnectClient>().Introspection);
        services.TryAddSingleton(static sp => sp.GetRequiredService<ProSanteConnectClient>().TokenExchange);
        services.TryAddSingleton(static sp => sp.GetRequiredService<ProSanteConnectClient>().BackchannelLogout);
        services.TryAddSingleton(static sp => new ProSanteConnectAuthenticator(sp.GetRequiredService<ProSanteConnectClient>()));
        services.TryAddSingleton(static sp => new ProSanteConnectCibaAuthenticator(sp.GetRequiredService<ProSanteConnectClient>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthenticator, ProSanteConnectAuthenticator>(static sp => sp.GetRequiredService<ProSanteConnectAuthenticator>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthenticator, ProSanteConnectCibaAuthenticator>(static sp => sp.GetRequiredService<ProSanteConnectCibaAuthenticator>()));
        return services;
    }
}
