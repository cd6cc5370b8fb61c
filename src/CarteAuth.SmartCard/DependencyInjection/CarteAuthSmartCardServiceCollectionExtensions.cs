using CarteAuth;
using CarteAuth.DependencyInjection;
using CarteAuth.Authentication;
using CarteAuth.SmartCard;
using CarteAuth.SmartCard.Pkcs11;
using CarteAuth.SmartCard.Revocation;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the CarteAuth smart card (CPS/CPx) authenticator in a service collection.</summary>
public static class CarteAuthSmartCardServiceCollectionExtensions
{
    /// <summary>The IHttpClientFactory client name used by <see cref="CarteAuthSmartCardBuilder.AddOcspRevocation"/>.</summary>
    public const string OcspHttpClientName = "CarteAuth.SmartCard.Ocsp";

    /// <summary>The IHttpClientFactory client name used by <see cref="CarteAuthSmartCardBuilder.AddCrlRevocation"/>.</summary>
    public const string CrlHttpClientName = "CarteAuth.SmartCard.Crl";

    /// <summary>
    /// Registers <see cref="SmartCardCertificateValidator"/>, <see cref="SmartCardAuthenticator"/> (as an
    /// <see cref="IAuthenticator"/>, so Core's <see cref="IAuthenticationService"/> runs it for
    /// <see cref="ClientCertificateRequest"/>) and <see cref="TimeProvider"/>. <see cref="SmartCardOptions"/> are
    /// validated at start (<see cref="OptionsValidationException"/> naming the fix: no anchor, unreadable file, empty
    /// ranges, out-of-range skew). Without <see cref="CarteAuthSmartCardBuilder.AddOcspRevocation"/> or
    /// <see cref="CarteAuthSmartCardBuilder.AddCrlRevocation"/> (or an <see cref="ICertificateRevocationChecker"/> of
    /// your own), revocation is not checked and evidence says so.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets trust anchors (required), intermediates, ranges…</param>
    /// <returns>A builder to add revocation checking.</returns>
    public static CarteAuthSmartCardBuilder AddCarteAuthSmartCard(this IServiceCollection services, Action<SmartCardOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<SmartCardOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmartCardOptions>, SmartCardOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new SmartCardCertificateValidator(
            sp.GetRequiredService<IOptions<SmartCardOptions>>().Value,
            sp.GetService<ICertificateRevocationChecker>() ?? ComposeRevocation(sp),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(static sp => new SmartCardAuthenticator(sp.GetRequiredService<SmartCardCertificateValidator>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthenticator, SmartCardAuthenticator>(static sp => sp.GetRequiredService<SmartCardAuthenticator>()));
        return new CarteAuthSmartCardBuilder(services);
    }

    /// <summary>OCSP then CRL when both are registered, the one registered otherwise, none when neither is.</summary>
    private static ICertificateRevocationChecker? ComposeRevocation(IServiceProvider sp)
    {
        var ocsp = sp.GetService<OcspRevocationChecker>();
        var crl = sp.GetService<CrlRevocationChecker>();
        return (ocsp, crl) switch
        {
            ({ } first, { } second) => new CombinedRevocationChecker(first, second, sp.GetService<ILogger<CombinedRevocationChecker>>()),
            ({ } only, null) => only,
            (null, { } only) => only,
            _ => null,
        };
    }
}

/// <summary>Adds revocation checking to the smart card authenticator registered by <c>AddCarteAuthSmartCard</c>.</summary>
public sealed class CarteAuthSmartCardBuilder
{
    internal CarteAuthSmartCardBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Checks revocation with OCSP (<see cref="OcspRevocationChecker"/>: the certificate's AIA responder or
    /// <see cref="OcspRevocationOptions.ResponderUrl"/>), over the IHttpClientFactory client named
    /// <see cref="CarteAuthSmartCardServiceCollectionExtensions.OcspHttpClientName"/> (configure a proxy there). With
    /// <see cref="AddCrlRevocation"/> too, OCSP is asked first and the CRL only when OCSP has no fresh answer.
    /// Options are validated at start.
    /// </summary>
    public CarteAuthSmartCardBuilder AddOcspRevocation(Action<OcspRevocationOptions>? configure = null)
    {
        Services.AddOptions<OcspRevocationOptions>().Configure(configure ?? (static _ => { })).ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OcspRevocationOptions>>(new CarteAuthOptionsValidator<OcspRevocationOptions>(static o => o.Validate())));
        AddClient(CarteAuthSmartCardServiceCollectionExtensions.OcspHttpClientName);
        Services.TryAddSingleton(static sp => new OcspRevocationChecker(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(CarteAuthSmartCardServiceCollectionExtensions.OcspHttpClientName),
            sp.GetRequiredService<IOptions<OcspRevocationOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<OcspRevocationChecker>>()));
        return this;
    }

    /// <summary>
    /// Checks revocation with the issuer's CRL (<see cref="CrlRevocationChecker"/>: the certificate's distribution
    /// point or <see cref="CrlRevocationOptions.CrlUrl"/>), over the IHttpClientFactory client named
    /// <see cref="CarteAuthSmartCardServiceCollectionExtensions.CrlHttpClientName"/>. Options are validated at start.
    /// </summary>
    public CarteAuthSmartCardBuilder AddCrlRevocation(Action<CrlRevocationOptions>? configure = null)
    {
        Services.AddOptions<CrlRevocationOptions>().Configure(configure ?? (static _ => { })).ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CrlRevocationOptions>>(new CarteAuthOptionsValidator<CrlRevocationOptions>(static o => o.Validate())));
        AddClient(CarteAuthSmartCardServiceCollectionExtensions.CrlHttpClientName);
        Services.TryAddSingleton(static sp => new CrlRevocationChecker(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(CarteAuthSmartCardServiceCollectionExtensions.CrlHttpClientName),
            sp.GetRequiredService<IOptions<CrlRevocationOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<CrlRevocationChecker>>()));
        return this;
    }

    /// <summary>
    /// Adds thick-client login with a PKCS#11 card challenge: <see cref="CardChallengeIssuer"/> (issue a challenge, send
    /// it to the client), <see cref="Pkcs11ChallengeVerifier"/> and <see cref="CardChallengeAuthenticator"/> (as an
    /// <see cref="IAuthenticator"/> for <see cref="CardChallengeResponseRequest"/>), with an in-memory challenge store
    /// unless an <see cref="ICardChallengeStore"/> is registered (share one between nodes). Its evidence is not
    /// phishing-resistant (see <see cref="CardChallengeAuthenticator"/>). The lifetime is validated at start.
    /// </summary>
    public CarteAuthSmartCardBuilder AddCardChallenge(Action<CardChallengeOptions>? configure = null)
    {
        Services.AddOptions<CardChallengeOptions>().Configure(configure ?? (static _ => { })).ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CardChallengeOptions>, CardChallengeOptionsValidator>());
        Services.TryAddSingleton<ICardChallengeStore>(static sp => new InMemoryCardChallengeStore(sp.GetRequiredService<TimeProvider>()));
        Services.TryAddSingleton(static sp => new CardChallengeIssuer(
            sp.GetRequiredService<ICardChallengeStore>(),
            sp.GetRequiredService<IOptions<CardChallengeOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<CardChallengeIssuer>>()));
        Services.TryAddSingleton(static sp => new Pkcs11ChallengeVerifier(
            sp.GetRequiredService<ICardChallengeStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<Pkcs11ChallengeVerifier>>()));
        Services.TryAddSingleton(static sp => new CardChallengeAuthenticator(
            sp.GetRequiredService<Pkcs11ChallengeVerifier>(),
            sp.GetRequiredService<SmartCardCertificateValidator>(),
            sp.GetRequiredService<TimeProvider>()));
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthenticator, CardChallengeAuthenticator>(static sp => sp.GetRequiredService<CardChallengeAuthenticator>()));
        return this;
    }

    private void AddClient(string name) =>
        // The checker is a singleton holding its client for the process lifetime: the pooled connections are recycled
        // instead (DNS changes of the CA's servers are seen within minutes); per-request limits are the checker's.
        Services.AddHttpClient(name)
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
}

