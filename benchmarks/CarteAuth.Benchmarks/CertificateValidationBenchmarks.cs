using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using CarteAuth.SmartCard;
using CarteAuth.SmartCard.Development;
using CarteAuth.SmartCard.Revocation;

namespace CarteAuth.Benchmarks;

/// <summary>
/// Issue 3: full validation of a card certificate (chain + revocation + identity) by
/// <see cref="SmartCardCertificateValidator"/>, against what ASP.NET Core's <c>CertificateAuthenticationHandler</c>
/// does for a chained client certificate, measured in the same run. Targets: at least 2× faster on repeated
/// presentations, no slower on a first presentation.
/// </summary>
/// <remarks>
/// <para>
/// Setup (in memory): <see cref="DevPki.CreateWithStandardCards"/>, the doctor's CPS certificate, the root as the only
/// anchor and the card-issuing CA as intermediate. Revocation is the real <see cref="CrlRevocationChecker"/>: the CRL is
/// served by an HttpListener on 127.0.0.1 and downloaded once in <see cref="Setup"/> (the request count is checked);
/// afterwards the checker answers from its CRL cache, as it does in production until the CRL's nextUpdate. The checker
/// still parses both certificates, verifies the leaf's signature with the issuer's key and looks the serial up in the
/// CRL on every call: only the download is cached.
/// </para>
/// <para>
/// Baseline: ASP.NET Core's handler path with <c>ChainTrustValidationMode = CustomRootTrust</c>: a new
/// <see cref="X509Chain"/> per request, <c>CustomTrustStore</c> = root, <c>ExtraStore</c> = intermediate,
/// <see cref="X509VerificationFlags.NoFlag"/>, <c>Build</c>, then reading the subject for the claims, with
/// <see cref="X509RevocationMode.NoCheck"/>. The handler's default is Online, which needs the network to reach real
/// CRL distribution points (not reachable here), so NoCheck is the like-for-like floor: the baseline does strictly
/// less work than CarteAuth (no revocation, no identity parsing).
/// </para>
/// <para>
/// <see cref="AspNetCoreChainOnlineCrl"/> is the same path with revocation: Online, served by the same loopback CRL
/// (the card's distribution point), which the OS chain engine downloads once and then answers from its own CRL cache.
/// It uses <see cref="X509RevocationFlag.EndCertificateOnly"/>: the development intermediate has no distribution point,
/// so the handler's default ExcludeRoot cannot succeed here; end-certificate-only is also what CarteAuth checks.
/// </para>
/// <para>
/// First presentation: a card never seen before. <see cref="NewCardCount"/> distinct card certificates of the same CA
/// are issued in setup; each invocation validates the next one, and before each iteration every per-certificate cache
/// is emptied (the validator's chain cache is off, the checked issuer/certificate pairs are forgotten), so each
/// invocation parses the card, verifies its signature, looks its serial up in the CRL and reads its identity for the
/// first time. What stays warm is per CA, as in production: the CRL (downloaded once per CA and nextUpdate) and the
/// issuing CA's validated path (<see cref="SmartCardOptions.IssuerPathCacheDuration"/>). A fresh validator per call
/// would also measure loading the trust configuration, which happens once per application.
/// <see cref="AspNetCoreChainNewCards"/> is the baseline's path on the same new cards.
/// </para>
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
[InvocationCount(NewCardCount)]
public class CertificateValidationBenchmarks
{
    /// <summary>Distinct new cards per iteration (a multiple of the unroll factor, 16).</summary>
    public const int NewCardCount = 1024;

    private X509Certificate2[] _newCards = null!;
    private int _next;
    private DevPki _pki = null!;
    private X509Certificate2 _doctor = null!;
    private HttpListener _listener = null!;
    private Task _serving = null!;
    private int _crlRequests;
    private int _crlRequestsAfterSetup;
    private byte[] _crl = null!;
    private HttpClient _http = null!;
    private CrlRevocationChecker _revocation = null!;
    private SmartCardCertificateValidator _cached = null!;
    private SmartCardCertificateValidator _uncached = null!;
    private X509Certificate2Collection _anchors = null!;
    private X509Certificate2Collection _intermediates = null!;

