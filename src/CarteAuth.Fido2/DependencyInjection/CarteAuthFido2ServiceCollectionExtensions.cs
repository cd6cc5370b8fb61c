using CarteAuth;
using CarteAuth.DependencyInjection;
using CarteAuth.Authentication;
using CarteAuth.Fido2;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Fido2.Challenges;
using CarteAuth.Fido2.Stores;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the CarteAuth FIDO2 / WebAuthn relying party in a service collection.</summary>
public static class CarteAuthFido2ServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="Fido2RelyingParty"/>, <see cref="Fido2Authenticator"/> (as an <see cref="IAuthenticator"/>,
    /// so Core's <see cref="IAuthenticationService"/> runs it for <see cref="Fido2AssertionRequest"/>), an
    /// <see cref="InMemoryWebAuthnChallengeStore"/> (unless an <see cref="IWebAuthnChallengeStore"/> is registered) and
    /// <see cref="TimeProvider"/>. The credential store is chosen on the returned builder:
    /// <see cref="CarteAuthFido2Builder.UseSqliteCredentialStore"/> (the embedded default for one node),
    /// <see cref="CarteAuthFido2Builder.UseInMemoryCredentialStore"/> (tests), or an <see cref="IFido2CredentialStore"/>
    /// registered by the application; with none, resolving the relying party fails with a message saying so (registered
    /// keys must survive a restart, so there is no silent in-memory fallback). The <see cref="IAttestationVerifier"/>
    /// registered by the application is used; without one, <see cref="AttestationVerifier.CreateDefault"/> with
    /// <see cref="Fido2Options.AttestationRoots"/> and, when registered, the FIDO Metadata Service. <see cref="Fido2Options"/> are validated at start
    /// (<see cref="OptionsValidationException"/> naming the fix).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the RP ID, name, origins…</param>
    /// <returns>A builder to choose the credential store.</returns>
    public static CarteAuthFido2Builder AddCarteAuthFido2(this IServiceCollection services, Action<Fido2Options> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<Fido2Options>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Fido2Options>>(new CarteAuthOptionsValidator<Fido2Options>(static o => o.Validate())));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IWebAuthnChallengeStore>(static sp => new InMemoryWebAuthnChallengeStore(
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<Fido2Options>>().Value.ChallengeStoreCapacity));
        // Credentials must survive a restart: no silent in-memory default (the same rule as Core's audit store).
        services.TryAddSingleton<IFido2CredentialStore>(static _ => throw new CarteAuthException(
            ReasonCodes.WebAuthnInvalidOptions,
            "No FIDO2 credential store is chosen; registered keys must survive a restart. Call services.AddCarteAuthFido2(…).UseSqliteCredentialStore(\"/var/lib/carteauth/fido2.db\") (or .UseInMemoryCredentialStore() in tests), or register an IFido2CredentialStore."));

        // All six attestation formats, trust anchored in Fido2Options.AttestationRoots and, when registered, the FIDO
        // Metadata Service (AddFidoMetadataService): its roots, and its status reports refuse revoked models.
        services.TryAddSingleton<IAttestationVerifier>(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<Fido2Options>>().Value;
            return AttestationVerifier.CreateDefault(
                new AttestationTrustOptions { TrustAnchors = [.. options.AttestationRoots], TimeProvider = sp.GetRequiredService<TimeProvider>() },
                sp.GetService<CarteAuth.Fido2.Metadata.IFidoMetadataService>());
        });
        services.TryAddSingleton(static sp => new Fido2RelyingParty(
            sp.GetRequiredService<IOptions<Fido2Options>>().Value,
            sp.GetRequiredService<IWebAuthnChallengeStore>(),
            sp.GetRequiredService<IFido2CredentialStore>(),
            sp.GetRequiredService<IAttestationVerifier>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<Fido2RelyingParty>>()));
        services.TryAddSingleton(static sp => new Fido2Authenticator(sp.GetRequiredService<Fido2RelyingParty>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthenticator, Fido2Authenticator>(static sp => sp.GetRequiredService<Fido2Authenticator>()));
        return new CarteAuthFido2Builder(services);
    }
}

/// <summary>Chooses the stores of the FIDO2 relying party registered by <c>AddCarteAuthFido2</c>.</summary>
public sealed class CarteAuthFido2Builder
{
    internal CarteAuthFido2Builder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Keeps credentials in the SQLite file <paramref name="path"/> (<see cref="SqliteFido2CredentialStore"/>), the embedded default for one node.</summary>
    public CarteAuthFido2Builder UseSqliteCredentialStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Services.Replace(ServiceDescriptor.Singleton<IFido2CredentialStore>(_ => new SqliteFido2CredentialStore(path)));
        return this;
    }

    /// <summary>Keeps credentials in memory (<see cref="InMemoryFido2CredentialStore"/>): lost on restart, for tests and demos.</summary>
    public CarteAuthFido2Builder UseInMemoryCredentialStore()
    {
        Services.Replace(ServiceDescriptor.Singleton<IFido2CredentialStore, InMemoryFido2CredentialStore>());
        return this;
    }
}

