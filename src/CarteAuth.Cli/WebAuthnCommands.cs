using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CarteAuth.Authentication;
using CarteAuth.Fido2;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Fido2.Challenges;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Stores;
using CarteAuth.Identity;
using CarteAuth.SmartCard;
using AttestationKind = CarteAuth.Fido2.Attestation.AttestationType;

namespace CarteAuth.Cli;

/// <summary>
/// <c>carteauth webauthn verify-registration|verify-assertion</c>: verifies a WebAuthn response against the options
/// the caller kept (W3C JSON forms), with CarteAuth's relying party (<see cref="Fido2RelyingParty"/>).
/// </summary>
/// <remarks>
/// Exit codes: 0 verified; 1 the response is refused (a <c>webauthn.*</c> reason code, including
/// <c>webauthn.malformed</c> when the response file is not a valid <c>RegistrationResponseJSON</c> /
/// <c>AuthenticationResponseJSON</c>: the response is what is being judged); 2 bad usage or bad input of the caller's
/// own (<c>cli.usage</c>, <c>cli.file-not-found</c>, and <c>webauthn.malformed</c> for an unreadable options or
/// stored-credential file, <c>webauthn.invalid-options</c> for an RP ID / origin combination the relying party
/// refuses).
/// </remarks>
internal static class WebAuthnCommands
{
    /// <summary>Largest input file read (options, response, stored credential), in bytes.</summary>
    private const long MaxInputFileLength = 1024 * 1024;

    public static Command Create(CliContext context)
    {
        var command = new Command("webauthn", "WebAuthn (FIDO2) ceremonies: verify a registration or an assertion response against the options that were sent (W3C JSON forms).");
        command.Subcommands.Add(VerifyRegistration(context));
        command.Subcommands.Add(VerifyAssertion(context));
        return command;
    }

    private static Option<string[]> OriginOption() => new("--origin") { Description = "The site's exact origin(s) accepted in clientDataJSON.origin, e.g. https://hopital.example.fr.", Required = true, AllowMultipleArgumentsPerToken = true };

    private static Option<string> LevelOption() => new("--level") { Description = "Assurance level: low, substantial (default; requires UV) or high (UV, device-bound credential, trusted attestation at registration).", DefaultValueFactory = _ => "substantial" };

    private static Option<bool> CrossOriginOption() => new("--allow-cross-origin") { Description = "Accept ceremonies run in a cross-origin iframe (needs --top-origin)." };

    private static Option<string[]> TopOriginOption() => new("--top-origin") { Description = "With --allow-cross-origin: the top-level origins allowed to embed the ceremony.", AllowMultipleArgumentsPerToken = true };

    private static Option<string?> CredentialOutOption(string what) => new("--credential-out") { Description = $"Write the {what} credential record to this file, in the stored-credential JSON form verify-assertion reads (--credential)." };

