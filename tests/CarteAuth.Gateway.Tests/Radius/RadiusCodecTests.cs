using System.Text;
using CarteAuth.Gateway.Radius;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Gateway.Tests.Radius;

public sealed class RadiusCodecTests
{
    // RFC 2865 §7.1: "nemo" / "arctangent", secret "xyzzy5461", and the Access-Accept answering it.
    private static readonly byte[] Rfc2865Request = Convert.FromHexString(
        "010000380f403f9473978057bd83d5cb98f4227a01066e656d6f02120dbe708d93d413ce3196e43f782a0aee0406c0a8011005060000000" + "3");

    private static readonly byte[] Rfc2865Accept = Convert.FromHexString(
        "0200002686fe220e7624ba2a1005f6bf9b55e0b20606000000010f06000000000e06c0a80103");

    private static readonly byte[] Rfc2865Secret = Encoding.ASCII.GetBytes("xyzzy5461");

    [Fact]
    public void Rfc2865Example_Decodes_PasswordUnhides_AndTheAcceptAuthenticatorMatches()
    {
        Assert.True(RadiusPacket.TryDecode(Rfc2865Request, out var request, out var code, out var message), message);
        Assert.Null(code);
        Assert.Equal(RadiusCode.AccessRequest, request!.Code);
        Assert.Equal("nemo", request.FindText(RadiusAttributeType.UserName));
        Assert.Equal(4, request.Attributes.Count);
        Assert.False(request.HasMessageAuthenticator);

        Assert.True(RadiusCrypto.TryUnhidePassword(request.Find(RadiusAttributeType.UserPassword)!.Value.Value.Span, request.Authenticator.Span, Rfc2865Secret, out var password));
        Assert.Equal("arctangent", Encoding.ASCII.GetString(password));

        Assert.Equal(Rfc2865Accept.AsSpan(4, 16).ToArray(), RadiusCrypto.ComputeAuthenticator(Rfc2865Accept, request.Authenticator.Span, Rfc2865Secret));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(127)]
    [InlineData(128)]
    public void Password_HidesAndUnhides_InMultiplesOf16(int length)
    {
        var secret = Encoding.ASCII.GetBytes("s3cr3t-partage");
        var authenticator = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
        var password = Enumerable.Range(1, length).Select(i => (byte)('a' + (i % 26))).ToArray();

        var hidden = RadiusCrypto.HidePassword(password, authenticator, secret);

        Assert.Equal(Math.Max(16, (length + 15) / 16 * 16), hidden.Length);
        Assert.True(RadiusCrypto.TryUnhidePassword(hidden, authenticator, secret, out var back));
        Assert.Equal(password, back);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(144)]
    public void Password_BadHiddenLength_IsRefused(int length)
    {
        Assert.False(RadiusCrypto.TryUnhidePassword(new byte[length], new byte[16], [1, 2, 3], out _));
    }

    [Fact]
    public void Password_Over128Octets_CannotBeHidden()
    {
        Assert.Throws<ArgumentException>(() => RadiusCrypto.HidePassword(new byte[129], new byte[16], [1]));
    }

    [Fact]
    public void PaddingBeyondTheLengthField_IsIgnored()
    {
        var padded = Rfc2865Request.Concat(new byte[7]).ToArray();

        Assert.True(RadiusPacket.TryDecode(padded, out var packet, out _, out _));
        Assert.Equal(Rfc2865Request.Length, packet!.Raw.Length);
    }

    [Fact]
    public void MessageAuthenticator_VerifiesOnlyWithTheSecret_AndDetectsChanges()
    {
        var secret = Encoding.ASCII.GetBytes("radius-test-secret-0123");
        var datagram = new RadiusPacketBuilder(RadiusCode.AccessRequest, 1).AddText(RadiusAttributeType.UserName, "u").BuildAccessRequest(secret, "p");

        Assert.True(RadiusPacket.TryDecode(datagram, out var packet, out _, out _));
        Assert.True(RadiusCrypto.VerifyMessageAuthenticator(packet!, secret));
        Assert.False(RadiusCrypto.VerifyMessageAuthenticator(packet!, Encoding.ASCII.GetBytes("other-secret")));

        datagram[^1] ^= 1;
        Assert.True(RadiusPacket.TryDecode(datagram, out var changed, out _, out _));
        Assert.False(RadiusCrypto.VerifyMessageAuthenticator(changed!, secret));
    }

