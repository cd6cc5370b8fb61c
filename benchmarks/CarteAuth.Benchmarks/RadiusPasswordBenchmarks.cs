using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using CarteAuth.Gateway.Radius;

namespace CarteAuth.Benchmarks;

/// <summary>
/// The RADIUS PAP password check (the largest cost of an Access-Request): <see cref="FileRadiusUserDirectory"/>'s
/// PBKDF2-HMAC-SHA-256 verification against the same derivation by .NET's <see cref="Rfc2898DeriveBytes"/> (OpenSSL's
/// <c>PKCS5_PBKDF2_HMAC</c> on Linux, what FreeRADIUS calls too), in the same run. 1 000 iterations as in the RADIUS
/// load benchmark; 210 000 (the <c>HashPassword</c> default) for the user-file hash.
/// </summary>
[MemoryDiagnoser]
public class RadiusPasswordBenchmarks
{
    private static readonly byte[] Password = Encoding.UTF8.GetBytes("Mot-de-passe-1");
    private FileRadiusUserDirectory _directory = null!;
    private byte[] _salt = null!;

    [Params(1000)]
    public int Iterations { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var hash = FileRadiusUserDirectory.HashPassword("Mot-de-passe-1", Iterations);
        _salt = Convert.FromBase64String(hash.Split('$')[2]);
        _directory = FileRadiusUserDirectory.Parse(
            $$"""{ "Users": [ { "UserName": "u", "IdNat": "899700075122", "FamilyName": "X", "Password": "{{hash}}" } ] }""", TimeProvider.System);
    }

    /// <summary>.NET's PBKDF2 (OpenSSL PKCS5_PBKDF2_HMAC): the baseline.</summary>
    [Benchmark(Baseline = true)]
    public byte[] Rfc2898DeriveBytesPbkdf2() => Rfc2898DeriveBytes.Pbkdf2(Password, _salt, Iterations, HashAlgorithmName.SHA256, 32);

    /// <summary>The whole user-file check: look-up, PBKDF2, fixed-time comparison.</summary>
    [Benchmark]
    public bool CarteAuthVerify() => _directory.VerifyAsync("u", Password).Result.User is not null;
}
