using System.Security.Claims;
using System.Security.Cryptography;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CarteAuth.Oidc;

/// <summary>Puts the client's credentials on a Duende protocol request: client_secret_basic or private_key_jwt.</summary>
internal sealed class PscClientCredentials(ProSanteConnectOptions options, TimeProvider time)
{
    private static readonly JsonWebTokenHandler Handler = new();

    public void Apply(ProtocolRequest request)
    {
        request.ClientId = options.ClientId;
        if (options.ClientAuthentication == PscClientAuthenticationMethod.ClientSecretBasic)
        {
            // RFC 6749 §2.3.1: id and secret form-encoded, then Basic.
            request.ClientSecret = options.ClientSecret;
            request.ClientCredentialStyle = ClientCredentialStyle.AuthorizationHeader;
            request.AuthorizationHeaderStyle = BasicAuthenticationHeaderStyle.Rfc6749;
            return;
        }

        request.ClientCredentialStyle = ClientCredentialStyle.PostBody;
        request.ClientAssertion = new ClientAssertion { Type = OidcConstants.ClientAssertionTypes.JwtBearer, Value = CreateAssertion() };
    }

    /// <summary>
    /// A client assertion (RFC 7523 §3, OpenID Connect Core 1.0 §9 private_key_jwt): iss = sub = client id, aud = the
    /// issuer (RFC 7523 §3 item 3: the authorization server), a random jti, a short exp.
    /// </summary>
    public string CreateAssertion()
    {
        var now = time.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = options.ClientId,
            Audience = options.Issuer,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + options.ClientAssertionLifetime,
            SigningCredentials = options.ClientAssertionSigningCredentials,
            Subject = new ClaimsIdentity([
                new Claim(JwtClaimTypes.Subject, options.ClientId),
                new Claim(JwtClaimTypes.JwtId, Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24))),
            ]),
        };
        return Handler.CreateToken(descriptor);
    }
}
