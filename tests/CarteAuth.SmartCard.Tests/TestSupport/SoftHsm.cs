using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.SmartCard.Development;
using CarteAuth.Testing;

namespace CarteAuth.SmartCard.Tests.TestSupport;

/// <summary>
/// A private SoftHSM2 installation for the PKCS#11 tests: its own softhsm2.conf and token directory under a temporary
/// directory (SOFTHSM2_CONF points there, for this process and the tools it starts; the system token directory is never
/// touched), with tokens initialised by softhsm2-util and loaded with dev PKI cards by pkcs11-tool (OpenSC).
/// When SoftHSM2 or OpenSC is missing, creating the fixture fails with a message saying to run ./test.sh: the tests
/// fail, they are never silently skipped.
/// </summary>
public sealed class SoftHsmFixture : IDisposable
{
    public const string Pin = "123456";
    public const string SoPin = "12345678";

    /// <summary>The doctor's card: a signature-only certificate and key (CKA_ID 02), the clientAuth one (01), the CA certificate (03, no key).</summary>
    public const string DoctorToken = "CPS-DOCTOR";
    /// <summary>The pharmacist's card, used to try wrong PINs (its flags change).</summary>
    public const string PinToken = "CPS-PIN";
    /// <summary>The nurse's card, with CKF_USER_PIN_FINAL_TRY set in its token flags.</summary>
    public const string FinalTryToken = "CPS-FINAL-TRY";
    /// <summary>A card with CKF_USER_PIN_LOCKED set in its token flags.</summary>
    public const string LockedToken = "CPS-LOCKED";
    /// <summary>An initialised token with no object at all.</summary>
    public const string EmptyToken = "BLANK";
    /// <summary>A token with a certificate but no private key.</summary>
    public const string CertificateOnlyToken = "CERT-ONLY";

    private const ulong CkfUserPinFinalTry = 0x20000;
    private const ulong CkfUserPinLocked = 0x40000;

