using CarteAuth.Tokens;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CarteAuth.Oidc;

/// <summary>
/// The Pro Santé Connect client: one object holding the discovery/JWKS cache, the token validator, the code flow, CIBA,
/// introspection, token exchange and the back-channel logout receiver, all sharing one <see cref="HttpClient"/>.
/// Registered by <c>AddCarteAuthProSanteConnect</c>; can be built directly (CLI, tests).
/// </summary>
public sealed class ProSanteConnectClient
{
    /// <summary>Creates the client.</summary>
    /// <param name="options">The options; validated here (<see cref="PscException"/> with <c>psc.invalid-options</c>).</param>
    /// <param name="httpClient">Reaches the provider. Give it a timeout (<see cref="HttpClient.Timeout"/>) or a resilience handler; DI does.</param>
    /// <param name="timeProvider">The clock (default system).</param>
    /// <param name="replayCache">Used nonces and logout token ids (default in-memory; share one between nodes).</param>
    /// <param name="subjectDirectory">Remembers sub/sid → idNat for back-channel logout (default in-memory).</param>
    /// <param name="sessionRevoker">Ends local sessions on back-channel logout (default: none revoked, only validated).</param>
    /// <param name="loggerFactory">Logging.</param>
    public ProSanteConnectClient(
        ProSanteConnectOptions options,
        HttpClient httpClient,
        TimeProvider? timeProvider = null,
        IReplayCache? replayCache = null,
        IPscSubjectDirectory? subjectDirectory = null,
        IPscSessionRevoker? sessionRevoker = null,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClient);
        options.Validate();
        var time = timeProvider ?? TimeProvider.System;
        var logs = loggerFactory ?? NullLoggerFactory.Instance;
        var directory = subjectDirectory ?? new InMemoryPscSubjectDirectory();
        Options = options;
        Metadata = new PscProviderMetadataCache(options, httpClient, time, logs.CreateLogger<PscProviderMetadataCache>());
        Validator = new PscTokenValidator(options, Metadata, replayCache ?? new InMemoryReplayCache(time), time, logs.CreateLogger<PscTokenValidator>());
        var credentials = new PscClientCredentials(options, time);
        var signIn = new PscSignInProcessor(options, Validator, new PscUserInfoClient(httpClient, Validator, options), directory, time, logs.CreateLogger<ProSanteConnectClient>());
        CodeFlow = new PscAuthorizationCodeFlow(options, httpClient, Metadata, credentials, signIn, time);
        Ciba = new PscCibaClient(options, httpClient, Metadata, credentials, signIn, time, logs.CreateLogger<PscCibaClient>());
        Introspection = new PscIntrospectionClient(httpClient, Metadata, credentials);
        TokenExchange = new PscTokenExchangeClient(httpClient, Metadata, credentials, time);
        BackchannelLogout = new PscBackchannelLogoutHandler(Validator, sessionRevoker ?? NoRevoker.Instance, logs.CreateLogger<PscBackchannelLogoutHandler>());
    }

    /// <summary>The validated options.</summary>
    public ProSanteConnectOptions Options { get; }

    /// <summary>Discovery document and JWKS (e.g. <c>carteauth psc discover</c>).</summary>
    public PscProviderMetadataCache Metadata { get; }

    /// <summary>Validates ID tokens, signed userinfo and logout tokens (e.g. <c>carteauth psc validate-id-token</c>).</summary>
    public PscTokenValidator Validator { get; }

    /// <summary>The authorization code flow and RP-initiated logout.</summary>
    public PscAuthorizationCodeFlow CodeFlow { get; }

    /// <summary>CIBA poll mode (e.g. <c>carteauth psc ciba</c>, the RADIUS adapter).</summary>
    public PscCibaClient Ciba { get; }

    /// <summary>Token introspection (RFC 7662).</summary>
    public PscIntrospectionClient Introspection { get; }

    /// <summary>Token exchange (RFC 8693).</summary>
    public PscTokenExchangeClient TokenExchange { get; }

    /// <summary>Back-channel logout receiver.</summary>
    public PscBackchannelLogoutHandler BackchannelLogout { get; }

    /// <summary>
    /// The HTTP handler the DI registration gives the provider's client, for code that builds its own
    /// <see cref="HttpClient"/> (a tool, a test): no redirects, connections renewed every 5 minutes, and the options'
    /// mTLS <see cref="ProSanteConnectOptions.ClientCertificate"/> and <see cref="ProSanteConnectOptions.ServerCertificateAuthorities"/>,
    /// which a plain <see cref="HttpClient"/> would ignore.
    /// </summary>
    /// <param name="options">The options (validated by the caller).</param>
    /// <returns>A new handler; the <see cref="HttpClient"/> built on it disposes it.</returns>
    public static HttpMessageHandler CreateHttpHandler(ProSanteConnectOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PscHttp.CreatePrimaryHandler(options);
    }

    private sealed class NoRevoker : IPscSessionRevoker
    {
        public static readonly NoRevoker Instance = new();

        public ValueTask<string?> RevokeAsync(PscLogoutNotification notification, CancellationToken ct = default) => new((string?)null);
    }
}
