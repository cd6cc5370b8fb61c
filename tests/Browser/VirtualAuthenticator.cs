using System.Text.Json;
using Microsoft.Playwright;

namespace CarteAuth.Testing.Browser;

/// <summary>A credential as Chromium's virtual authenticator holds it (CDP <c>WebAuthn.Credential</c>).</summary>
/// <param name="CredentialId">The credential id bytes.</param>
/// <param name="IsResidentCredential">True for a discoverable (resident) credential.</param>
/// <param name="RpId">The RP id it is scoped to.</param>
/// <param name="UserHandle">The user handle stored with it (resident credentials).</param>
/// <param name="SignCount">The authenticator's signature counter for it.</param>
/// <param name="PrivateKeyPkcs8">The credential private key (PKCS#8, made by Chromium for this test run only).</param>
internal sealed record VirtualCredential(byte[] CredentialId, bool IsResidentCredential, string? RpId, byte[]? UserHandle, uint SignCount, byte[] PrivateKeyPkcs8);

/// <summary>
/// Chromium's DevTools virtual authenticator (CDP WebAuthn domain: <c>WebAuthn.enable</c>,
/// <c>WebAuthn.addVirtualAuthenticator</c>, <c>WebAuthn.getCredentials</c>, <c>WebAuthn.addCredential</c>,
/// <c>WebAuthn.removeVirtualAuthenticator</c>), attached to one page: while enabled, the page's <c>navigator.credentials</c> calls reach it instead of real devices.
/// </summary>
internal sealed class VirtualAuthenticator
{
    /// <summary>CDP calls have no timeout of their own: each is bounded here.</summary>
    private static readonly TimeSpan CdpTimeout = TimeSpan.FromSeconds(30);

    private readonly ICDPSession _cdp;

    private VirtualAuthenticator(ICDPSession cdp, string id)
    {
        _cdp = cdp;
        Id = id;
    }

    /// <summary>The CDP authenticator id.</summary>
    public string Id { get; }

    /// <summary>
    /// Adds a CTAP2.1 platform-like authenticator (transport internal) with resident keys to <paramref name="page"/>:
    /// <paramref name="hasUserVerification"/> is whether it can verify the user at all, <paramref name="isUserVerified"/>
    /// whether that verification succeeds. Presence is simulated automatically (no UI to click).
    /// </summary>
    public static async Task<VirtualAuthenticator> AddAsync(IPage page, bool isUserVerified, bool hasUserVerification = true)
    {
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await Send(cdp, "WebAuthn.enable", new Dictionary<string, object> { ["enableUI"] = false });
        return await AddAsync(cdp, isUserVerified, hasUserVerification);
    }

    /// <summary>Adds another authenticator to the same page (same CDP session; Chromium allows one internal authenticator at a time).</summary>
    public Task<VirtualAuthenticator> AddAnotherAsync(bool isUserVerified, bool hasUserVerification) => AddAsync(_cdp, isUserVerified, hasUserVerification);

    private static async Task<VirtualAuthenticator> AddAsync(ICDPSession cdp, bool isUserVerified, bool hasUserVerification)
    {
        var result = await Send(cdp, "WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["ctap2Version"] = "ctap2_1",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = hasUserVerification,
                ["isUserVerified"] = isUserVerified,
                ["automaticPresenceSimulation"] = true,
            },
        });
        var id = result?.GetProperty("authenticatorId").GetString()
            ?? throw new InvalidOperationException("WebAuthn.addVirtualAuthenticator returned no authenticatorId.");
        return new VirtualAuthenticator(cdp, id);
    }

    /// <summary>Puts <paramref name="credential"/> (e.g. read from another virtual authenticator) into this one.</summary>
    public async Task AddCredentialAsync(VirtualCredential credential)
    {
        var value = new Dictionary<string, object>
        {
            ["credentialId"] = Convert.ToBase64String(credential.CredentialId),
            ["isResidentCredential"] = credential.IsResidentCredential,
            ["privateKey"] = Convert.ToBase64String(credential.PrivateKeyPkcs8),
            ["signCount"] = credential.SignCount,
        };
        if (credential.RpId is not null)
        {
            value["rpId"] = credential.RpId;
        }

        if (credential.UserHandle is not null)
        {
            value["userHandle"] = Convert.ToBase64String(credential.UserHandle);
        }

        await Send(_cdp, "WebAuthn.addCredential", new Dictionary<string, object> { ["authenticatorId"] = Id, ["credential"] = value });
    }

    /// <summary>Removes this authenticator from the page.</summary>
    public async Task RemoveAsync() =>
        await Send(_cdp, "WebAuthn.removeVirtualAuthenticator", new Dictionary<string, object> { ["authenticatorId"] = Id });

    /// <summary>The credentials the authenticator holds.</summary>
    public async Task<IReadOnlyList<VirtualCredential>> GetCredentialsAsync()
    {
        var result = await Send(_cdp, "WebAuthn.getCredentials", new Dictionary<string, object> { ["authenticatorId"] = Id })
            ?? throw new InvalidOperationException("WebAuthn.getCredentials returned nothing.");
        var list = new List<VirtualCredential>();
        foreach (var c in result.GetProperty("credentials").EnumerateArray())
        {
            // CDP binary fields are standard base64 (not base64url).
            list.Add(new VirtualCredential(
                Convert.FromBase64String(c.GetProperty("credentialId").GetString()!),
                c.GetProperty("isResidentCredential").GetBoolean(),
                c.TryGetProperty("rpId", out var rpId) ? rpId.GetString() : null,
                c.TryGetProperty("userHandle", out var handle) && handle.ValueKind == JsonValueKind.String ? Convert.FromBase64String(handle.GetString()!) : null,
                c.GetProperty("signCount").GetUInt32(),
                Convert.FromBase64String(c.GetProperty("privateKey").GetString()!)));
        }

        return list;
    }

    private static async Task<JsonElement?> Send(ICDPSession cdp, string method, Dictionary<string, object> arguments)
    {
        try
        {
            return await cdp.SendAsync(method, arguments).WaitAsync(CdpTimeout);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"Chromium did not answer the CDP call {method} within {CdpTimeout.TotalSeconds} s.", ex);
        }
    }
}
