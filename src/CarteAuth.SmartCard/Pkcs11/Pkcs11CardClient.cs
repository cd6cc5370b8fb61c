using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CarteAuth.SmartCard.Pkcs11;

/// <summary>
/// The thick-client side of card authentication: drives a CPS/CPx card through a PKCS#11 module (the Cryptolib CPS
/// middleware's library in production, SoftHSM2 in tests) to sign a server challenge. It finds the authentication
/// certificate and the private key with the same <c>CKA_ID</c> (v2.40 §5.7 <c>C_FindObjects</c>), logs in with the user
/// PIN (§5.6 <c>C_Login</c>), signs with
/// <c>CKM_SHA256_RSA_PKCS</c> (§5.11 <c>C_SignInit</c>/<c>C_Sign</c>; the mechanism is in the v2.40 Current Mechanisms
/// specification, RSA PKCS #1 v1.5 with SHA-256) and logs out. The PIN is used for <c>C_Login</c> only:
/// it is never logged nor kept (its bytes are wiped after the call).
/// </summary>
public sealed class Pkcs11CardClient : IDisposable
{
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private readonly Pkcs11InteropFactories _factories;
    private readonly IPkcs11Library _library;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private bool _disposed;

    private Pkcs11CardClient(string modulePath, Pkcs11InteropFactories factories, IPkcs11Library library, ILogger logger)
    {
        ModulePath = modulePath;
        _factories = factories;
        _library = library;
        _logger = logger;
    }

    /// <summary>The full path of the loaded module.</summary>
    public string ModulePath { get; }

    /// <summary>Loads and initialises a PKCS#11 module (<c>C_GetFunctionList</c>, <c>C_Initialize</c>).</summary>
    /// <param name="modulePath">The module's path, e.g. Cryptolib CPS's library or <c>/usr/lib/softhsm/libsofthsm2.so</c>.</param>
    /// <param name="logger">Logger (never receives the PIN).</param>
    /// <exception cref="Pkcs11CardException">
    /// <c>pkcs11.module-not-found</c> when the path is empty or names no file; <c>pkcs11.module-load-failed</c> when the
    /// file is not a loadable PKCS#11 library or <c>C_Initialize</c> fails.
    /// </exception>
    public static Pkcs11CardClient Open(string modulePath, ILogger<Pkcs11CardClient>? logger = null)
    {
        ILogger log = logger ?? NullLogger<Pkcs11CardClient>.Instance;
        if (string.IsNullOrWhiteSpace(modulePath))
        {
            throw Failed(log, modulePath ?? "", new Pkcs11CardException(
                ReasonCodes.Pkcs11ModuleNotFound,
                "No PKCS#11 module path was given: pass the path of the Cryptolib CPS PKCS#11 library (or SoftHSM2's libsofthsm2.so in tests)."));
        }

        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(modulePath);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw Failed(log, modulePath, new Pkcs11CardException(ReasonCodes.Pkcs11ModuleNotFound, $"The PKCS#11 module path '{modulePath}' is not a valid path ({e.Message}).", innerException: e));
        }

        if (!File.Exists(fullPath))
        {
            var what = Directory.Exists(fullPath) ? "is a directory, not a library file" : "does not exist";
            throw Failed(log, fullPath, new Pkcs11CardException(
                ReasonCodes.Pkcs11ModuleNotFound,
                $"The PKCS#11 module '{fullPath}' {what}: install the Cryptolib CPS middleware and give the full path of its PKCS#11 library (in tests, SoftHSM2's libsofthsm2.so: run ./test.sh)."));
        }