    [GlobalSetup]
    public void Setup()
    {
        var port = FreePort();
        _pki = DevPki.CreateWithStandardCards(new DevPkiOptions { CrlUrl = new Uri($"http://127.0.0.1:{port}/fort-personnes.crl") });
        _doctor = _pki.Cards.Single(c => c.Spec.Name == "doctor").Certificate;
        _crl = _pki.BuildCrl(); // nextUpdate in one day: the CRL stays fresh for the whole run

        _listener = new HttpListener();
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);

        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero });
        _revocation = new CrlRevocationChecker(_http, new CrlRevocationOptions { MaxCacheDuration = TimeSpan.FromHours(12) });

        // Public certificates only: the validator and the baseline never see a private key.
        _anchors = [X509CertificateLoader.LoadCertificate(_pki.Root.RawData)];
        _intermediates = [X509CertificateLoader.LoadCertificate(_pki.Intermediate.RawData)];
        _cached = new SmartCardCertificateValidator(Options(TimeSpan.FromMinutes(5)), _revocation);
        _uncached = new SmartCardCertificateValidator(Options(TimeSpan.Zero), _revocation);
        _newCards = IssueNewCards();

        if (!RepeatedPresentation() || !FirstPresentation() || AspNetCoreChain() is null || AspNetCoreChainNewCards() is null)
        {
            throw new InvalidOperationException("The doctor's card certificate does not validate.");
        }

        if (Volatile.Read(ref _crlRequests) != 1)
        {
            throw new InvalidOperationException($"CarteAuth downloaded the CRL {_crlRequests} times in setup; expected once.");
        }

        if (AspNetCoreChainOnlineCrl() is null)
        {
            throw new InvalidOperationException("The OS chain engine does not validate the doctor's certificate with the loopback CRL.");
        }

        _crlRequestsAfterSetup = Volatile.Read(ref _crlRequests);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var requests = Volatile.Read(ref _crlRequests);
        _listener.Close();
        _serving.GetAwaiter().GetResult();
        _http.Dispose();
        _pki.Dispose();
        if (requests != _crlRequestsAfterSetup)
        {
            throw new InvalidOperationException($"The CRL was downloaded {requests - _crlRequestsAfterSetup} more times after setup; revocation answers were not served from caches.");
        }
    }

    /// <summary>ASP.NET Core's CertificateAuthenticationHandler chain path (custom root trust, no revocation), then the subject.</summary>
    [Benchmark(Baseline = true)]
    public string? AspNetCoreChain() => HandlerChain(_doctor);

    /// <summary>The same path with the end certificate's revocation checked Online against the loopback CRL (OS CRL cache warm).</summary>
    [Benchmark]
    public string? AspNetCoreChainOnlineCrl()
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_anchors);
        policy.ExtraStore.AddRange(_intermediates);
        policy.RevocationMode = X509RevocationMode.Online;
        policy.RevocationFlag = X509RevocationFlag.EndCertificateOnly;
        policy.VerificationFlags = X509VerificationFlags.NoFlag;
        return chain.Build(_doctor) ? _doctor.Subject : null;
    }

    /// <summary>The baseline's path on a new card each time (the platform keeps nothing per certificate either way).</summary>
    [Benchmark]
    public string? AspNetCoreChainNewCards() => HandlerChain(_newCards[_next++ % NewCardCount]);

    /// <summary>What the handler does with <c>ChainTrustValidationMode = CustomRootTrust</c> and revocation off.</summary>
    private string? HandlerChain(X509Certificate2 card)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_anchors);
        policy.ExtraStore.AddRange(_intermediates);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.RevocationFlag = X509RevocationFlag.ExcludeRoot;
        policy.VerificationFlags = X509VerificationFlags.NoFlag;
        return chain.Build(card) ? card.Subject : null;
    }

    /// <summary>Before each iteration of the new-card cases: start again from the first card, with every per-certificate cache empty.</summary>
    [IterationSetup(Targets = [nameof(FirstPresentation), nameof(AspNetCoreChainNewCards)])]
    public void ForgetCards()
    {
        CertificatePair.ClearCache();
        _next = 0;
    }

    /// <summary>CarteAuth, the same certificate again: chain cache warm, CRL cached.</summary>
    [Benchmark]
    public bool RepeatedPresentation() => Validate(_cached);

    /// <summary>CarteAuth, a card not seen before (CRL and issuing-CA path known, as after the first card of that CA).</summary>
    [Benchmark]
    public bool FirstPresentation() => Validate(_uncached, _newCards[_next++ % NewCardCount]);

    private bool Validate(SmartCardCertificateValidator validator) => Validate(validator, _doctor);

    private static bool Validate(SmartCardCertificateValidator validator, X509Certificate2 card)
    {
        var pending = validator.ValidateAsync(card);
        var result = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        return result.IsValid && result.Certificate is not null;
    }

    /// <summary>
    /// Distinct doctor cards of the dev CA (same subject and extensions, own serial), public part only. One key for all:
    /// generating 1024 RSA keys would take minutes and the key plays no part in validation.
    /// </summary>
    private X509Certificate2[] IssueNewCards()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(_doctor.SubjectName, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        foreach (var extension in _doctor.Extensions)
        {
            request.CertificateExtensions.Add(extension);
        }

        var cards = new X509Certificate2[NewCardCount];
        for (var i = 0; i < cards.Length; i++)
        {
            using var issued = request.Create(_pki.Intermediate, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1), RandomNumberGenerator.GetBytes(12));
            cards[i] = X509CertificateLoader.LoadCertificate(issued.RawData);
        }

        return cards;
    }

    private SmartCardOptions Options(TimeSpan chainCache)
    {
        var options = new SmartCardOptions { ChainCacheDuration = chainCache };
        options.TrustAnchors.AddRange(_anchors);
        options.Intermediates.AddRange(_intermediates);
        return options;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using (context.Response)
            {
                Interlocked.Increment(ref _crlRequests);
                context.Response.KeepAlive = false;
                context.Response.ContentType = "application/pkix-crl";
                context.Response.ContentLength64 = _crl.Length;
                await context.Response.OutputStream.WriteAsync(_crl).ConfigureAwait(false);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
