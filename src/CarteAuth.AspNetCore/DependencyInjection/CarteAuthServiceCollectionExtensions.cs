using CarteAuth;
using CarteAuth.AspNetCore;
using CarteAuth.AspNetCore.Sessions;
using CarteAuth.DependencyInjection;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the CarteAuth ASP.NET Core integration.</summary>
public static class CarteAuthServiceCollectionExtensions
{
    /// <summary>
    /// Registers CarteAuth for a web application: Core (<c>AddCarteAuthCore</c>: authentication service, audited
    /// policy evaluator; register an audit store and policies too), session tokens signed with
    /// <see cref="CarteAuthOptions.SigningKeys"/>, the cookie session scheme <see cref="CarteAuthDefaults.AuthenticationScheme"/>
    /// (the default scheme) with an in-memory session store (<see cref="CarteAuthBuilder.UseSqliteSessionStore"/> for
    /// SQLite), <see cref="ICarteAuthSignInManager"/>, and authorization: every CarteAuth policy name is an ASP.NET Core
    /// policy, failed ones answer 403 or a step-up challenge. Then add methods on the returned builder
    /// (<c>.AddSmartCard(…)</c>, <c>.AddFido2(…)</c>, <c>.AddProSanteConnect(…)</c>) and map the endpoints with
    /// <c>app.MapCarteAuth()</c>. Options are validated at start with messages that say how to fix them.
    /// </summary>
    public static CarteAuthBuilder AddCarteAuth(this IServiceCollection services, Action<CarteAuthOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var keysRegistered = services.Any(static d => d.ServiceType == typeof(ISigningKeyProvider));
        services.AddOptions<CarteAuthOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CarteAuthOptions>>(new CarteAuthOptionsValidator<CarteAuthOptions>(o => o.Validate(keysRegistered))));

        services.AddCarteAuthCore();
        services.TryAddSingleton(TimeProvider.System);

        // Session tokens (Core), configured from CarteAuthOptions unless configured otherwise.
        services.AddOptions<SessionTokenOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<SessionTokenOptions>, SessionTokenPostConfigureOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SessionTokenOptions>, SessionTokenOptionsValidator>());
        services.TryAddSingleton<ISigningKeyProvider>(static sp => new StaticSigningKeyProvider(
            sp.GetRequiredService<IOptions<CarteAuthOptions>>().Value.SigningKeys
            ?? throw new CarteAuthException(ReasonCodes.SessionInvalidOptions, "CarteAuthOptions.SigningKeys is not set and no ISigningKeyProvider is registered: set o.SigningKeys in AddCarteAuth.")));
        services.TryAddSingleton<IRevocationEpochStore, InMemoryRevocationEpochStore>();
        services.TryAddSingleton<IReplayCache>(static sp => new InMemoryReplayCache(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<SessionTokenIssuer>();
        services.TryAddSingleton<SessionTokenValidator>();

        // Sessions.
        services.TryAddSingleton<ICarteAuthSessionStore, InMemoryCarteAuthSessionStore>();
        services.TryAddSingleton<CarteAuthSessionAudit>();
        services.TryAddSingleton<SessionEvidenceCache>();
        services.AddMetrics();
        services.TryAddSingleton<CarteAuthMetrics>();
        services.TryAddSingleton<ICarteAuthSignInManager, CarteAuthSignInManager>();
        services.TryAddSingleton<ICarteAuthNetworkZoneResolver, CarteAuthNetworkZoneResolver>();
        services.AddHttpContextAccessor();
        services.AddOptions<CarteAuthSessionOptions>(CarteAuthDefaults.AuthenticationScheme).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CarteAuthSessionOptions>>(new CarteAuthOptionsValidator<CarteAuthSessionOptions>(static o => o.ValidateSettings())));
        // Purge of ended and expired sessions (CarteAuthBuilder.ConfigureSessionPurge).
        services.AddOptions<CarteAuthSessionPurgeOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CarteAuthSessionPurgeOptions>>(new CarteAuthOptionsValidator<CarteAuthSessionPurgeOptions>(static o => o.Validate())));
        services.TryAddSingleton<CarteAuthSessionPurgeService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, CarteAuthSessionPurgeService>(static sp => sp.GetRequiredService<CarteAuthSessionPurgeService>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, CarteAuthStartupCheck>());
        services.AddAuthentication(CarteAuthDefaults.AuthenticationScheme)
            .AddScheme<CarteAuthSessionOptions, CarteAuthSessionHandler>(CarteAuthDefaults.AuthenticationScheme, CarteAuthDefaults.DisplayName, null);

        // Authorization: CarteAuth policies as ASP.NET Core policies, and their failures as 403 / step-up.
        services.AddAuthorization();
        services.Replace(ServiceDescriptor.Singleton<IAuthorizationPolicyProvider, CarteAuthAuthorizationPolicyProvider>());
        services.Replace(ServiceDescriptor.Singleton<IAuthorizationMiddlewareResultHandler, CarteAuthAuthorizationResultHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, CarteAuthPolicyHandler>());
        return new CarteAuthBuilder(services);
    }
}