        var factories = new Pkcs11InteropFactories();
        IPkcs11Library library;
        try
        {
            library = Pkcs11ModuleRegistry.Acquire(fullPath, factories);
        }
        catch (Pkcs11Exception e)
        {
            throw Failed(log, fullPath, new Pkcs11CardException(
                ReasonCodes.Pkcs11ModuleLoadFailed,
                $"The PKCS#11 module '{fullPath}' loaded but {e.Method} failed with {e.RV}: check the module's own configuration and dependencies (e.g. pcscd for card readers, SOFTHSM2_CONF for SoftHSM2).",
                e.RV.ToString(),
                e));
        }
        catch (Exception e) when (e is UnmanagedException or DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            throw Failed(log, fullPath, new Pkcs11CardException(
                ReasonCodes.Pkcs11ModuleLoadFailed,
                $"'{fullPath}' cannot be loaded as a PKCS#11 module ({e.Message}): give the path of the PKCS#11 library itself (a shared library exporting C_GetFunctionList, of the process's architecture), and check that its dependencies are installed.",
                innerException: e));
        }

        var client = new Pkcs11CardClient(fullPath, factories, library, log);
        try
        {
            var info = library.GetInfo();
            SmartCardLog.ModuleLoaded(log, fullPath, info.ManufacturerId.Trim(), info.LibraryDescription.Trim());
        }
        catch (Pkcs11Exception)
        {
            // C_GetInfo is informative only.
        }