/// <summary>Validates <see cref="SmartCardOptions"/> at start with messages that say how to fix them.</summary>
internal sealed class SmartCardOptionsValidator : IValidateOptions<SmartCardOptions>
{
    public ValidateOptionsResult Validate(string? name, SmartCardOptions options)
    {
        if (options.TrustAnchors.Count == 0 && options.TrustAnchorPaths.Count == 0)
        {
            return ValidateOptionsResult.Fail(
                "SmartCardOptions has no trust anchor, so every card would be refused: add the IGC-Santé root(s) in AddCarteAuthSmartCard, e.g. o.TrustAnchorPaths.Add(\"/etc/carteauth/igc-sante/ac-racine-igc-sante-fort.pem\") (or o.TrustAnchors.Add(certificate)), and the intermediate CAs to o.IntermediatePaths.");
        }

        try
        {
            // The validator's own checks (files readable, skew, cache, ranges): one set of rules, reported at start.
            _ = new SmartCardCertificateValidator(options);
            return ValidateOptionsResult.Success;
        }
        catch (CarteAuthException e)
        {
            return ValidateOptionsResult.Fail($"SmartCardOptions are invalid [{e.ReasonCode}]: {e.Message}");
        }
    }
}

/// <summary>Validates <see cref="CardChallengeOptions"/> at start with the issuer's own rule.</summary>
internal sealed class CardChallengeOptionsValidator : IValidateOptions<CardChallengeOptions>
{
    public ValidateOptionsResult Validate(string? name, CardChallengeOptions options) =>
        options.Lifetime < CardChallengeOptions.MinLifetime || options.Lifetime > CardChallengeOptions.MaxLifetime
            ? ValidateOptionsResult.Fail($"CardChallengeOptions.Lifetime is {options.Lifetime}; set it between {CardChallengeOptions.MinLifetime} and {CardChallengeOptions.MaxLifetime} in AddCardChallenge (default 2 minutes: time to type the PIN) [{ReasonCodes.Pkcs11InvalidOptions}].")
            : ValidateOptionsResult.Success;
}