    [Fact]
    public void AccountingRequest_Authenticator_RoundTrips()
    {
        var secret = Encoding.ASCII.GetBytes("radius-test-secret-0123");
        var datagram = new RadiusPacketBuilder(RadiusCode.AccountingRequest, 1).AddInteger(RadiusAttributeType.AcctStatusType, 1).BuildAccountingRequest(secret);

        Assert.True(RadiusPacket.TryDecode(datagram, out var packet, out _, out _));
        Assert.True(RadiusCrypto.VerifyAccountingRequest(packet!, secret));
        Assert.False(RadiusCrypto.VerifyAccountingRequest(packet!, Encoding.ASCII.GetBytes("other-secret")));
    }

    [Theory]
    [InlineData(59, "287082")]            // RFC 6238 appendix B (SHA-1): 94287082, 6 digits
    [InlineData(1111111109, "081804")]    // 07081804
    [InlineData(1234567890, "005924")]    // 89005924
    [InlineData(2000000000, "279037")]    // 69279037
    public void Totp_Rfc6238Vectors(long unixTime, string expected)
    {
        Assert.Equal(expected, TotpVerifier.Compute(Encoding.ASCII.GetBytes("12345678901234567890"), DateTimeOffset.FromUnixTimeSeconds(unixTime)));
    }

    [Fact]
    public void Totp_AcceptsOneStepOfDrift_EachCodeOnce()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var verifier = new TotpVerifier(time);
        var secret = Encoding.ASCII.GetBytes("12345678901234567890");

        var previous = TotpVerifier.Compute(secret, time.GetUtcNow().AddSeconds(-30));
        var current = TotpVerifier.Compute(secret, time.GetUtcNow());
        var tooOld = TotpVerifier.Compute(secret, time.GetUtcNow().AddSeconds(-90));