        return client;
    }

    /// <summary>Lists the initialised tokens present (<c>C_GetSlotList</c> with tokens present, then <c>C_GetTokenInfo</c>).</summary>
    /// <exception cref="Pkcs11CardException"><c>pkcs11.token-error</c> when the module fails.</exception>
    public IReadOnlyList<Pkcs11TokenDescription> ListTokens()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return [.. PresentTokens().Select(t => Describe(t.Slot.SlotId, t.Info))];
        }
    }

    /// <summary>
    /// Reads the authentication certificate from the card without logging in (certificates are public objects): the
    /// certificate with the clientAuth extended key usage and the digitalSignature key usage first.
    /// </summary>
    /// <param name="tokenLabel">The token to use; null for the first token holding a certificate.</param>
    /// <exception cref="Pkcs11CardException"><c>pkcs11.no-token</c>, <c>pkcs11.no-certificate</c> or <c>pkcs11.token-error</c>.</exception>
    public X509Certificate2 ReadAuthenticationCertificate(string? tokenLabel = null)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var (token, session, candidates) = OpenTokenWithCertificates(tokenLabel);
            using (session)
            {
                var best = candidates[0];
                foreach (var other in candidates.Skip(1))
                {
                    other.Certificate.Dispose();
                }

                return best.Certificate;
            }
        }
    }

    /// <summary>Signs a challenge with the card (see <see cref="SignChallenge(string, ReadOnlySpan{byte}, ReadOnlySpan{char}, string?)"/>).</summary>
    /// <param name="challenge">The server's challenge.</param>
    /// <param name="pin">The user PIN, used for <c>C_Login</c> only.</param>
    /// <param name="tokenLabel">The token to use; null for the first token holding a certificate.</param>
    public Pkcs11CardResponse SignChallenge(CardChallenge challenge, ReadOnlySpan<char> pin, string? tokenLabel = null)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        return SignChallenge(challenge.Id, challenge.Value.Span, pin, tokenLabel);
    }

    /// <summary>
    /// Signs a server challenge with the card: selects the token, finds the authentication certificate and its private
    /// key (same <c>CKA_ID</c>), logs in with the user PIN (<c>C_Login</c>, CKU_USER), signs
    /// <see cref="CardChallenge.ToBeSigned(string, ReadOnlySpan{byte})"/> with <c>CKM_SHA256_RSA_PKCS</c> and logs out.
    /// </summary>
    /// <param name="challengeId">The challenge id the server returned.</param>
    /// <param name="challenge">The 32 challenge bytes the server returned.</param>
    /// <param name="pin">The user PIN, used for <c>C_Login</c> only: never logged nor kept.</param>
    /// <param name="tokenLabel">The token to use; null for the first token holding a certificate.</param>
    /// <returns>The response to send to the server: challenge id, certificate DER and signature.</returns>
    /// <exception cref="Pkcs11CardException">
    /// <c>pkcs11.malformed-response</c> (bad challenge), <c>pkcs11.pin-invalid</c>, <c>pkcs11.no-token</c>,
    /// <c>pkcs11.no-certificate</c>, <c>pkcs11.pin-incorrect</c> (with a hint when few tries remain),
    /// <c>pkcs11.pin-locked</c> or <c>pkcs11.token-error</c>.
    /// </exception>
    public Pkcs11CardResponse SignChallenge(string challengeId, ReadOnlySpan<byte> challenge, ReadOnlySpan<char> pin, string? tokenLabel = null)
    {
        var toBeSigned = CardChallenge.ToBeSigned(challengeId, challenge);
        if (pin.IsEmpty || pin.IsWhiteSpace())
        {
            throw new Pkcs11CardException(ReasonCodes.Pkcs11PinInvalid, "The PIN is empty: ask the professional for the card's PIN (4 to 8 digits). Nothing was sent to the card.");
        }

        var pinBytes = new byte[Encoding.UTF8.GetByteCount(pin)];
        try
        {
            Encoding.UTF8.GetBytes(pin, pinBytes);
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return SignLocked(challengeId, toBeSigned, pinBytes, tokenLabel);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pinBytes);
        }
    }

    /// <summary>Releases the module (<c>C_Finalize</c> when no other client of the same module remains).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Pkcs11ModuleRegistry.Release(ModulePath);
        }
    }

    private Pkcs11CardResponse SignLocked(string challengeId, byte[] toBeSigned, byte[] pin, string? tokenLabel)
    {
        var (token, session, candidates) = OpenTokenWithCertificates(tokenLabel);
        var label = token.Info.Label.Trim();
        try
        {
            using (session)
            {
                if (token.Info.TokenFlags.UserPinLocked)
                {
                    throw Refused(label, Pkcs11Errors.PinLocked(label, returnValue: null));
                }

                Login(session, token.Slot, label, pin);
                try
                {
                    foreach (var candidate in candidates)
                    {
                        var key = FindPrivateKey(session, candidate.Id);
                        if (key is null)
                        {
                            continue;
                        }

                        SmartCardLog.TokenSelected(_logger, label, token.Slot.SlotId, candidate.Certificate.Subject, Convert.ToHexString(candidate.Id));
                        byte[] signature;
                        using (var mechanism = _factories.MechanismFactory.Create(CKM.CKM_SHA256_RSA_PKCS))
                        {
                            signature = Call(() => session.Sign(mechanism, key, toBeSigned), "C_Sign", label);
                        }

                        SmartCardLog.ChallengeSigned(_logger, challengeId, label, candidate.Certificate.Subject);
                        return new Pkcs11CardResponse(challengeId, candidate.Certificate.RawData, signature);
                    }

                    throw Refused(label, new Pkcs11CardException(
                        ReasonCodes.Pkcs11NoCertificate,
                        $"The card '{label}' holds {candidates.Count} certificate(s) but no private key with the same CKA_ID: it is not a personalised CPS/CPx authentication card. Use the professional's own card."));
                }
                finally
                {
                    try
                    {
                        session.Logout();
                    }
                    catch (Pkcs11Exception)
                    {
                        // Already logged out (card removed, session closed): nothing to undo.
                    }
                }
            }
        }
        finally
        {
            foreach (var candidate in candidates)
            {
                candidate.Certificate.Dispose();
            }
        }
    }

    private void Login(ISession session, ISlot slot, string label, byte[] pin)
    {
        try
        {
            session.Login(CKU.CKU_USER, pin);
        }
        catch (Pkcs11Exception e) when (e.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            // PKCS#11 login state is per application and token (v2.40 §5.6): another session of this process logged in.
        }
        catch (Pkcs11Exception e) when (e.RV == CKR.CKR_PIN_INCORRECT)
        {
            // Read the flags again: the token updates CKF_USER_PIN_COUNT_LOW / CKF_USER_PIN_FINAL_TRY after a failure.
            var (low, final) = (false, false);
            try
            {
                var flags = slot.GetTokenInfo().TokenFlags;
                (low, final) = (flags.UserPinCountLow, flags.UserPinFinalTry);
                if (flags.UserPinLocked)
                {
                    throw Refused(label, Pkcs11Errors.PinLocked(label, e.RV.ToString(), e));
                }
            }
            catch (Pkcs11Exception)
            {
                // No hint then.
            }

            throw Refused(label, Pkcs11Errors.PinIncorrect(label, low, final, e));
        }
        catch (Pkcs11Exception e)
        {
            throw Refused(label, Pkcs11Errors.FromReturnValue(e.RV, "C_Login", label, e));
        }
    }

    private IObjectHandle? FindPrivateKey(ISession session, byte[] id)
    {
        var template = new List<IObjectAttribute>
        {
            _factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_KEY_TYPE, CKK.CKK_RSA),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_ID, id),
        };
        try
        {
            return Call(() => session.FindAllObjects(template), "C_FindObjects", "").FirstOrDefault();
        }
        finally
        {
            template.ForEach(a => a.Dispose());
        }
    }

    /// <summary>Selects the token and reads its certificates, best first; the caller disposes the session and certificates.</summary>
    private ((ISlot Slot, ITokenInfo Info) Token, ISession Session, List<Candidate> Candidates) OpenTokenWithCertificates(string? tokenLabel)
    {
        var tokens = PresentTokens();
        var matching = tokenLabel is null ? tokens : [.. tokens.Where(t => string.Equals(t.Info.Label.Trim(), tokenLabel.Trim(), StringComparison.Ordinal))];
        if (matching.Count == 0)
        {
            var seen = tokens.Count == 0 ? "none" : string.Join(", ", tokens.Select(t => $"'{t.Info.Label.Trim()}'"));
            var message = tokenLabel is null
                ? $"No card is present in the readers of the PKCS#11 module '{ModulePath}' (C_GetSlotList found no initialised token). Insert the CPS card and check the reader (pkcs11-tool --module … -L)."
                : $"No card labelled '{tokenLabel}' is present in the readers of the PKCS#11 module '{ModulePath}' (tokens present: {seen}). Insert that card or choose another token label.";
            throw Refused(tokenLabel ?? "", new Pkcs11CardException(ReasonCodes.Pkcs11NoToken, message));
        }

        foreach (var token in matching)
        {
            var label = token.Info.Label.Trim();
            var session = Call(() => token.Slot.OpenSession(SessionType.ReadOnly), "C_OpenSession", label);
            List<Candidate> candidates;
            try
            {
                candidates = ReadCertificates(session, label);
            }
            catch
            {
                session.Dispose();
                throw;
            }

            if (candidates.Count > 0)
            {
                return (token, session, candidates);
            }

            session.Dispose();
        }

        var labels = string.Join(", ", matching.Select(t => $"'{t.Info.Label.Trim()}'"));
        throw Refused(tokenLabel ?? labels, new Pkcs11CardException(
            ReasonCodes.Pkcs11NoCertificate,
            $"No X.509 certificate with a CKA_ID was found on the card {labels}: it is blank or not a CPS/CPx card. Use the professional's own, personalised card."));
    }

    private List<Candidate> ReadCertificates(ISession session, string label)
    {
        var template = new List<IObjectAttribute>
        {
            _factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_CERTIFICATE_TYPE, CKC.CKC_X_509),
        };
        List<IObjectHandle> handles;
        try
        {
            handles = Call(() => session.FindAllObjects(template), "C_FindObjects", label);
        }
        finally
        {
            template.ForEach(a => a.Dispose());
        }

        var candidates = new List<Candidate>();
        foreach (var handle in handles)
        {
            var attributes = Call(() => session.GetAttributeValue(handle, [CKA.CKA_ID, CKA.CKA_VALUE]), "C_GetAttributeValue", label);
            try
            {
                if (attributes[0].CannotBeRead || attributes[1].CannotBeRead)
                {
                    continue;
                }

                var id = attributes[0].GetValueAsByteArray() ?? [];
                var der = attributes[1].GetValueAsByteArray() ?? [];
                if (id.Length == 0 || der.Length == 0)
                {
                    continue;
                }

                X509Certificate2 certificate;
                try
                {
                    certificate = X509CertificateLoader.LoadCertificate(der);
                }
                catch (CryptographicException)
                {
                    continue; // An unreadable object is not the authentication certificate.
                }

                using var rsa = certificate.GetRSAPublicKey();
                if (rsa is null || IsCa(certificate))
                {
                    certificate.Dispose();
                    continue;
                }

                candidates.Add(new Candidate(id, certificate, Score(certificate)));
            }
            finally
            {
                attributes.ForEach(a => a.Dispose());
            }
        }

        candidates.Sort((a, b) => b.Score.CompareTo(a.Score));
        return candidates;
    }

    /// <summary>Ranks a certificate: clientAuth EKU (or no EKU) first, then digitalSignature key usage.</summary>
    internal static int Score(X509Certificate2 certificate)
    {
        var score = 0;
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (eku is null)
        {
            score += 1;
        }
        else if (eku.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == ClientAuthOid))
        {
            score += 4;
        }

        var ku = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (ku is null || ku.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature))
        {
            score += 2;
        }

        return score;
    }

    private static bool IsCa(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true };

    private List<(ISlot Slot, ITokenInfo Info)> PresentTokens()
    {
        var slots = Call(() => _library.GetSlotList(SlotsType.WithTokenPresent), "C_GetSlotList", "");
        var tokens = new List<(ISlot, ITokenInfo)>();
        foreach (var slot in slots)
        {
            ITokenInfo info;
            try
            {
                info = slot.GetTokenInfo();
            }
            catch (Pkcs11Exception e) when (e.RV is CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_TOKEN_NOT_RECOGNIZED or CKR.CKR_DEVICE_REMOVED)
            {
                continue; // Removed between C_GetSlotList and C_GetTokenInfo, or not a card the module knows.
            }
            catch (Pkcs11Exception e)
            {
                throw Refused("", Pkcs11Errors.FromReturnValue(e.RV, "C_GetTokenInfo", $"slot {slot.SlotId}", e));
            }

            if (info.TokenFlags.TokenInitialized)
            {
                tokens.Add((slot, info));
            }
        }

        return tokens;
    }

    private static Pkcs11TokenDescription Describe(ulong slotId, ITokenInfo info) => new(
        slotId,
        info.Label.Trim(),
        info.ManufacturerId.Trim(),
        info.Model.Trim(),
        info.SerialNumber.Trim(),
        info.TokenFlags.UserPinCountLow,
        info.TokenFlags.UserPinFinalTry,
        info.TokenFlags.UserPinLocked);

    private T Call<T>(Func<T> call, string function, string label)
    {
        try
        {
            return call();
        }
        catch (Pkcs11Exception e)
        {
            throw Refused(label, Pkcs11Errors.FromReturnValue(e.RV, function, label, e));
        }
    }

    private Pkcs11CardException Refused(string label, Pkcs11CardException error)
    {
        SmartCardLog.CardRefused(_logger, label, error.ReasonCode, error.ReturnValue);
        return error;
    }

    private static Pkcs11CardException Failed(ILogger logger, string modulePath, Pkcs11CardException error)
    {
        SmartCardLog.ModuleFailed(logger, modulePath, error.ReasonCode, error.InnerException);
        return error;
    }

    private sealed record Candidate(byte[] Id, X509Certificate2 Certificate, int Score);
}