    private static Command VerifyRegistration(CliContext context)
    {
        var options = new Option<string>("--options") { Description = "The PublicKeyCredentialCreationOptionsJSON sent to the browser (its challenge, rp.id, user, pubKeyCredParams are checked).", Required = true };
        var response = new Option<string>("--response") { Description = "The RegistrationResponseJSON (credential.toJSON()) to verify.", Required = true };
        var origin = OriginOption();
        var level = LevelOption();
        var roots = new Option<string[]>("--attestation-roots") { Description = "Attestation trust anchors: PEM/DER certificate files or folders of them. Without, attestations are verified but reported untrusted.", AllowMultipleArgumentsPerToken = true };
        var idNat = new Option<string?>("--id-nat") { Description = "The owner's idNat (default: options.user.name when it is an idNat)." };
        var familyName = new Option<string?>("--family-name") { Description = "The owner's family name (default: options.user.displayName)." };
        var givenName = new Option<string?>("--given-name") { Description = "The owner's given name." };
        var crossOrigin = CrossOriginOption();
        var topOrigin = TopOriginOption();
        var credentialOut = CredentialOutOption("new");
        var command = new Command("verify-registration", "Verify a registration response (WebAuthn L3 §7.1) against its creation options; print the format, AAGUID, attestation type and the credential record. Exit 0 registered, 1 refused (webauthn.* reason code), 2 bad usage or input.")
        {
            options, response, origin, level, roots, idNat, familyName, givenName, crossOrigin, topOrigin, credentialOut,
        };
        context.SetHandler(command, async (parse, ct) =>
        {
            var assurance = ParseLevel(parse.GetValue(level));
            var creation = ParseInput<PublicKeyCredentialCreationOptionsJSON>(ReadInput(parse.GetValue(options)!, "creation options"), "creation options");
            var responseText = ReadInput(parse.GetValue(response)!, "registration response");
            var owner = Owner(creation, parse.GetValue(idNat), parse.GetValue(familyName), parse.GetValue(givenName));
            if (string.IsNullOrWhiteSpace(creation.Rp.Id))
            {
                throw new CarteAuthException(ReasonCodes.CliUsage, "The creation options have no rp.id; the relying party id must be explicit (e.g. \"rp\": { \"id\": \"hopital.example.fr\", \"name\": \"…\" }).");
            }

            var anchors = LoadAnchors(parse.GetValue(roots));
            try
            {
                var rp = RelyingParty(creation.Rp.Id, creation.Rp.Name, parse.GetValue(origin), parse.GetValue(crossOrigin), parse.GetValue(topOrigin), assurance, anchors, new InMemoryFido2CredentialStore());
                Fido2RegistrationResult result;
                try
                {
                    var parsed = RegistrationResponseJSON.Parse(responseText, rp.Options.MaxResponseJsonLength);
                    result = await rp.VerifyRegistrationAsync(parsed, creation, owner, assurance, ct).ConfigureAwait(false);
                }
                catch (WebAuthnException ex)
                {
                    // The response is what is judged: a malformed one is refused (exit 1), not a usage error.
                    return Refused(ex.ReasonCode, ex.Message);
                }

                if (!result.Succeeded)
                {
                    return Refused(result.ReasonCode, result.Message);
                }

                var record = result.Credential!;
                var stored = StoredCredential.From(record);
                WriteCredential(parse.GetValue(credentialOut), stored);
                var json = new JsonObject
                {
                    ["ok"] = true,
                    ["result"] = "registered",
                    ["reasonCode"] = result.ReasonCode,
                    ["message"] = result.Message,
                    ["format"] = result.AttestationFormat,
                    ["aaguid"] = result.Aaguid.ToString(),
                    ["attestationType"] = StoredCredential.TypeName(result.AttestationType ?? AttestationType.None),
                    ["attestationTrusted"] = result.AttestationTrusted,
                    ["userVerified"] = result.UserVerified,
                    ["backupEligible"] = result.BackupEligible,
                    ["backedUp"] = result.BackedUp,
                    ["level"] = Acr.ToValue(result.Level),
                    ["credential"] = stored.ToJsonNode(),
                };
                var text = $"registered: {result.Message}\nformat: {result.AttestationFormat}\naaguid: {result.Aaguid}\nattestation type: {json["attestationType"]}{(result.AttestationTrusted ? " (trusted)" : " (untrusted)")}\nUV={Bit(result.UserVerified)} BE={Bit(result.BackupEligible)} BS={Bit(result.BackedUp)}\nlevel: {Acr.ToValue(result.Level)}\ncredential:\n{stored.ToJson()}";
                return new CliResult(ExitCodes.Accepted, json, text);
            }
            finally
            {
                foreach (var a in anchors)
                {
                    a.Dispose();
                }
            }
        });
        return command;
    }

