using CarteAuth.Fido2.Attestation;
using CarteAuth.Fido2.Stores;
using CarteAuth.Fido2.Tests.TestSupport;
using CarteAuth.Identity;

namespace CarteAuth.Fido2.Tests.Stores;

/// <summary>The contract every <see cref="IFido2CredentialStore"/> meets; run against each implementation.</summary>
public abstract class CredentialStoreContractTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    protected abstract IFido2CredentialStore CreateStore();

    internal static Fido2CredentialRecord Record(byte[]? id = null, byte[]? userHandle = null, DateTimeOffset? created = null) => new()
    {
        Id = id ?? System.Security.Cryptography.RandomNumberGenerator.GetBytes(32),
        PublicKey = [0xA1, 0x01, 0x02],
        SignCount = 7,
        Aaguid = Guid.Parse("2fc0579f-8113-47ea-b116-bb5a8db9202a"),
        Transports = ["usb", "nfc"],
        BackupEligible = true,
        BackedUp = false,
        UserVerifiedAtRegistration = true,
        AttestationFormat = "packed",
        AttestationType = AttestationType.Basic,
        AttestationTrusted = true,
        AttestationTrustPath = [[1, 2, 3], [4, 5]],
        CreatedAt = created ?? Created,
        Owner = new ProfessionalIdentity(NationalId.Parse("899700075122"), "PHARMACH0007512", "CAROLE"),
        UserHandle = userHandle ?? [1, 2, 3, 4],
    };

    [Fact]
    public async Task Added_record_reads_back_identically()
    {
        var store = CreateStore();
        var record = Record();
        await store.AddAsync(record);
        var read = await store.FindAsync(record.Id);
        Assert.NotNull(read);
        Assert.Equal(record.Id, read.Id);
        Assert.Equal(record.PublicKey, read.PublicKey);
        Assert.Equal(record.SignCount, read.SignCount);
        Assert.Equal(record.Aaguid, read.Aaguid);
        Assert.Equal(record.Transports, read.Transports);
        Assert.Equal(record.BackupEligible, read.BackupEligible);
        Assert.Equal(record.BackedUp, read.BackedUp);
        Assert.Equal(record.UserVerifiedAtRegistration, read.UserVerifiedAtRegistration);
        Assert.Equal(record.AttestationFormat, read.AttestationFormat);
        Assert.Equal(record.AttestationType, read.AttestationType);
        Assert.Equal(record.AttestationTrusted, read.AttestationTrusted);
        Assert.Equal(record.AttestationTrustPath, read.AttestationTrustPath);
        Assert.Equal(record.CreatedAt, read.CreatedAt);
        Assert.Null(read.LastUsedAt);
        Assert.Equal(record.Owner.NationalId, read.Owner.NationalId);
        Assert.Equal(record.Owner.FamilyName, read.Owner.FamilyName);
        Assert.Equal(record.Owner.GivenName, read.Owner.GivenName);
        Assert.Equal(record.UserHandle, read.UserHandle);
    }

    [Fact]
    public async Task Unknown_id_is_null()
    {
        Assert.Null(await CreateStore().FindAsync(new byte[] { 1 }));
    }

    [Fact]
    public async Task Duplicate_id_is_refused_with_credential_exists()
    {
        var store = CreateStore();
        var record = Record();
        await store.AddAsync(record);
        var ex = await Assert.ThrowsAsync<WebAuthnException>(async () => await store.AddAsync(Record(id: record.Id, userHandle: [9])));
        Assert.Equal(ReasonCodes.WebAuthnCredentialExists, ex.ReasonCode);
    }

    [Fact]
    public async Task Lists_a_users_credentials_oldest_first_and_bounded()
    {
        var store = CreateStore();
        byte[] user = [5, 5];
        var second = Record(userHandle: user, created: Created.AddMinutes(2));
        var first = Record(userHandle: user, created: Created.AddMinutes(1));
        await store.AddAsync(second);
        await store.AddAsync(first);
        await store.AddAsync(Record(userHandle: [6]));
        var list = await store.ListByUserHandleAsync(user);
        Assert.Equal([first.IdText, second.IdText], list.Select(r => r.IdText));
        Assert.Single(await store.ListByUserHandleAsync(user, max: 1));
        Assert.Empty(await store.ListByUserHandleAsync(new byte[] { 7 }));
    }

    [Fact]
    public async Task Lists_an_owners_credentials_across_user_handles_oldest_first_and_bounded()
    {
        var store = CreateStore();
        var second = Record(userHandle: [1], created: Created.AddMinutes(2));
        var first = Record(userHandle: [2], created: Created.AddMinutes(1));
        await store.AddAsync(second);
        await store.AddAsync(first);
        await store.AddAsync(Record() with { Owner = new ProfessionalIdentity(NationalId.Parse("810002813839"), "DONNAT-GADY", "ISABELLE") });
        var list = await store.ListByOwnerAsync("899700075122");
        Assert.Equal([first.IdText, second.IdText], list.Select(r => r.IdText));
        Assert.Single(await store.ListByOwnerAsync("899700075122", max: 1));
        Assert.Single(await store.ListByOwnerAsync("810002813839"));
        Assert.Empty(await store.ListByOwnerAsync("810000000001"));
    }

    [Fact]
    public async Task Sign_count_update_is_compare_and_set()
    {
        var store = CreateStore();
        var record = Record();
        await store.AddAsync(record);
        var used = Created.AddHours(1);
        Assert.True(await store.UpdateAfterAssertionAsync(record.Id, 7, 8, true, used));
        Assert.False(await store.UpdateAfterAssertionAsync(record.Id, 7, 9, true, used));
        var read = await store.FindAsync(record.Id);
        Assert.Equal(8u, read!.SignCount);
        Assert.True(read.BackedUp);
        Assert.Equal(used, read.LastUsedAt);
        Assert.False(await store.UpdateAfterAssertionAsync(new byte[] { 1 }, 0, 1, false, used));
    }

    [Fact]
    public async Task Concurrent_updates_from_the_same_count_have_one_winner()
    {
        var store = CreateStore();
        var record = Record();
        await store.AddAsync(record);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () => await store.UpdateAfterAssertionAsync(record.Id, 7, (uint)(8 + i), false, Created))));
        Assert.Equal(1, results.Count(r => r));
    }

    [Fact]
    public async Task Large_sign_counts_are_kept()
    {
        var store = CreateStore();
        var record = Record() with { SignCount = uint.MaxValue - 1 };
        await store.AddAsync(record);
        Assert.True(await store.UpdateAfterAssertionAsync(record.Id, uint.MaxValue - 1, uint.MaxValue, false, Created));
        Assert.Equal(uint.MaxValue, (await store.FindAsync(record.Id))!.SignCount);
    }

    [Fact]
    public async Task Delete_removes_the_credential()
    {
        var store = CreateStore();
        var record = Record();
        await store.AddAsync(record);
        Assert.True(await store.DeleteAsync(record.Id));
        Assert.False(await store.DeleteAsync(record.Id));
        Assert.Null(await store.FindAsync(record.Id));
    }

    [Fact]
    public async Task Relying_party_runs_on_the_store()
    {
        var h = new RpHarness(store: CreateStore());
        using var a = new SoftAuthenticator();
        await h.RegisterAsync(a);
        var options = await h.AssertionOptionsAsync();
        Assert.True((await h.Rp.VerifyAssertionAsync(a.Assert(options.Challenge, null))).Succeeded);
        var again = await h.AssertionOptionsAsync();
        Assert.Equal(ReasonCodes.WebAuthnCounterRegression, (await h.Rp.VerifyAssertionAsync(a.Assert(again.Challenge, null, signCount: 1))).ReasonCode);
    }
}
