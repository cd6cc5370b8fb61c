using CarteAuth;
using CarteAuth.AspNetCore;
using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Authentication.Attempts;
using CarteAuth.DependencyInjection;
using CarteAuth.Fido2.Challenges;
using CarteAuth.Gateway.Radius;
using CarteAuth.SmartCard.Pkcs11;
using CarteAuth.Stores.Redis;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the CarteAuth Redis stores.</summary>
public static class CarteAuthRedisExtensions
{
    /// <summary>
    /// Keeps CarteAuth's shared state in Redis, so several nodes behind a load balancer act as one: web sessions
    /// (<see cref="ICarteAuthSessionStore"/>), revocation epochs (<see cref="IRevocationEpochStore"/>) and the one-time
    /// token replay cache (<see cref="IReplayCache"/>), the brute-force attempt limiter (<see cref="IAuthenticationAttemptLimiter"/>) and WebAuthn challenges (<see cref="IWebAuthnChallengeStore"/>, so a
    /// ceremony started on one node finishes on another), PKCS#11 card challenges (<see cref="ICardChallengeStore"/>), and the ASP.NET Core Data Protection keys
    /// (<see cref="RedisStoreOptions.ShareDataProtectionKeys"/>). One <see cref="IConnectionMultiplexer"/> is shared (registered
    /// unless one already is). Options are validated at start (<see cref="ReasonCodes.StoreInvalidOptions"/>).
    /// </summary>
    public static CarteAuthBuilder UseRedis(this CarteAuthBuilder builder, Action<RedisStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddCarteAuthRedisStores(configure);
        builder.Services.Replace(ServiceDescriptor.Singleton<ICarteAuthSessionStore>(static sp => new RedisCarteAuthSessionStore(sp.GetRequiredService<RedisConnection>(), sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value)));
        ShareDataProtectionKeys(builder.Services, configure);
        builder.Services.Replace(ServiceDescriptor.Singleton<IWebAuthnChallengeStore>(static sp => new RedisWebAuthnChallengeStore(sp.GetRequiredService<RedisConnection>(), sp.GetRequiredService<TimeProvider>())));
        builder.Services.Replace(ServiceDescriptor.Singleton<ICardChallengeStore>(static sp => new RedisCardChallengeStore(sp.GetRequiredService<RedisConnection>())));
        return builder;
    }

    // The options are read once here (Data Protection's application name is set at registration, as its own API does).
    private static void ShareDataProtectionKeys(IServiceCollection services, Action<RedisStoreOptions> configure)
    {
        var options = new RedisStoreOptions();
        configure(options);
        if (!options.ShareDataProtectionKeys || string.IsNullOrWhiteSpace(options.DataProtectionApplicationName))
        {
            return;
        }

        services.AddDataProtection().SetApplicationName(options.DataProtectionApplicationName);
        services.AddOptions<KeyManagementOptions>().Configure<RedisConnection>(static (o, redis) =>
            o.XmlRepository = new RedisXmlRepository(() => redis.Database, redis.Prefix + "data-protection-keys"));
    }

    /// <summary>
    /// Registers the Redis connection and the Core stores (revocation epochs, replay cache, also used for RADIUS one-time
    /// codes, the brute-force attempt limiter <see cref="IAuthenticationAttemptLimiter"/>, so failures on every node count
    /// together) and the RADIUS challenge store (<see cref="IRadiusChallengeStore"/>) without the web session store, for
    /// hosts that use Core's tokens or the RADIUS server without CarteAuth.AspNetCore.
    /// </summary>
    public static IServiceCollection AddCarteAuthRedisStores(this IServiceCollection services, Action<RedisStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<RedisStoreOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisStoreOptions>>(new CarteAuthOptionsValidator<RedisStoreOptions>(static o => o.Validate())));
        services.TryAddSingleton<IConnectionMultiplexer>(static sp =>
        {
            var options = ConfigurationOptions.Parse(sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value.Configuration!);
            // Start even when Redis is down: requests then fail closed with *.store-unavailable until it is back.
            options.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(options);
        });
        services.TryAddSingleton(static sp => new RedisConnection(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value.KeyPrefix));
        services.Replace(ServiceDescriptor.Singleton<IRevocationEpochStore>(static sp => new RedisRevocationEpochStore(sp.GetRequiredService<RedisConnection>())));
        services.Replace(ServiceDescriptor.Singleton<IReplayCache>(static sp => new RedisReplayCache(sp.GetRequiredService<RedisConnection>())));
        services.Replace(ServiceDescriptor.Singleton<IRadiusChallengeStore>(static sp => new RedisRadiusChallengeStore(sp.GetRequiredService<RedisConnection>(), sp.GetService<TimeProvider>() ?? TimeProvider.System)));
        services.AddOptions<AttemptLimiterOptions>();

        // What the stores need of the server (version, primary, no eviction, persistence): logged once at start and
        // reported by the health check "carteauth-redis" (tag "carteauth", as CarteAuth's other checks). Registered once
        // however often this method is called, like the stores above (a second health check of one name would fail).
        if (!services.Any(static d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService) && d.ImplementationType == typeof(RedisServerStartupCheck)))
        {
            services.AddHostedService<RedisServerStartupCheck>();
            services.AddHealthChecks().AddCheck<RedisServerHealthCheck>("carteauth-redis", tags: ["carteauth"]);
        }
        services.Replace(ServiceDescriptor.Singleton<IAuthenticationAttemptLimiter>(static sp => new RedisAuthenticationAttemptLimiter(
            sp.GetRequiredService<RedisConnection>(), sp.GetRequiredService<IOptions<AttemptLimiterOptions>>().Value, sp.GetService<TimeProvider>() ?? TimeProvider.System)));
        return services;
    }
}