    private static Command VerifyAssertion(CliContext context)
    {
        var options = new Option<string>("--options") { Description = "The PublicKeyCredentialRequestOptionsJSON sent to the browser (its challenge, rpId, allowCredentials, userVerification are checked).", Required = true };
        var response = new Option<string>("--response") { Description = "The AuthenticationResponseJSON (credential.toJSON()) to verify.", Required = true };
        var credential = new Option<string>("--credential") { Description = "The stored credential: the file verify-registration --credential-out wrote (or the 'credential' member of its --json output).", Required = true };
        var origin = OriginOption();
        var rpId = new Option<string?>("--rp-id") { Description = "The RP ID, when the request options have no rpId." };
        var level = LevelOption();
        var crossOrigin = CrossOriginOption();
        var topOrigin = TopOriginOption();
        var credentialOut = CredentialOutOption("updated");
        var command = new Command("verify-assertion", "Verify an authentication response (WebAuthn L3 §7.2) against its request options and the stored credential; print the sign count, UV/BE/BS, level and the updated credential. Exit 0 verified, 1 refused (webauthn.* reason code), 2 bad usage or input.")
        {
            options, response, credential, origin, rpId, level, crossOrigin, topOrigin, credentialOut,
        };
        context.SetHandler(command, async (parse, ct) =>
        {
            var assurance = ParseLevel(parse.GetValue(level));
            var request = ParseInput<PublicKeyCredentialRequestOptionsJSON>(ReadInput(parse.GetValue(options)!, "request options"), "request options");
            var responseText = ReadInput(parse.GetValue(response)!, "authentication response");
            var credentialPath = parse.GetValue(credential)!;
            var record = StoredCredential.Parse(ReadInput(credentialPath, "stored credential"), Path.GetFullPath(credentialPath)).ToRecord(Path.GetFullPath(credentialPath));
            var explicitRpId = parse.GetValue(rpId);
            var effectiveRpId = string.IsNullOrWhiteSpace(request.RpId) ? explicitRpId : request.RpId;
            if (string.IsNullOrWhiteSpace(effectiveRpId))
            {
                throw new CarteAuthException(ReasonCodes.CliUsage, "The request options have no rpId: pass the relying party id with --rp-id (e.g. --rp-id hopital.example.fr).");
            }

            var store = new InMemoryFido2CredentialStore();
            await store.AddAsync(record, ct).ConfigureAwait(false);
            var rp = RelyingParty(effectiveRpId, effectiveRpId, parse.GetValue(origin), parse.GetValue(crossOrigin), parse.GetValue(topOrigin), assurance, [], store);
            Fido2AssertionResult result;
            try
            {
                var parsed = AuthenticationResponseJSON.Parse(responseText, rp.Options.MaxResponseJsonLength);
                result = await rp.VerifyAssertionAsync(parsed, request, record.UserHandle, assurance, ct).ConfigureAwait(false);
            }
            catch (WebAuthnException ex)
            {
                return Refused(ex.ReasonCode, ex.Message);
            }

            if (!result.Succeeded)
            {
                return Refused(result.ReasonCode, result.Message);
            }

            var stored = StoredCredential.From(result.Credential!);
            WriteCredential(parse.GetValue(credentialOut), stored);
            var json = new JsonObject
            {
                ["ok"] = true,
                ["result"] = "verified",
                ["reasonCode"] = result.ReasonCode,
                ["message"] = result.Message,
                ["idNat"] = result.Credential!.Owner.NationalId.Value,
                ["signCount"] = result.SignCount,
                ["userVerified"] = result.UserVerified,
                ["backupEligible"] = result.BackupEligible,
                ["backedUp"] = result.BackedUp,
                ["level"] = Acr.ToValue(result.Level),
                ["credential"] = stored.ToJsonNode(),
            };
            var text = $"verified: {result.Message}\nsign count: {result.SignCount}\nUV={Bit(result.UserVerified)} BE={Bit(result.BackupEligible)} BS={Bit(result.BackedUp)}\nlevel: {Acr.ToValue(result.Level)}\ncredential:\n{stored.ToJson()}";
            return new CliResult(ExitCodes.Accepted, json, text);
        });
        return command;
    }

    private static CliResult Refused(string reasonCode, string message) => new(
        ExitCodes.Rejected,
        new JsonObject { ["ok"] = false, ["result"] = "refused", ["reasonCode"] = reasonCode, ["error"] = message },
        $"refused: {message} [{reasonCode}]");

    private static string Bit(bool value) => value ? "1" : "0";

    private static AssuranceLevel ParseLevel(string? value) => value switch
    {
        "low" => AssuranceLevel.Low,
        "substantial" => AssuranceLevel.Substantial,
        "high" => AssuranceLevel.High,
        _ => throw new CarteAuthException(ReasonCodes.CliUsage, $"--level takes low, substantial or high (got '{value}')."),
    };

    /// <summary>Reads an input file with a size bound; a missing file is <see cref="ReasonCodes.CliFileNotFound"/>.</summary>
    private static string ReadInput(string path, string what)
    {
        if (path != "-")
        {
            var full = Path.GetFullPath(path);
            if (File.Exists(full) && new FileInfo(full).Length > MaxInputFileLength)
            {
                throw new CarteAuthException(ReasonCodes.WebAuthnTooLarge, $"The {what} file '{full}' is larger than {MaxInputFileLength / 1024} KiB; it cannot be a WebAuthn JSON form.");
            }
        }

        return CliContext.ReadFile(path, what);
    }

