using System.Diagnostics;
using CarteAuth.Authentication;
using CarteAuth.Docs.Tests.Guides;
using CarteAuth.Testing;
using CarteAuth.Tokens;
using Microsoft.Extensions.Options;

namespace CarteAuth.Docs.Tests;

/// <summary>
/// The key rotation of docs/operations.md works as written with its KeyFolderSigningKeyProvider: publish the next key,
/// swap it with active.pem, retire the old one; tokens signed before the swap validate until the old file is removed.
/// </summary>
public sealed class KeyRotationGuideTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("carteauth-keys-").FullName;

    [Fact]
    public async Task RotationSteps_KeepOldTokensValidUntilTheOldKeyIsRetired()
    {
        var (oldKid, nextKid) = (WriteKey("active.pem"), string.Empty);
        using var provider = new KeyFolderSigningKeyProvider(_folder);
        var options = Options.Create(new SessionTokenOptions { Issuer = "carteauth", Audience = "carteauth" });
        var epochs = new InMemoryRevocationEpochStore();
        var issuer = new SessionTokenIssuer(provider, options, epochs, TimeProvider.System);
        var validator = new SessionTokenValidator(provider, options, epochs, TimeProvider.System);
        var evidence = EvidenceJson.Parse(File.ReadAllText(RepositoryPaths.Of("samples", "evidence", "cps-card-doctor.json")));
        var before = await issuer.IssueAsync(evidence);
        Assert.Equal(oldKid, before.KeyId);

        // 1. Publish the next key: both validate, the old one still signs.
        nextKid = WriteKey("next.pem");
        await Until(() => provider.Current.Keys.Count == 2, "next.pem picked up");
        Assert.Equal(oldKid, provider.Current.Active.Kid);

        // 2. Swap: the new key signs, tokens of the old one still validate.
        File.Move(Path.Combine(_folder, "active.pem"), Path.Combine(_folder, "old.pem"));
        File.Move(Path.Combine(_folder, "next.pem"), Path.Combine(_folder, "active.pem"));
        await Until(() => provider.Current.Active.Kid == nextKid && provider.Current.Keys.Count == 2, "the swap picked up");
        Assert.Equal(nextKid, (await issuer.IssueAsync(evidence)).KeyId);
        Assert.True((await validator.ValidateAsync(before.Token)).IsValid);

        // 3. Retire the old key: its tokens are refused.
        File.Delete(Path.Combine(_folder, "old.pem"));
        await Until(() => provider.Current.Keys.Count == 1, "old.pem removal picked up");
        var refused = await validator.ValidateAsync(before.Token);
        Assert.False(refused.IsValid);
        Assert.Equal(ReasonCodes.TokenUnknownKey, refused.ReasonCode);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string WriteKey(string name)
    {
        using var key = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256);
        var temp = Path.Combine(_folder, name + ".tmp");
        File.WriteAllText(temp, key.ExportPrivateKeyPem());
        File.Move(temp, Path.Combine(_folder, name));   // atomic, as a secret manager should write
        using var read = SessionSigningKey.FromPem(File.ReadAllText(Path.Combine(_folder, name)), SessionTokenAlgorithm.ES256);
        return read.Kid;
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"Timed out waiting until {what}.");
            await Task.Delay(50);
        }
    }
}