        Assert.False(verifier.Verify("u", secret, tooOld));
        Assert.True(verifier.Verify("u", secret, previous));
        Assert.True(verifier.Verify("u", secret, current));
        Assert.False(verifier.Verify("u", secret, current)); // replay
        Assert.False(verifier.Verify("u", secret, previous)); // older than the last accepted
        Assert.False(verifier.Verify("u", secret, "12345"));
        Assert.False(verifier.Verify("u", secret, "abcdef"));
    }

    [Fact]
    public async Task Totp_TwoNodesSharingAReplayCache_AcceptACodeOnce_AndTheCacheEntryOutlivesTheDriftWindow()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var shared = new CarteAuth.Tokens.InMemoryReplayCache(time);
        var nodeA = new TotpVerifier(time, shared);
        var nodeB = new TotpVerifier(time, shared);
        var secret = Encoding.ASCII.GetBytes("12345678901234567890");
        var current = TotpVerifier.Compute(secret, time.GetUtcNow());

        Assert.True(await nodeA.VerifyAsync("u", secret, current));
        Assert.False(await nodeB.VerifyAsync("u", secret, current)); // same code on the other node: refused
        Assert.False(await nodeA.VerifyAsync("u", secret, current));
        Assert.True(await nodeB.VerifyAsync("v", secret, current)); // another user's code is their own

        // A code not yet used on either node passes once, wherever it is presented first.
        time.Advance(TimeSpan.FromSeconds(30));
        var next = TotpVerifier.Compute(secret, time.GetUtcNow());
        Assert.True(await nodeB.VerifyAsync("u", secret, next));
        Assert.False(await nodeA.VerifyAsync("u", secret, next));

        // Without a cache, VerifyAsync is the node's own single use.
        var alone = new TotpVerifier(time);
        Assert.True(await alone.VerifyAsync("u", secret, next));
        Assert.False(await alone.VerifyAsync("u", secret, next));
    }

    [Fact]
    public void Base32_RoundTrips()
    {
        var bytes = Encoding.ASCII.GetBytes("12345678901234567890");
        Assert.Equal("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", Base32.Encode(bytes));
        Assert.True(Base32.TryDecode("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", out var back));
        Assert.Equal(bytes, back);
        Assert.False(Base32.TryDecode("not base32!", out _));
    }

    [Fact]
    public async Task UserFile_Pbkdf2_VerifiesAndNamesFailures()
    {
        var directory = FileRadiusUserDirectory.Parse(RadiusTestServer.UsersJson(), TimeProvider.System);

        var ok = await directory.VerifyAsync(RadiusTestServer.OtpUser, Encoding.UTF8.GetBytes(RadiusTestServer.Password));
        var bad = await directory.VerifyAsync(RadiusTestServer.OtpUser, Encoding.UTF8.GetBytes("nope"));
        var unknown = await directory.VerifyAsync("nobody", Encoding.UTF8.GetBytes(RadiusTestServer.Password));

        Assert.Equal(RadiusTestServer.OtpUserIdNat, ok.User!.Identity.NationalId.Value);
        Assert.Equal((null, ReasonCodes.RadiusBadPassword), (bad.User, bad.ReasonCode));
        Assert.Equal((null, ReasonCodes.RadiusUnknownUser), (unknown.User, unknown.ReasonCode));
        Assert.True(directory.HasOtp(RadiusTestServer.OtpUser));
        Assert.False(directory.HasOtp(RadiusTestServer.PasswordOnlyUser));
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{}", "\"Users\"")]
    [InlineData("""{ "Users": [ { "UserName": "a", "IdNat": "123", "FamilyName": "X", "Password": "x" } ] }""", "IdNat")]
    [InlineData("""{ "Users": [ { "UserName": "a", "IdNat": "899700075122", "FamilyName": "X", "Password": "md5$x" } ] }""", "Password")]
    [InlineData("""{ "Users": [ { "UserName": "a", "IdNat": "899700075122", "FamilyName": "X", "Password": "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "TotpSecret": "!!" } ] }""", "TotpSecret")]
    [InlineData("""{ "Users": [ { "UserName": "a", "IdNat": "899700075122", "FamilyName": "X", "Password": "pbkdf2-sha256$999$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" } ] }""", "at least 1000 iterations")]
    [InlineData("""{ "Users": [ { "UserName": "a", "IdNat": "899700075122", "FamilyName": "X", "Password": "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } ] }""", "a hash of 16 to 64 octets")]
    public void UserFile_Malformed_IsInvalidOptions(string json, string names)
    {
        var e = Assert.Throws<CarteAuthException>(() => FileRadiusUserDirectory.Parse(json, TimeProvider.System));
        Assert.Equal(ReasonCodes.RadiusInvalidOptions, e.ReasonCode);
        Assert.Contains(names, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("endpoint")]
    [InlineData("no clients")]
    [InlineData("bad address")]
    [InlineData("short secret")]
    [InlineData("no policy")]
    [InlineData("challenge timeout")]
    public void Options_Invalid_NameTheField(string what)
    {
        var options = new RadiusServerOptions { Policy = "vpn" };
        options.Clients.Add(new RadiusClientOptions { Address = "10.0.0.0/24", Secret = "a-long-enough-secret" });
        string field;
        switch (what)
        {
            case "endpoint": options.Endpoint = "nowhere"; field = "Endpoint"; break;
            case "no clients": options.Clients.Clear(); field = "Clients"; break;
            case "bad address": options.Clients[0].Address = "10.0.0.0/99"; field = "Address"; break;
            case "short secret": options.Clients[0].Secret = "short"; field = "Secret"; break;
            case "no policy": options.Policy = " "; field = "Policy"; break;
            default: options.ChallengeTimeout = TimeSpan.FromHours(1); field = "ChallengeTimeout"; break;
        }

        var e = Assert.Throws<CarteAuthException>(options.Validate);
        Assert.Equal(ReasonCodes.RadiusInvalidOptions, e.ReasonCode);
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
    }
}