    /// <summary>Parses the caller's own options file: a malformed one is bad input (exit 2, <see cref="ReasonCodes.WebAuthnMalformed"/>).</summary>
    private static T ParseInput<T>(string json, string what)
        where T : class
    {
        try
        {
            return WebAuthnJson.Deserialize<T>(json);
        }
        catch (WebAuthnException ex)
        {
            throw new CarteAuthException(ex.ReasonCode, $"The {what} file is not a valid {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    private static ProfessionalIdentity Owner(PublicKeyCredentialCreationOptionsJSON options, string? idNat, string? familyName, string? givenName)
    {
        NationalId? id;
        if (idNat is not null)
        {
            if (!NationalId.TryParse(idNat, out id))
            {
                throw new CarteAuthException(ReasonCodes.CliUsage, $"--id-nat '{idNat}' is not an idNat (e.g. 8 + RPPS: 810002813839).");
            }
        }
        else if (!NationalId.TryParse(options.User.Name, out id))
        {
            throw new CarteAuthException(ReasonCodes.CliUsage, $"options.user.name '{options.User.Name}' is not an idNat: pass the owner's idNat with --id-nat.");
        }

        var family = string.IsNullOrWhiteSpace(familyName) ? options.User.DisplayName : familyName;
        if (string.IsNullOrWhiteSpace(family))
        {
            throw new CarteAuthException(ReasonCodes.CliUsage, "options.user.displayName is empty: pass the owner's family name with --family-name.");
        }

        return new ProfessionalIdentity(id, family, givenName);
    }

    private static X509Certificate2[] LoadAnchors(string[]? paths)
    {
        var anchors = new List<X509Certificate2>();
        try
        {
            foreach (var path in paths ?? [])
            {
                var full = Path.GetFullPath(path);
                if (!File.Exists(full) && !Directory.Exists(full))
                {
                    throw new CarteAuthException(ReasonCodes.CliFileNotFound, $"The attestation root file '{full}' does not exist.");
                }

                anchors.AddRange(CertificateFiles.LoadCertificates(full));
            }
        }
        catch
        {
            foreach (var a in anchors)
            {
                a.Dispose();
            }

            throw;
        }

        return [.. anchors];
    }

    private static Fido2RelyingParty RelyingParty(string rpId, string rpName, string[]? origins, bool allowCrossOrigin, string[]? topOrigins, AssuranceLevel level, X509Certificate2[] anchors, IFido2CredentialStore store)
    {
        var options = new Fido2Options
        {
            RpId = rpId,
            RpName = string.IsNullOrWhiteSpace(rpName) ? rpId : rpName,
            AllowCrossOrigin = allowCrossOrigin,

            // UV is required from substantial by the relying party itself; at low, only when the options ask for it.
            UserVerification = level >= AssuranceLevel.Substantial ? "required" : "preferred",
        };
        // §7.1 step 19: the kept options' pubKeyCredParams decide which algorithms are accepted; the relying party
        // allows every algorithm CarteAuth verifies except RS1 (never for credential keys).
        options.Algorithms.Clear();
        foreach (var algorithm in Enum.GetValues<CoseAlgorithm>().Where(static a => a != CoseAlgorithm.RS1))
        {
            options.Algorithms.Add(algorithm);
        }

        foreach (var origin in origins ?? [])
        {
            options.Origins.Add(origin);
        }

        foreach (var top in topOrigins ?? [])
        {
            options.AllowedTopOrigins.Add(top);
        }

        // WebAuthn L3 §7.1 steps 21-24: trust anchors for attestation trust paths (x5c) are the given roots only.
        var attestation = AttestationVerifier.CreateDefault(new AttestationTrustOptions { TrustAnchors = anchors });
        return new Fido2RelyingParty(options, new InMemoryWebAuthnChallengeStore(), store, attestation);
    }

    private static void WriteCredential(string? path, StoredCredential credential)
    {
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new CarteAuthException(ReasonCodes.CliFileNotFound, $"The folder of --credential-out '{full}' does not exist.");
        }

        File.WriteAllText(full, credential.ToJson() + Environment.NewLine);
    }
}

/// <summary>The owner of a stored credential: idNat and names.</summary>
internal sealed record StoredCredentialOwner
{
    [JsonPropertyName("idNat")]
    public required string IdNat { get; init; }

    [JsonPropertyName("familyName")]
    public required string FamilyName { get; init; }

    [JsonPropertyName("givenName")]
    public string? GivenName { get; init; }
}

/// <summary>
/// The "stored credential" JSON form that <c>verify-registration</c> prints (member <c>credential</c> of its JSON
/// output) and writes with <c>--credential-out</c>, and that <c>verify-assertion --credential</c> reads back: a
/// WebAuthn L3 §4 credential record (<see cref="Fido2CredentialRecord"/>). Members:
/// <c>id</c> (credential id, base64url), <c>publicKey</c> (COSE_Key, base64url), <c>signCount</c>, <c>aaguid</c>
/// (GUID text), <c>transports</c>, <c>backupEligible</c> (BE), <c>backedUp</c> (BS at last use),
/// <c>userVerifiedAtRegistration</c>, <c>attestationFormat</c>, <c>attestationType</c> (<c>none</c>, <c>self</c>,
/// <c>basic</c>, <c>attCA</c>, <c>anonCA</c>), <c>attestationTrusted</c>, optional <c>attestationTrustPath</c> (x5c,
/// standard base64 DER), <c>userHandle</c> (base64url), <c>owner</c> { <c>idNat</c>, <c>familyName</c>,
/// <c>givenName</c>? }, <c>createdAt</c>, optional <c>lastUsedAt</c> (ISO 8601). base64url is without padding.
/// Unknown members, nulls and missing required members are refused (<see cref="ReasonCodes.WebAuthnMalformed"/>, exit 2).
/// </summary>
internal sealed record StoredCredential
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        RespectNullableAnnotations = true,
        AllowDuplicateProperties = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        MaxDepth = 8,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly Dictionary<AttestationKind, string> TypeNames = new()
    {
        [AttestationKind.None] = "none",
        [AttestationKind.Self] = "self",
        [AttestationKind.Basic] = "basic",
        [AttestationKind.AttCA] = "attCA",
        [AttestationKind.AnonCA] = "anonCA",
    };

    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("publicKey")]
    public required string PublicKey { get; init; }

