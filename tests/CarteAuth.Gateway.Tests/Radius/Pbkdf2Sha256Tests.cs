using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using CarteAuth.Gateway.Radius;

namespace CarteAuth.Gateway.Tests.Radius;

/// <summary>The RADIUS user file's PBKDF2-HMAC-SHA-256: the same octets as .NET's, RFC 7914 §11 vectors.</summary>
public sealed class Pbkdf2Sha256Tests
{
    [Fact]
    public void On_linux_x64_the_OpenSsl_block_function_is_used()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return; // the accelerated path is for Linux with libcrypto; elsewhere Rfc2898DeriveBytes (the other tests)
        }

        Assert.True(Pbkdf2Sha256.IsAccelerated, "libcrypto.so.3's SHA256_Transform did not load or failed the self-test: RADIUS PAP falls back to Rfc2898DeriveBytes (about half the speed)");
    }

    [Theory]
    // RFC 7914 §11 (test vectors for PBKDF2 with HMAC-SHA-256).
    [InlineData("passwd", "salt", 1, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")]
    [InlineData("Password", "NaCl", 80000, "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d")]
    public void Rfc7914_vectors(string password, string salt, int iterations, string expected)
    {
        var actual = new byte[expected.Length / 2];
        Pbkdf2Sha256.DeriveKey(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(salt), iterations, actual);
        Assert.Equal(expected, Convert.ToHexStringLower(actual));
    }

    [Fact]
    public void Random_passwords_salts_lengths_and_iterations_match_Rfc2898DeriveBytes()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        for (var i = 0; i < 300; i++)
        {
            // Passwords around the 64-octet HMAC block (longer ones are hashed first, RFC 2104 §2), empty ones, salts
            // up to 300 octets, outputs of one to four blocks and partial blocks.
            var password = new byte[random.Next(0, 3) == 0 ? random.Next(60, 200) : random.Next(0, 64)];
            var salt = new byte[random.Next(0, 300)];
            random.NextBytes(password);
            random.NextBytes(salt);
            var iterations = random.Next(1, 3000);
            var length = random.Next(1, 130);
            var expected = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, length);
            var actual = new byte[length];
            var vectorize = i % 2 == 0; // both loops: AVX2 and scalar
            Pbkdf2Sha256.DeriveKey(password, salt, iterations, actual, vectorize);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"seed {seed}, case {i}: password {password.Length} octets, salt {salt.Length}, {iterations} iterations, {length} octets, vectorized {vectorize}");
        }
    }

    [Fact]
    public void Fewer_than_one_iteration_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Pbkdf2Sha256.DeriveKey("p"u8, "salt"u8, 0, new byte[32]));
    }

    [Fact]
    public async Task A_user_file_hash_made_here_verifies_and_a_wrong_password_does_not()
    {
        var hash = FileRadiusUserDirectory.HashPassword("Mot-de-passe-1", 1000);
        var directory = FileRadiusUserDirectory.Parse(
            $$"""{ "Users": [ { "UserName": "a", "IdNat": "899700075122", "FamilyName": "X", "Password": "{{hash}}" } ] }""", TimeProvider.System);
        Assert.NotNull((await directory.VerifyAsync("a", Encoding.UTF8.GetBytes("Mot-de-passe-1"))).User);
        Assert.Null((await directory.VerifyAsync("a", Encoding.UTF8.GetBytes("Mot-de-passe-2"))).User);

        // The stored hash is plain PBKDF2-HMAC-SHA-256: .NET's own derivation gives it too.
        var parts = hash.Split('$');
        Assert.Equal(
            parts[3],
            Convert.ToBase64String(Rfc2898DeriveBytes.Pbkdf2("Mot-de-passe-1"u8, Convert.FromBase64String(parts[2]), 1000, HashAlgorithmName.SHA256, 32)));
    }
}
