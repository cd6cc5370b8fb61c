using CarteAuth.Tokens;
using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Oidc;
using CarteAuth.Policies;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CarteAuth.Gateway.Radius;

/// <summary>Registers the RADIUS server.</summary>
public static class RadiusServiceCollectionExtensions
{
    /// <summary>
    /// Adds the RADIUS server as a hosted service, with Core's authentication service and policy evaluator (register
    /// policies and an audit store too). The first factor is the registered <see cref="IRadiusPasswordVerifier"/>, or
    /// the user file <see cref="RadiusServerOptions.UsersFile"/>; the OTP second factor the registered
    /// <see cref="IRadiusOtpVerifier"/> or the user file's TOTP secrets.
    /// </summary>
    public static IServiceCollection AddCarteAuthRadius(this IServiceCollection services, Action<RadiusServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<RadiusServerOptions>().Configure(configure);
        return services.AddRadiusCore();
    }

    /// <summary>Adds the RADIUS server with options bound from <paramref name="section"/> (e.g. <c>Gateway:Radius</c>).</summary>
    public static IServiceCollection AddCarteAuthRadius(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<RadiusServerOptions>().Bind(section);
        return services.AddRadiusCore();
    }

    private static IServiceCollection AddRadiusCore(this IServiceCollection services)
    {
        services.AddCarteAuthCore();
        services.TryAddSingleton<IRadiusChallengeStore, InMemoryRadiusChallengeStore>();
        services.TryAddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<RadiusServerOptions>>().Value;
            // Accepted one-time codes go to the replay cache when there is one (AddCarteAuth's in-memory cache; Redis's,
            // shared by every node, with UseRedis / AddCarteAuthRedisStores): a code is then accepted once by all nodes.
            return options.UsersFile is { } path
                ? FileRadiusUserDirectory.Load(path, sp.GetRequiredService<TimeProvider>(), sp.GetService<IReplayCache>())
                : throw RadiusServerOptions.Invalid("no IRadiusPasswordVerifier is registered and UsersFile is not set: register your verifier (services.AddSingleton<IRadiusPasswordVerifier, …>()) or give a user file.");
        });
        services.TryAddSingleton<IRadiusPasswordVerifier>(static sp => sp.GetRequiredService<FileRadiusUserDirectory>());
        services.TryAddSingleton<IRadiusOtpVerifier>(static sp => sp.GetRequiredService<RadiusServerOptions>() is { UsersFile: not null }
            ? sp.GetRequiredService<FileRadiusUserDirectory>()
            : NoOtp.Instance);
        services.TryAddSingleton(static sp => sp.GetRequiredService<IOptions<RadiusServerOptions>>().Value);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthenticator, RadiusPapAuthenticator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthenticator, RadiusOtpAuthenticator>());
        services.TryAddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<RadiusServerOptions>();
            options.Validate();
            var logger = (ILogger?)sp.GetService<ILoggerFactory>()?.CreateLogger<RadiusServer>() ?? NullLogger.Instance;
            var audit = sp.GetRequiredService<IAuditTrail>();
            var time = sp.GetRequiredService<TimeProvider>();
            var pushEnabled = options.EnablePush;
            if (pushEnabled && !sp.GetServices<IAuthenticator>().Any(a => a.CanAuthenticate(new PscCibaAuthenticationRequest { Request = new PscCibaRequest { LoginHint = "-" } })))
            {
                throw RadiusServerOptions.Invalid("EnablePush is on but no Pro Santé Connect CIBA authenticator is registered: call services.AddCarteAuthProSanteConnect(…).");
            }

            var access = new RadiusAccessHandler(
                options,
                sp.GetRequiredService<IAuthenticationService>(),
                sp.GetRequiredService<IPolicyEvaluator>(),
                sp.GetRequiredService<IRadiusChallengeStore>(),
                sp.GetRequiredService<IRadiusOtpVerifier>(),
                audit,
                time,
                pushEnabled,
                logger);
            return new RadiusServer(options, access, new RadiusAccountingHandler(audit, logger), audit, time, logger);
        });
        services.AddHostedService(static sp => sp.GetRequiredService<RadiusServer>());
        return services;
    }

    private sealed class NoOtp : IRadiusOtpVerifier
    {
        public static readonly NoOtp Instance = new();

        public bool HasOtp(string userName) => false;

        public ValueTask<string?> VerifyAsync(string userName, string code, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<string?>(ReasonCodes.RadiusBadOtp);
    }
}