    [JsonPropertyName("signCount")]
    public required uint SignCount { get; init; }

    [JsonPropertyName("aaguid")]
    public required Guid Aaguid { get; init; }

    [JsonPropertyName("transports")]
    public IReadOnlyList<string> Transports { get; init; } = [];

    [JsonPropertyName("backupEligible")]
    public required bool BackupEligible { get; init; }

    [JsonPropertyName("backedUp")]
    public required bool BackedUp { get; init; }

    [JsonPropertyName("userVerifiedAtRegistration")]
    public bool UserVerifiedAtRegistration { get; init; }

    [JsonPropertyName("attestationFormat")]
    public string AttestationFormat { get; init; } = "none";

    [JsonPropertyName("attestationType")]
    public string AttestationType { get; init; } = "none";

    [JsonPropertyName("attestationTrusted")]
    public bool AttestationTrusted { get; init; }

    [JsonPropertyName("attestationTrustPath")]
    public IReadOnlyList<string>? AttestationTrustPath { get; init; }

    [JsonPropertyName("userHandle")]
    public required string UserHandle { get; init; }

    [JsonPropertyName("owner")]
    public required StoredCredentialOwner Owner { get; init; }

    [JsonPropertyName("createdAt")]
    public required DateTimeOffset CreatedAt { get; init; }

    [JsonPropertyName("lastUsedAt")]
    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>The WebAuthn name of an attestation type (§6.5.3): <c>none</c>, <c>self</c>, <c>basic</c>, <c>attCA</c>, <c>anonCA</c>.</summary>
    public static string TypeName(AttestationKind type) => TypeNames.TryGetValue(type, out var name) ? name : type.ToString();

