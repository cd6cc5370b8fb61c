using CarteAuth.Tokens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers CarteAuth session tokens: issuer, validator, key provider, revocation epochs and replay cache.</summary>
public static class CarteAuthSessionTokenServiceCollectionExtensions
{
    /// <summary>The configuration section session token options are usually bound from.</summary>
    public const string SectionName = "CarteAuth:SessionTokens";

    /// <summary>
    /// Registers <see cref="SessionTokenIssuer"/> and <see cref="SessionTokenValidator"/> signing with
    /// <paramref name="keys"/> (replace <see cref="ISigningKeyProvider"/> to rotate keys without restart), with
    /// in-memory revocation epochs and replay cache (replace them with shared stores for several nodes).
    /// Options are validated at start with messages that say how to fix them.
    /// </summary>
    public static IServiceCollection AddCarteAuthSessionTokens(this IServiceCollection services, SigningKeyRing keys, Action<SessionTokenOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<SessionTokenOptions>().Configure(configure).ValidateOnStart();
        return services.AddSessionTokenCore(keys);
    }

    /// <summary>As <see cref="AddCarteAuthSessionTokens(IServiceCollection, SigningKeyRing, Action{SessionTokenOptions})"/>, with options bound from <paramref name="section"/> (unknown keys are errors).</summary>
    public static IServiceCollection AddCarteAuthSessionTokens(this IServiceCollection services, SigningKeyRing keys, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<SessionTokenOptions>().Bind(section, static o => o.ErrorOnUnknownConfiguration = true).ValidateOnStart();
        return services.AddSessionTokenCore(keys);
    }

    private static IServiceCollection AddSessionTokenCore(this IServiceCollection services, SigningKeyRing keys)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SessionTokenOptions>, SessionTokenOptionsValidator>());
        services.TryAddSingleton<ISigningKeyProvider>(new StaticSigningKeyProvider(keys));
        services.TryAddSingleton<IRevocationEpochStore, InMemoryRevocationEpochStore>();
        services.TryAddSingleton<IReplayCache>(static sp => new InMemoryReplayCache(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<SessionTokenIssuer>();
        services.TryAddSingleton<SessionTokenValidator>();
        return services;
    }
}