    private static readonly string[] ModuleCandidates =
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/local/lib/softhsm/libsofthsm2.so",
    ];

    private readonly TempDirectory _dir;

    public SoftHsmFixture()
    {
        // Checked before anything is created, so a missing install leaves nothing behind.
        ModulePath = ModuleCandidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "SoftHSM2 is not installed (no libsofthsm2.so in " + string.Join(", ", ModuleCandidates) + "): run ./test.sh, which installs the Debian packages softhsm2 and opensc, then run the tests again.");
        foreach (var tool in new[] { "softhsm2-util", "pkcs11-tool" })
        {
            if (!OnPath(tool))
            {
                throw new InvalidOperationException($"{tool} is not on PATH: run ./test.sh, which installs the Debian packages softhsm2 and opensc, then run the tests again.");
            }
        }

        _dir = new TempDirectory();
        var tokens = Directory.CreateDirectory(Path.Combine(_dir.Path, "tokens")).FullName;
        ConfigPath = _dir.File("softhsm2.conf", $"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
        // The module reads SOFTHSM2_CONF with getenv() in C_Initialize: set it in the native environment too.
        Environment.SetEnvironmentVariable("SOFTHSM2_CONF", ConfigPath);
        if (SetEnv("SOFTHSM2_CONF", ConfigPath, 1) != 0)
        {
            throw new InvalidOperationException("setenv(SOFTHSM2_CONF) failed.");
        }

        Pki = DevPki.Create();
        var specs = DevPki.StandardCards.ToDictionary(s => s.Name);
        Doctor = Pki.IssueCard(specs["doctor"]);
        DoctorSignature = Pki.IssueCard(specs["doctor"] with { Name = "doctor-signature", ClientAuth = false, DigitalSignature = false });
        Pharmacist = Pki.IssueCard(specs["pharmacist"]);
        Nurse = Pki.IssueCard(specs["nurse"]);
        Staff = Pki.IssueCard(specs["staff"]);
        var locked = Pki.IssueCard(specs["nurse"] with { Name = "locked" });

        InitToken(DoctorToken);
        Import(DoctorToken, DoctorSignature, "02", withKey: true);
        Import(DoctorToken, Doctor, "01", withKey: true);
        ImportCertificate(DoctorToken, Pki.Intermediate, "03", "ca");
        InitToken(PinToken);
        Import(PinToken, Pharmacist, "01", withKey: true);
        InitToken(FinalTryToken);
        Import(FinalTryToken, Nurse, "01", withKey: true);
        InitToken(LockedToken);
        Import(LockedToken, locked, "01", withKey: true);
        InitToken(EmptyToken);
        InitToken(CertificateOnlyToken);
        Import(CertificateOnlyToken, Staff, "01", withKey: false);

        // SoftHSM2 never locks a PIN by itself (C_Login only sets CKF_USER_PIN_COUNT_LOW after a failure), so the
        // final-try and locked states are set in the tokens' stored flags, before the module is loaded in-process.
        SetTokenFlags(FinalTryToken, CkfUserPinFinalTry);
        SetTokenFlags(LockedToken, CkfUserPinLocked);
    }

    public string ModulePath { get; }

    public string ConfigPath { get; }

    public DevPki Pki { get; }

    /// <summary>The doctor's authentication card certificate (clientAuth, digitalSignature).</summary>
    public DevCard Doctor { get; }

    /// <summary>The doctor's other certificate, without clientAuth nor digitalSignature: must not be chosen.</summary>
    public DevCard DoctorSignature { get; }

    public DevCard Pharmacist { get; }

    public DevCard Nurse { get; }

    public DevCard Staff { get; }

    public string TempPath => _dir.Path;

    public void Dispose()
    {
        Pki.Dispose();
        _dir.Dispose();
    }

    private void InitToken(string label) =>
        Run("softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", SoPin, "--pin", Pin);

    private void Import(string token, DevCard card, string id, bool withKey)
    {
        if (withKey)
        {
            using var rsa = card.Certificate.GetRSAPrivateKey()!;
            var keyPath = _dir.File(token + "-" + id + ".key.pem", rsa.ExportPkcs8PrivateKeyPem());
            Run("pkcs11-tool", "--module", ModulePath, "--token-label", token, "--login", "--pin", Pin,
                "--write-object", keyPath, "--type", "privkey", "--id", id, "--label", card.Spec.Name);
            File.Delete(keyPath);
        }

        ImportCertificate(token, card.Certificate, id, card.Spec.Name);
    }

    private void ImportCertificate(string token, X509Certificate2 certificate, string id, string label)
    {
        var certPath = Path.Combine(_dir.Path, token + "-" + id + ".der");
        File.WriteAllBytes(certPath, certificate.RawData);
        Run("pkcs11-tool", "--module", ModulePath, "--token-label", token, "--login", "--pin", Pin,
            "--write-object", certPath, "--type", "cert", "--id", id, "--label", label);
    }

    /// <summary>
    /// ORs flags into a token's CKF flags as SoftHSM2's file object store keeps them: in token.object, the attribute
    /// CKA_OS_TOKENFLAGS (0x8000534B) of kind 2 (unsigned long), big-endian 64-bit values.
    /// </summary>
    private void SetTokenFlags(string label, ulong flags)
    {
        var paddedLabel = System.Text.Encoding.ASCII.GetBytes(label.PadRight(32));
        var file = Directory.GetFiles(Path.Combine(_dir.Path, "tokens"), "token.object", SearchOption.AllDirectories)
            .Single(f => File.ReadAllBytes(f).AsSpan().IndexOf(paddedLabel) >= 0);
        var bytes = File.ReadAllBytes(file);
        byte[] pattern = [0, 0, 0, 0, 0x80, 0, 0x53, 0x4B, 0, 0, 0, 0, 0, 0, 0, 2];
        var at = bytes.AsSpan().IndexOf(pattern);
        if (at < 0)
        {
            throw new InvalidOperationException($"CKA_OS_TOKENFLAGS not found in {file}: the SoftHSM2 object store format changed; update SoftHsmFixture.SetTokenFlags.");
        }

        var slot = bytes.AsSpan(at + pattern.Length, 8);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(slot, System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(slot) | flags);
        File.WriteAllBytes(file, bytes);
    }

    private void Run(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["SOFTHSM2_CONF"] = ConfigPath;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} could not be started: run ./test.sh.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill();
            throw new TimeoutException($"{tool} did not finish in 60 s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args.Select(a => a == Pin || a == SoPin ? "***" : a))} failed ({process.ExitCode}): {stdout.Result}{stderr.Result}");
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, tool)));

    // DllImport, not LibraryImport: the test project does not allow unsafe code, which LibraryImport needs.
    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoftHsmCollection : ICollectionFixture<SoftHsmFixture>
{
    public const string Name = "SoftHSM2";
}
