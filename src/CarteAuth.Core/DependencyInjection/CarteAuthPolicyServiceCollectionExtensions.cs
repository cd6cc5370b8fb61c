using CarteAuth.Policies;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers CarteAuth policies in a service collection.</summary>
public static class CarteAuthPolicyServiceCollectionExtensions
{
    /// <summary>
    /// Binds policies from <paramref name="section"/> (the <c>CarteAuth</c> section: <c>{ "Policies": { … } }</c>),
    /// strictly (unknown keys are errors), validates them at start and registers <see cref="IPolicyProvider"/>.
    /// </summary>
    public static IServiceCollection AddCarteAuthPolicies(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<CarteAuthPolicyOptions>()
            .Bind(section, PolicyConfigurationLoader.ConfigureBinder)
            .ValidateOnStart();
        return services.AddCarteAuthPolicyCore();
    }

    /// <summary>Adds (or replaces) one policy written with the fluent <see cref="PolicyBuilder"/>.</summary>
    public static IServiceCollection AddCarteAuthPolicy(this IServiceCollection services, string name, Action<PolicyBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = PolicyBuilder.Create(name);
        configure(builder);
        var definition = builder.ToDefinition();
        services.Configure<CarteAuthPolicyOptions>(o => o.Policies[name] = definition);
        return services.AddCarteAuthPolicyCore();
    }

    private static IServiceCollection AddCarteAuthPolicyCore(this IServiceCollection services)
    {
        services.AddOptions<CarteAuthPolicyOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CarteAuthPolicyOptions>, PolicyOptionsValidator>());
        services.TryAddSingleton<IPolicyProvider, OptionsPolicyProvider>();
        return services;
    }
}