    public static StoredCredential From(Fido2CredentialRecord record) => new()
    {
        Id = WebAuthnBase64Url.Encode(record.Id),
        PublicKey = WebAuthnBase64Url.Encode(record.PublicKey),
        SignCount = record.SignCount,
        Aaguid = record.Aaguid,
        Transports = record.Transports,
        BackupEligible = record.BackupEligible,
        BackedUp = record.BackedUp,
        UserVerifiedAtRegistration = record.UserVerifiedAtRegistration,
        AttestationFormat = record.AttestationFormat,
        AttestationType = TypeName(record.AttestationType),
        AttestationTrusted = record.AttestationTrusted,
        AttestationTrustPath = record.AttestationTrustPath.Count == 0 ? null : [.. record.AttestationTrustPath.Select(Convert.ToBase64String)],
        UserHandle = WebAuthnBase64Url.Encode(record.UserHandle),
        Owner = new StoredCredentialOwner { IdNat = record.Owner.NationalId.Value, FamilyName = record.Owner.FamilyName, GivenName = record.Owner.GivenName },
        CreatedAt = record.CreatedAt,
        LastUsedAt = record.LastUsedAt,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public JsonNode ToJsonNode() => JsonSerializer.SerializeToNode(this, Options)!;

    /// <summary>Parses the JSON text of <paramref name="file"/>.</summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.WebAuthnMalformed"/> naming the file and the member.</exception>
    public static StoredCredential Parse(string json, string file)
    {
        try
        {
            return JsonSerializer.Deserialize<StoredCredential>(json, Options) ?? throw Malformed(file, "it is JSON null");
        }
        catch (JsonException ex)
        {
            var where = string.IsNullOrEmpty(ex.Path) ? string.Empty : $" at {ex.Path}";
            throw Malformed(file, $"invalid{where}: {ex.Message}", ex);
        }
    }

    /// <summary>Checks every member and builds the credential record.</summary>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.WebAuthnMalformed"/> naming the member.</exception>
    public Fido2CredentialRecord ToRecord(string file)
    {
        var id = Decode(Id, "id", AuthenticatorData.MaxCredentialIdLength, file);
        var publicKey = Decode(PublicKey, "publicKey", 16 * 1024, file);
        var userHandle = Decode(UserHandle, "userHandle", Fido2User.MaxUserHandleLength, file);
        try
        {
            // The COSE key must parse now, so that a damaged file is bad input rather than a refused assertion.
            _ = CoseKey.Parse(publicKey, out var read);
            if (read != publicKey.Length)
            {
                throw Malformed(file, "publicKey has bytes after its COSE_Key");
            }
        }
        catch (WebAuthnException ex)
        {
            throw Malformed(file, $"publicKey is not a usable COSE_Key: {ex.Message}", ex);
        }

        var type = TypeNames.FirstOrDefault(p => p.Value == AttestationType);
        if (type.Value is null)
        {
            throw Malformed(file, $"attestationType is '{AttestationType}'; use one of {string.Join(", ", TypeNames.Values)}");
        }

        if (!NationalId.TryParse(Owner.IdNat, out var idNat))
        {
            throw Malformed(file, $"owner.idNat '{Owner.IdNat}' is not an idNat");
        }

        if (string.IsNullOrWhiteSpace(Owner.FamilyName))
        {
            throw Malformed(file, "owner.familyName is empty");
        }

        if (Transports.Count > 16 || AttestationTrustPath?.Count > 16)
        {
            throw Malformed(file, "transports or attestationTrustPath has more than 16 entries");
        }

        if (Transports.Any(static t => string.IsNullOrEmpty(t) || t.Length > 32) || AttestationTrustPath?.Any(static c => string.IsNullOrEmpty(c)) == true)
        {
            throw Malformed(file, "transports or attestationTrustPath holds an empty or null entry, or a transport longer than 32 characters");
        }

        byte[][] trustPath;
        try
        {
            trustPath = [.. (AttestationTrustPath ?? []).Select(Convert.FromBase64String)];
        }
        catch (FormatException ex)
        {
            throw Malformed(file, "attestationTrustPath holds a value that is not base64 DER", ex);
        }

        return new Fido2CredentialRecord
        {
            Id = id,
            PublicKey = publicKey,
            SignCount = SignCount,
            Aaguid = Aaguid,
            Transports = Transports,
            BackupEligible = BackupEligible,
            BackedUp = BackedUp,
            UserVerifiedAtRegistration = UserVerifiedAtRegistration,
            AttestationFormat = AttestationFormat,
            AttestationType = type.Key,
            AttestationTrusted = AttestationTrusted,
            AttestationTrustPath = trustPath,
            CreatedAt = CreatedAt,
            LastUsedAt = LastUsedAt,
            Owner = new ProfessionalIdentity(idNat, Owner.FamilyName, Owner.GivenName),
            UserHandle = userHandle,
        };
    }

    private static byte[] Decode(string value, string member, int maxBytes, string file)
    {
        byte[] bytes;
        try
        {
            bytes = WebAuthnBase64Url.Decode(value, member, maxBytes);
        }
        catch (WebAuthnException ex)
        {
            throw Malformed(file, ex.Message, ex);
        }

        return bytes.Length == 0 ? throw Malformed(file, $"'{member}' is empty") : bytes;
    }

    private static CarteAuthException Malformed(string file, string problem, Exception? inner = null) =>
        new(ReasonCodes.WebAuthnMalformed, $"The stored credential file '{file}' is not a valid stored credential ({problem}). Use the JSON printed or written (--credential-out) by 'carteauth webauthn verify-registration'.", inner);
}
