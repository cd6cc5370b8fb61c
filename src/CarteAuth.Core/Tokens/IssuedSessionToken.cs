namespace CarteAuth.Tokens;

/// <summary>A session token just issued by <see cref="SessionTokenIssuer"/>.</summary>
/// <param name="Token">The compact JWS to hand to the client (cookie value or <c>Authorization: Bearer</c>).</param>
/// <param name="TokenId">Its <c>jti</c>.</param>
/// <param name="SessionId">Its <c>sid</c>: the session it belongs to.</param>
/// <param name="ExpiresAt">Its <c>exp</c>.</param>
/// <param name="KeyId">The <c>kid</c> of the key that signed it.</param>
public sealed record IssuedSessionToken(string Token, string TokenId, string SessionId, DateTimeOffset ExpiresAt, string KeyId);
