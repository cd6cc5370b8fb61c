using System.Collections.Concurrent;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Oidc.Tests;

/// <summary>
/// A small loopback OpenID provider (Kestrel on 127.0.0.1, free port) that the tests steer: its discovery document,
/// JWKS, token, userinfo and CIBA answers can be replaced, delayed or broken. Tokens are signed by keys made here.
/// Plain http by default; with <see cref="FakeProviderTls"/> it serves https, optionally requiring a client certificate
/// (mTLS), and records the client certificate of every request in <see cref="ClientCertificates"/>.
/// </summary>
internal sealed class FakeProvider : IAsyncDisposable
{
    public const string ClientId = "client-1";
    public const string ClientSecret = "secret-1-long-enough-for-hmac-sha256-keys!!";
    private readonly WebApplication _app;

    private FakeProvider(WebApplication app, string origin)
    {
        _app = app;
        Origin = origin;
        Issuer = origin + "/auth/realms/esante-wallet";
        Keys.Add(new SecurityKeyEntry("ec-1", new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "ec-1" }, SecurityAlgorithms.EcdsaSha256));
        Keys.Add(new SecurityKeyEntry("rsa-1", new RsaSecurityKey(RSA.Create(2048)) { KeyId = "rsa-1" }, SecurityAlgorithms.RsaSha256));
    }

    public string Origin { get; }

    public string Issuer { get; }

    /// <summary>Published keys (the JWKS is built from this list at each fetch).</summary>
    public List<SecurityKeyEntry> Keys { get; } = [];

    /// <summary>The client certificate each request came with, in order (https mode only; requests without one are not listed).</summary>
    public ConcurrentQueue<X509Certificate2> ClientCertificates { get; } = new();

    public int DiscoveryFetches;
    public int JwksFetches;
    public int TokenRequests;

    /// <summary>Replaces the discovery answer (default: a valid document).</summary>
    public Func<HttpContext, Task>? Discovery { get; set; }

    /// <summary>Replaces the JWKS answer (default: the published <see cref="Keys"/>).</summary>
    public Func<HttpContext, Task>? Jwks { get; set; }

    /// <summary>Delay before every answer.</summary>
    public TimeSpan Delay { get; set; }

    public Func<HttpContext, Task> Token { get; set; } = static ctx => Json(ctx, 400, new { error = "invalid_grant" });

    public Func<HttpContext, Task> UserInfo { get; set; } = static ctx => Json(ctx, 401, new { error = "invalid_token" });

    public Func<HttpContext, Task> Ciba { get; set; } = static ctx => Json(ctx, 200, new { auth_req_id = "req-1", expires_in = 120, interval = 5 });

    /// <param name="tls">Https mode; plain http when null.</param>
    /// <param name="port">The loopback port (a free one when null), e.g. to come back where a stopped provider was (plain http only).</param>
    public static async Task<FakeProvider> StartAsync(FakeProviderTls? tls = null, int? port = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (tls is null)
        {
            builder.WebHost.UseKestrel().UseUrls($"http://127.0.0.1:{port ?? 0}");
        }
        else
        {
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
            {
                https.ServerCertificate = tls.ServerCertificate;
                https.SslProtocols = tls.Protocols;
                https.HandshakeTimeout = TimeSpan.FromSeconds(10);
                if (tls.ClientAuthority is { } authority)
                {
                    // mTLS: no request without a client certificate issued by the expected CA.
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    https.ClientCertificateValidation = (certificate, _, _) => authority.Issued(certificate);
                }
            })));
        }

        var app = builder.Build();
        FakeProvider? self = null;
        app.Use(async (ctx, next) =>
        {
            if (ctx.Connection.ClientCertificate is { } clientCertificate)
            {
                self!.ClientCertificates.Enqueue(clientCertificate);
            }

            if (self!.Delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(self.Delay, ctx.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            await next(ctx);
        });
        const string realm = "/auth/realms/esante-wallet";
        app.MapGet(realm + "/.well-known/wallet-openid-configuration", ctx =>
        {
            Interlocked.Increment(ref self!.DiscoveryFetches);
            return self.Discovery is { } d ? d(ctx) : Json(ctx, 200, self.DiscoveryDocument());
        });
        app.MapGet(realm + "/protocol/openid-connect/certs", ctx =>
        {
            Interlocked.Increment(ref self!.JwksFetches);
            return self.Jwks is { } j ? j(ctx) : Json(ctx, 200, new { keys = self.Keys.Select(k => JsonSerializer.Deserialize<JsonElement>(JsonSerializer.Serialize(JsonWebKeyConverter.ConvertFromSecurityKey(PublicOf(k.Key))))).ToArray() });
        });
        app.MapPost(realm + "/protocol/openid-connect/token", ctx =>
        {
            Interlocked.Increment(ref self!.TokenRequests);
            return self.Token(ctx);
        });
        app.MapGet(realm + "/protocol/openid-connect/userinfo", ctx => self!.UserInfo(ctx));
        app.MapPost(realm + "/protocol/openid-connect/ext/ciba/auth", ctx => self!.Ciba(ctx));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new FakeProvider(app, address.TrimEnd('/'));
        return self;
    }

    public object DiscoveryDocument(string? issuer = null) => new Dictionary<string, object>
    {
        ["issuer"] = issuer ?? Issuer,
        ["authorization_endpoint"] = Issuer + "/protocol/openid-connect/auth",
        ["token_endpoint"] = Issuer + "/protocol/openid-connect/token",
        ["userinfo_endpoint"] = Issuer + "/protocol/openid-connect/userinfo",
        ["jwks_uri"] = Issuer + "/protocol/openid-connect/certs",
        ["introspection_endpoint"] = Issuer + "/protocol/openid-connect/token/introspect",
        ["end_session_endpoint"] = Issuer + "/protocol/openid-connect/logout",
        ["backchannel_authentication_endpoint"] = Issuer + "/protocol/openid-connect/ext/ciba/auth",
        ["backchannel_token_delivery_modes_supported"] = new[] { "poll" },
        ["scopes_supported"] = new[] { "openid", "scope_all" },
        ["acr_values_supported"] = new[] { "eidas1" },
        ["id_token_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
        ["response_types_supported"] = new[] { "code" },
        ["subject_types_supported"] = new[] { "public" },
        ["code_challenge_methods_supported"] = new[] { "S256" },
        ["backchannel_logout_supported"] = true,
    };

    public ProSanteConnectOptions Options(Action<ProSanteConnectOptions>? configure = null)
    {
        var o = new ProSanteConnectOptions
        {
            Issuer = Issuer,
            ClientId = ClientId,
            ClientSecret = ClientSecret,
            RedirectUri = new Uri("http://127.0.0.1:5999/callback"),
            HttpTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(o);
        return o;
    }

    /// <summary>A client over a plain HttpClient with a timeout.</summary>
    public ProSanteConnectClient Client(ProSanteConnectOptions? options = null, TimeProvider? time = null, IPscSessionRevoker? revoker = null) =>
        new(options ?? Options(), new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, time, sessionRevoker: revoker);

    /// <summary>The claims of a good ID token for the client.</summary>
    public Dictionary<string, object> IdTokenClaims(string nonce = "nonce-1", string sub = "sub-1", DateTimeOffset? now = null)
    {
        var t = (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        return new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["sub"] = sub,
            ["aud"] = ClientId,
            ["exp"] = t + 3600,
            ["iat"] = t,
            ["auth_time"] = t - 10,
            ["nonce"] = nonce,
            ["acr"] = "eidas1",
            ["amr"] = new[] { "sc", "pin", "mfa" },
            ["sid"] = "sid-1",
        };
    }

    /// <summary>Signs claims with a published key (default the EC one), or any key/alg/kid given.</summary>
    public string Sign(IDictionary<string, object> claims, string? kid = "ec-1", SecurityKey? key = null, string? alg = null, IDictionary<string, object>? header = null)
    {
        var entry = Keys.FirstOrDefault(k => k.Kid == kid) ?? Keys[0];
        var signingKey = key ?? entry.Key;
        var algorithm = alg ?? entry.Algorithm;
        var descriptor = new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>(claims),
            SigningCredentials = new SigningCredentials(signingKey, algorithm),
            AdditionalHeaderClaims = header,
        };
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var jwt = handler.CreateToken(descriptor);
        if (kid is null)
        {
            // Re-encode the header without kid.
            var parts = jwt.Split('.');
            var h = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64UrlEncoder.Decode(parts[0]))!;
            h.Remove("kid");
            var headerPart = Base64UrlEncoder.Encode(JsonSerializer.Serialize(h));
            var input = System.Text.Encoding.ASCII.GetBytes(headerPart + "." + parts[1]);
            var sig = signingKey switch
            {
                ECDsaSecurityKey ec => ec.ECDsa.SignData(input, HashAlgorithmName.SHA256),
                RsaSecurityKey rsa => rsa.Rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                _ => throw new NotSupportedException(),
            };
            return headerPart + "." + parts[1] + "." + Base64UrlEncoder.Encode(sig);
        }

        return jwt;
    }

    /// <summary>An unsigned token (alg none).</summary>
    public static string Unsigned(IDictionary<string, object> claims) =>
        Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + Base64UrlEncoder.Encode(JsonSerializer.Serialize(claims)) + ".";

    public static Task Json(HttpContext ctx, int status, object body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static SecurityKey PublicOf(SecurityKey key) => key switch
    {
        ECDsaSecurityKey ec => new ECDsaSecurityKey(ECDsa.Create(ec.ECDsa.ExportParameters(false))) { KeyId = ec.KeyId },
        RsaSecurityKey rsa => new RsaSecurityKey(rsa.Rsa.ExportParameters(false)) { KeyId = rsa.KeyId },
        _ => key,
    };
}

internal sealed record SecurityKeyEntry(string Kid, SecurityKey Key, string Algorithm);

/// <summary>
/// Https mode of <see cref="FakeProvider"/>: its TLS server certificate and, for mTLS, the CA whose client certificates
/// it requires (null: no client certificate asked), and the TLS versions it speaks.
/// </summary>
internal sealed record FakeProviderTls(X509Certificate2 ServerCertificate, TestPki? ClientAuthority, SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13);

/// <summary>A TCP port on 127.0.0.1 where nothing listens.</summary>
internal static class ClosedPort
{
    public static int Get()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
