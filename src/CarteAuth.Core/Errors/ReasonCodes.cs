namespace CarteAuth;

/// <summary>
/// Every stable reason code CarteAuth reports, in one place. Codes are lower-case, dot-separated
/// (<c>area.what</c>) and never change meaning once released; docs/reason-codes.md describes each one.
/// </summary>
public static class ReasonCodes
{
    // ---- identity ----
    /// <summary>The national identifier (idNat) is empty, has an unknown type prefix or a wrong length or character.</summary>
    public const string InvalidNationalId = "identity.invalid-national-id";
    /// <summary>An RPPS number fails its Luhn check digit.</summary>
    public const string RppsCheckDigit = "identity.rpps-check-digit";
    /// <summary>A structure identifier (FINESS, SIREN, SIRET, RPPS rang) is malformed or fails its check digit.</summary>
    public const string InvalidStructureId = "identity.invalid-structure-id";
    /// <summary>A required identity field (for example the family name) is missing.</summary>
    public const string MissingIdentityField = "identity.missing-field";

    // ---- authentication (generic; method packages add their own, e.g. cert.*, webauthn.*, psc.*) ----
    /// <summary>No registered authenticator accepts this kind of credential.</summary>
    public const string NoAuthenticator = "auth.no-authenticator";
    /// <summary>The authenticator failed unexpectedly; the attempt is refused (fail closed).</summary>
    public const string AuthenticatorError = "auth.authenticator-error";
    /// <summary>The caller cancelled the authentication before it completed (recorded, then the cancellation propagates).</summary>
    public const string AuthenticationCancelled = "auth.cancelled";
    /// <summary>The evidence document is malformed (unknown AMR value, wrong type, missing field).</summary>
    public const string InvalidEvidence = "auth.invalid-evidence";
    /// <summary>An AMR value is not one of RFC 8176's registered values nor a configured custom value.</summary>
    public const string UnknownAmr = "auth.unknown-amr";
    /// <summary>An assurance level or ACR value is not recognised.</summary>
    public const string UnknownAssurance = "auth.unknown-assurance";
    /// <summary>The identity (user name, FIDO2 credential) had too many failed attempts and is locked out for a while; the secret was not checked.</summary>
    public const string AuthLockedOut = "auth.locked-out";
    /// <summary>The source (client address, VPN Calling-Station-Id) had too many failed attempts and is refused for a while; the secret was not checked.</summary>
    public const string AuthRateLimited = "auth.rate-limited";
    /// <summary>The attempt limiter's store (Redis) cannot be read or written; the attempt is refused (fail closed).</summary>
    public const string AuthAttemptStoreUnavailable = "auth.attempt-store-unavailable";
    /// <summary>The attempt limits (AttemptLimiterOptions) are invalid.</summary>
    public const string AuthInvalidAttemptLimits = "auth.invalid-attempt-limits";

    // ---- policy ----
    /// <summary>The policy allows the request.</summary>
    public const string PolicyAllow = "policy.allow";
    /// <summary>The policy allows the request only through break-glass (reason recorded, always audited).</summary>
    public const string PolicyBreakGlass = "policy.break-glass";
    /// <summary>A stronger or fresher authentication would satisfy the policy; the decision says what is missing.</summary>
    public const string StepUpRequired = "policy.step-up-required";
    /// <summary>There is no authenticated professional and the policy needs one.</summary>
    public const string AuthenticationRequired = "policy.authentication-required";
    /// <summary>The request comes from a network zone the policy does not allow.</summary>
    public const string ZoneNotAllowed = "policy.zone-not-allowed";
    /// <summary>The professional's profession is not among those the policy allows.</summary>
    public const string ProfessionNotAllowed = "policy.profession-not-allowed";
    /// <summary>The professional holds none of the roles the policy allows.</summary>
    public const string RoleNotAllowed = "policy.role-not-allowed";
    /// <summary>The professional works in none of the structures the policy allows.</summary>
    public const string StructureNotAllowed = "policy.structure-not-allowed";
    /// <summary>Break-glass was requested without a reason, or with one shorter than the policy's minimum.</summary>
    public const string BreakGlassReasonRequired = "policy.break-glass-reason-required";
    /// <summary>Break-glass was requested on a policy that does not allow it.</summary>
    public const string BreakGlassNotAllowed = "policy.break-glass-not-allowed";
    /// <summary>No policy with that name is configured.</summary>
    public const string UnknownPolicy = "policy.unknown-policy";
    /// <summary>A policy definition or policy file is invalid (unknown key, wrong type, contradictory settings).</summary>
    public const string InvalidPolicy = "policy.invalid";

    // ---- command line ----
    /// <summary>The command line is wrong: unknown command, missing or unparsable option.</summary>
    public const string CliUsage = "cli.usage";
    /// <summary>A file named on the command line does not exist.</summary>
    public const string CliFileNotFound = "cli.file-not-found";
    /// <summary>A file named on the command line cannot be read or written.</summary>
    public const string CliIoError = "cli.io-error";

    // ---- session tokens ----
    /// <summary>The token is not a well-formed compact JWS (three base64url parts, JSON header and payload).</summary>
    public const string TokenMalformed = "token.malformed";
    /// <summary>The token is larger than the configured maximum size.</summary>
    public const string TokenTooLarge = "token.too-large";
    /// <summary>The token's <c>alg</c> is not allowed (including <c>none</c>), or does not match the key.</summary>
    public const string TokenAlgorithmNotAllowed = "token.algorithm-not-allowed";
    /// <summary>The token's <c>kid</c> is missing or names no known key.</summary>
    public const string TokenUnknownKey = "token.unknown-key";
    /// <summary>The token's signature does not verify.</summary>
    public const string TokenBadSignature = "token.bad-signature";
    /// <summary>The token has expired (beyond the allowed clock skew).</summary>
    public const string TokenExpired = "token.expired";
    /// <summary>The token is not valid yet (<c>nbf</c> or <c>iat</c> in the future beyond the allowed clock skew).</summary>
    public const string TokenNotYetValid = "token.not-yet-valid";
    /// <summary>The token's issuer is not the expected one.</summary>
    public const string TokenBadIssuer = "token.bad-issuer";
    /// <summary>The token's audience does not include this service.</summary>
    public const string TokenBadAudience = "token.bad-audience";
    /// <summary>A required claim is missing (a claim of the wrong type is <see cref="TokenMalformed"/>).</summary>
    public const string TokenMissingClaim = "token.missing-claim";
    /// <summary>The token's <c>jti</c> was already used (replay).</summary>
    public const string TokenReplayed = "token.replayed";
    /// <summary>The subject signed out everywhere after this token was issued (revocation epoch).</summary>
    public const string TokenRevoked = "token.revoked";
    /// <summary>A signing key is unusable (wrong type or size for its algorithm, unreadable PEM, no private part).</summary>
    public const string InvalidKey = "token.invalid-key";
    /// <summary>
    /// A one-time token could not be recorded because the replay cache is full of unexpired entries; it is refused
    /// (fail closed) rather than accepted unchecked. Raise the cache's capacity or use a shared store.
    /// </summary>
    public const string TokenReplayCacheFull = "token.replay-cache-full";
    /// <summary>The session token options are invalid (missing issuer or audience, out-of-range lifetime, skew or size).</summary>
    public const string TokenInvalidOptions = "token.invalid-options";

    // ---- cert: revocation ----
    /// <summary>The certificate is revoked (CRL entry or OCSP <c>revoked</c>).</summary>
    public const string CertRevoked = "cert.revoked";
    /// <summary>The OCSP responder does not know the certificate (<c>unknown</c>): not issued by that CA, or not yet published.</summary>
    public const string CertRevocationUnknown = "cert.revocation-unknown";
    /// <summary>The revocation status could not be obtained (responder or CRL server down, timeout, HTTP error, unreadable answer).</summary>
    public const string CertRevocationUnavailable = "cert.revocation-unavailable";
    /// <summary>No fresh revocation answer could be obtained and the certificate was accepted on its last good answer (degraded mode, "débrayage"); always audited.</summary>
    public const string CertRevocationDegraded = "cert.revocation-degraded";
    /// <summary>Neither the certificate (CRL distribution point, AIA OCSP) nor the configuration gives a place to check revocation.</summary>
    public const string CertRevocationNoSource = "cert.revocation-no-source";
    /// <summary>The certificate given as issuer did not issue the certificate to check (names or signature differ).</summary>
    public const string CertRevocationWrongIssuer = "cert.revocation-wrong-issuer";
    /// <summary>The revocation checker options are invalid (non-positive timeout, negative tolerance, non-HTTP URL).</summary>
    public const string CertRevocationInvalidOptions = "cert.revocation-invalid-options";
    /// <summary>The CRL is past its nextUpdate beyond the tolerance, or its thisUpdate is in the future.</summary>
    public const string CertCrlStale = "cert.crl-stale";
    /// <summary>The CRL is not signed by the certificate's issuer (RFC 5280 §6.3.3).</summary>
    public const string CertCrlBadSignature = "cert.crl-bad-signature";
    /// <summary>The OCSP response is not signed by the issuer nor by a responder the issuer authorised (RFC 6960 §4.2.2.2).</summary>
    public const string CertOcspBadSignature = "cert.ocsp-bad-signature";
    /// <summary>The OCSP response is not fresh: thisUpdate in the future, nextUpdate passed or producedAt too old.</summary>
    public const string CertOcspStale = "cert.ocsp-stale";
    /// <summary>The OCSP response carries a nonce other than the request's (replayed or misrouted answer).</summary>
    public const string CertOcspNonceMismatch = "cert.ocsp-nonce-mismatch";

    // ---- audit ----
    /// <summary>The audit store cannot be read: not a database, missing table, wrong schema.</summary>
    public const string AuditStoreCorrupt = "audit.store-corrupt";
    /// <summary>The audit store cannot be written (disk full, read-only, locked beyond the timeout).</summary>
    public const string AuditStoreUnavailable = "audit.store-unavailable";
    /// <summary>An audit event's hash does not match its content: the event was altered.</summary>
    public const string AuditHashMismatch = "audit.hash-mismatch";
    /// <summary>An audit event does not link to the previous event's hash: an event was removed, inserted or reordered.</summary>
    public const string AuditBrokenLink = "audit.broken-link";
    /// <summary>The sequence numbers of the audit events have a gap: an event was removed.</summary>
    public const string AuditSequenceGap = "audit.sequence-gap";
    /// <summary>The chain ends before the expected head: events were removed from its end.</summary>
    public const string AuditTruncated = "audit.truncated";
    /// <summary>An audit event's stored record cannot be decoded (a required value is missing, a hash has the wrong length, the timestamp is unreadable).</summary>
    public const string AuditMalformedEvent = "audit.malformed-event";
    /// <summary>The audit store was opened read-only (for verification) but its file does not exist.</summary>
    public const string AuditStoreNotFound = "audit.store-not-found";
    /// <summary>The audit store's options are invalid (empty or unsupported path, negative busy timeout).</summary>
    public const string AuditInvalidOptions = "audit.invalid-options";
    /// <summary>An audit entry cannot be recorded as given (empty kind or result, text that is not valid Unicode).</summary>
    public const string AuditInvalidEntry = "audit.invalid-entry";
    /// <summary>An expected audit head is malformed (expected <c>sequence:64-hex-digit-hash</c>, sequence 1 or more).</summary>
    public const string AuditInvalidHead = "audit.invalid-head";

    // ---- cert: certificate identity and chain ----
    /// <summary>No client certificate was presented (no TLS client certificate, empty forwarded header).</summary>
    public const string CertMissing = "cert.missing";
    /// <summary>The certificate cannot be read: neither PEM nor DER X.509, or an unreadable certificate file.</summary>
    public const string CertUnreadable = "cert.unreadable";
    /// <summary>The certificate does not chain to a configured trust anchor (unknown issuer, bad signature, invalid CA).</summary>
    public const string CertUntrustedChain = "cert.untrusted-chain";
    /// <summary>The certificate's validity period ended (beyond the allowed clock skew).</summary>
    public const string CertExpired = "cert.expired";
    /// <summary>The certificate's validity period has not started yet (beyond the allowed clock skew).</summary>
    public const string CertNotYetValid = "cert.not-yet-valid";
    /// <summary>The certificate lacks the clientAuth extended key usage (RFC 5280 §4.2.1.12).</summary>
    public const string CertMissingClientAuth = "cert.missing-client-auth";
    /// <summary>The certificate lacks the digitalSignature key usage (RFC 5280 §4.2.1.3).</summary>
    public const string CertMissingDigitalSignature = "cert.missing-digital-signature";
    /// <summary>The issuing CA is not an IGC-Santé range (AC IGC-SANTE FORT|STANDARD|ELEMENTAIRE …) allowed by the options.</summary>
    public const string CertUnknownRange = "cert.unknown-range";
    /// <summary>The subject does not have the CPS/CPx shape: idNat (CN) or family name (SN) missing or invalid.</summary>
    public const string CertMalformedSubject = "cert.malformed-subject";
    /// <summary>A forwarded client certificate header came from an address that is not a configured trusted proxy.</summary>
    public const string CertUntrustedProxy = "cert.untrusted-proxy";
    /// <summary>A forwarded client certificate header is not a URL-escaped PEM certificate (or is too large).</summary>
    public const string CertMalformedHeader = "cert.malformed-header";
    /// <summary>The smart card options are invalid (no trust anchor, unreadable anchor file, bad cache or skew settings).</summary>
    public const string CertInvalidOptions = "cert.invalid-options";

    // ---- pkcs11: card reached through a PKCS#11 module ----
    /// <summary>The PKCS#11 module path is empty or names no file.</summary>
    public const string Pkcs11ModuleNotFound = "pkcs11.module-not-found";
    /// <summary>The PKCS#11 module cannot be loaded (not a shared library, wrong architecture, no <c>C_GetFunctionList</c>) or <c>C_Initialize</c> failed.</summary>
    public const string Pkcs11ModuleLoadFailed = "pkcs11.module-load-failed";
    /// <summary>No initialised token (card) is present in any slot of the module, or none has the requested label.</summary>
    public const string Pkcs11NoToken = "pkcs11.no-token";
    /// <summary>The token holds no X.509 certificate with a private key of the same <c>CKA_ID</c>.</summary>
    public const string Pkcs11NoCertificate = "pkcs11.no-certificate";
    /// <summary>The PIN is empty or out of the token's length range (<c>CKR_PIN_LEN_RANGE</c>, <c>CKR_PIN_INVALID</c>).</summary>
    public const string Pkcs11PinInvalid = "pkcs11.pin-invalid";
    /// <summary><c>C_Login</c> returned <c>CKR_PIN_INCORRECT</c>; the message says when few tries (or one) remain.</summary>
    public const string Pkcs11PinIncorrect = "pkcs11.pin-incorrect";
    /// <summary>The user PIN is locked (<c>CKR_PIN_LOCKED</c>, or the token flag <c>CKF_USER_PIN_LOCKED</c>).</summary>
    public const string Pkcs11PinLocked = "pkcs11.pin-locked";
    /// <summary>The token or module failed (removed card, device error, unsupported mechanism…); the attempt is refused.</summary>
    public const string Pkcs11TokenError = "pkcs11.token-error";
    /// <summary>PKCS#11 challenge options are invalid (lifetime or store capacity out of range).</summary>
    public const string Pkcs11InvalidOptions = "pkcs11.invalid-options";
    /// <summary>The challenge store is full of unexpired challenges; no new challenge is issued (fail closed).</summary>
    public const string Pkcs11ChallengeStoreFull = "pkcs11.challenge-store-full";
    /// <summary>The card response names a challenge this server never issued (or forgot after it expired).</summary>
    public const string Pkcs11ChallengeUnknown = "pkcs11.challenge-unknown";
    /// <summary>The card response names a challenge that was already used (single use: replay).</summary>
    public const string Pkcs11ChallengeReplayed = "pkcs11.challenge-replayed";
    /// <summary>The card response came after its challenge expired.</summary>
    public const string Pkcs11ChallengeExpired = "pkcs11.challenge-expired";
    /// <summary>The card response is malformed: unreadable certificate, non-RSA key, empty signature or challenge id.</summary>
    public const string Pkcs11MalformedResponse = "pkcs11.malformed-response";
    /// <summary>The signature does not verify with the certificate's public key over the domain-separated challenge.</summary>
    public const string Pkcs11BadSignature = "pkcs11.bad-signature";
    /// <summary>The card response verifies: the challenge was fresh and signed by the certificate's key (chain not checked yet).</summary>
    public const string Pkcs11Verified = "pkcs11.verified";

    // ---- webauthn (CarteAuth.Fido2) ----
    /// <summary>The WebAuthn message is malformed: bad JSON form, bad base64url, truncated or oversized CBOR, wrong CBOR major type, duplicate map keys, invalid UTF-8, authenticator data too short or with trailing bytes.</summary>
    public const string WebAuthnMalformed = "webauthn.malformed";
    /// <summary>A WebAuthn field exceeds its size limit (credential id over 1023 bytes, clientDataJSON, attestation object, x5c chain length or certificate size).</summary>
    public const string WebAuthnTooLarge = "webauthn.too-large";
    /// <summary><c>clientDataJSON.type</c> is not <c>webauthn.create</c> for a registration or <c>webauthn.get</c> for an assertion (§7.1 step 7, §7.2 step 11).</summary>
    public const string WebAuthnWrongType = "webauthn.wrong-type";
    /// <summary><c>clientDataJSON.challenge</c> is not the challenge of these options (§7.1 step 8, §7.2 step 12).</summary>
    public const string WebAuthnChallengeMismatch = "webauthn.challenge-mismatch";
    /// <summary>The challenge is unknown, expired or already used (challenges are 32 random bytes, single use, expiring).</summary>
    public const string WebAuthnChallengeUnknown = "webauthn.challenge-unknown";
    /// <summary>The challenge store is full of unexpired challenges; no new ceremony is started (fail closed).</summary>
    public const string WebAuthnChallengeStoreFull = "webauthn.challenge-store-full";
    /// <summary><c>clientDataJSON.origin</c> is not in the allowed origins (§7.1 step 9, §7.2 step 13).</summary>
    public const string WebAuthnOriginNotAllowed = "webauthn.origin-not-allowed";
    /// <summary>The ceremony ran in a cross-origin iframe (<c>crossOrigin: true</c>) or under a <c>topOrigin</c> that is not allowed (§7.1 step 10, §7.2 step 14).</summary>
    public const string WebAuthnCrossOriginNotAllowed = "webauthn.cross-origin-not-allowed";
    /// <summary>The authenticator data's <c>rpIdHash</c> is not SHA-256 of the relying party id (§7.1 step 13, §7.2 step 15).</summary>
    public const string WebAuthnRpIdMismatch = "webauthn.rp-id-mismatch";
    /// <summary>The UP (user present) flag is not set (§7.1 step 14, §7.2 step 16).</summary>
    public const string WebAuthnUserNotPresent = "webauthn.user-not-present";
    /// <summary>User verification was required (options or policy: substantial and high levels) but the UV flag is not set (§7.1 step 15, §7.2 step 17).</summary>
    public const string WebAuthnUserVerificationRequired = "webauthn.user-verification-required";
    /// <summary>BS (backup state) is set while BE (backup eligible) is not, or BE changed for an existing credential (§6.1.3).</summary>
    public const string WebAuthnBackupFlagsInvalid = "webauthn.backup-flags-invalid";
    /// <summary>The credential is backup eligible (a synced passkey) and the policy allows only device-bound credentials.</summary>
    public const string WebAuthnBackupNotAllowed = "webauthn.backup-not-allowed";
    /// <summary>The credential public key's algorithm is not in the allow-list (<c>pubKeyCredParams</c>, <c>Fido2Options.Algorithms</c>) (§7.1 step 20).</summary>
    public const string WebAuthnAlgorithmNotAllowed = "webauthn.algorithm-not-allowed";
    /// <summary>The COSE key is malformed or uses an unknown key type, curve or algorithm (RFC 9052/9053).</summary>
    public const string WebAuthnUnsupportedKey = "webauthn.unsupported-key";
    /// <summary>A credential with this id is already registered (§7.1 step 26).</summary>
    public const string WebAuthnCredentialExists = "webauthn.credential-exists";
    /// <summary>The assertion names a credential id that is not registered (§7.2 step 6).</summary>
    public const string WebAuthnUnknownCredential = "webauthn.unknown-credential";
    /// <summary>The credential is not in <c>allowCredentials</c>, or its owner is not the user being authenticated, or <c>userHandle</c> does not match (§7.2 steps 5-6).</summary>
    public const string WebAuthnCredentialNotAllowed = "webauthn.credential-not-allowed";
    /// <summary>The assertion signature (or the attestation signature) does not verify over authenticatorData || SHA-256(clientDataJSON) (§7.2 step 21).</summary>
    public const string WebAuthnBadSignature = "webauthn.bad-signature";
    /// <summary>The signature counter is not greater than the stored one: the authenticator may have been cloned (§7.2 step 22). Refused and audited.</summary>
    public const string WebAuthnCounterRegression = "webauthn.counter-regression";
    /// <summary>The attestation statement format is not supported or not allowed (§7.1 step 21).</summary>
    public const string WebAuthnAttestationFormatUnsupported = "webauthn.attestation-format-unsupported";
    /// <summary>The attestation statement does not verify under its format's procedure (§8): wrong signature, certificate requirements not met, key mismatch, nonce mismatch.</summary>
    public const string WebAuthnAttestationInvalid = "webauthn.attestation-invalid";
    /// <summary>The attestation certificate chain (x5c) does not lead to a configured trust anchor or an MDS attestation root (§7.1 step 23).</summary>
    public const string WebAuthnAttestationUntrusted = "webauthn.attestation-untrusted";
    /// <summary>The policy requires a trusted attestation (e.g. hospital-issued keys for the high level) but the response has none or self attestation.</summary>
    public const string WebAuthnAttestationRequired = "webauthn.attestation-required";
    /// <summary>The authenticator model (AAGUID) is not in the allow-list for the requested level.</summary>
    public const string WebAuthnAaguidNotAllowed = "webauthn.aaguid-not-allowed";
    /// <summary>The FIDO Metadata Service reports this authenticator model (or its attestation key) as revoked or compromised.</summary>
    public const string WebAuthnAuthenticatorRevoked = "webauthn.authenticator-revoked";
    /// <summary>The FIDO MDS3 BLOB is malformed, its signature or certificate chain does not verify, or it is older than the one already loaded.</summary>
    public const string WebAuthnMetadataInvalid = "webauthn.metadata-invalid";
    /// <summary>The FIDO MDS3 BLOB could not be loaded (download failed, file missing) or is past its <c>nextUpdate</c>.</summary>
    public const string WebAuthnMetadataUnavailable = "webauthn.metadata-unavailable";
    /// <summary>The relying party options are invalid (missing rpId or origins, origin not under rpId, empty algorithm list, bad lifetime).</summary>
    public const string WebAuthnInvalidOptions = "webauthn.invalid-options";
    /// <summary>The registration or assertion verifies.</summary>
    public const string WebAuthnVerified = "webauthn.verified";

    // ---- psc (CarteAuth.Oidc: Pro Santé Connect) ----
    /// <summary>The Pro Santé Connect options are invalid: missing issuer or client id, non-HTTPS issuer outside loopback, missing secret or signing key for the chosen client authentication, empty or unsafe algorithm list, out-of-range limits.</summary>
    public const string PscInvalidOptions = "psc.invalid-options";
    /// <summary>The provider's discovery document could not be used: not JSON, issuer different from the configured one, endpoints outside the allowed hosts, a required endpoint missing.</summary>
    public const string PscDiscoveryFailed = "psc.discovery-failed";
    /// <summary>The provider could not be reached in time: connection refused, DNS or TLS failure, timeout, HTTP 5xx/429.</summary>
    public const string PscProviderUnavailable = "psc.provider-unavailable";
    /// <summary>The provider answered with an error or an unreadable response (an OAuth error other than those with their own code, a body that is not the expected JSON).</summary>
    public const string PscProviderError = "psc.provider-error";
    /// <summary>A token (ID token, signed userinfo, logout token) is not a well-formed signed JWT (JWS compact form), or a required claim has the wrong type.</summary>
    public const string PscMalformedToken = "psc.malformed-token";
    /// <summary>A token is larger than ProSanteConnectOptions.MaxTokenSize; it is refused before parsing.</summary>
    public const string PscTokenTooLarge = "psc.token-too-large";
    /// <summary>The token's alg is not in the allow-list (ProSanteConnectOptions.AllowedAlgorithms; none and HS* are never accepted unless configured).</summary>
    public const string PscAlgNotAllowed = "psc.alg-not-allowed";
    /// <summary>The token's kid is missing (with several keys published) or is not in the provider's JWKS, even after a refresh.</summary>
    public const string PscUnknownKid = "psc.unknown-kid";
    /// <summary>The token's signature does not verify with the provider's key.</summary>
    public const string PscBadSignature = "psc.bad-signature";
    /// <summary>The token's iss (or the authorization response's iss) is not the configured issuer (OpenID Connect Core 1.0 §3.1.3.7 step 2).</summary>
    public const string PscIssuerMismatch = "psc.issuer-mismatch";
    /// <summary>The token's aud does not contain the client id, or azp is present and is another client (OpenID Connect Core 1.0 §3.1.3.7 steps 3-5).</summary>
    public const string PscAudienceMismatch = "psc.audience-mismatch";
    /// <summary>The token's exp is past (beyond the clock skew), or its iat is too old (logout token).</summary>
    public const string PscTokenExpired = "psc.token-expired";
    /// <summary>The token's iat or nbf is in the future (beyond the clock skew).</summary>
    public const string PscTokenNotYetValid = "psc.token-not-yet-valid";
    /// <summary>The ID token's nonce is missing or is not the one sent in the authorization request (OpenID Connect Core 1.0 §3.1.3.7 step 11).</summary>
    public const string PscNonceMismatch = "psc.nonce-mismatch";
    /// <summary>The ID token's nonce was already used: the token is replayed.</summary>
    public const string PscNonceReplayed = "psc.nonce-replayed";
    /// <summary>The ID token's acr is missing, unknown or maps to an assurance level below the required one (e.g. not eidas1).</summary>
    public const string PscAcrTooLow = "psc.acr-too-low";
    /// <summary>max_age was requested and the ID token's auth_time is missing or older than max_age (OpenID Connect Core 1.0 §3.1.3.7 step 13).</summary>
    public const string PscAuthTimeTooOld = "psc.auth-time-too-old";
    /// <summary>The callback's state is missing or is not the state of the pending authorization request (RFC 6749 §10.12).</summary>
    public const string PscStateMismatch = "psc.state-mismatch";
    /// <summary>The pending authorization request is older than ProSanteConnectOptions.AuthorizationRequestLifetime.</summary>
    public const string PscAuthorizationExpired = "psc.authorization-expired";
    /// <summary>The provider's authorization response is error=access_denied: the professional refused or could not authenticate.</summary>
    public const string PscAccessDenied = "psc.access-denied";
    /// <summary>The token endpoint refused the authorization code (invalid_grant, invalid_client, unauthorized_client…) or returned no ID token.</summary>
    public const string PscCodeExchangeFailed = "psc.code-exchange-failed";
    /// <summary>The userinfo sub is not the ID token's sub (OpenID Connect Core 1.0 §5.3.4): the answer is for someone else.</summary>
    public const string PscUserInfoSubjectMismatch = "psc.userinfo-subject-mismatch";
    /// <summary>The userinfo response is unusable: not JSON nor a signed JWT, or a known claim has a type that cannot be read (the message names the claim).</summary>
    public const string PscUserInfoInvalid = "psc.userinfo-invalid";
    /// <summary>The userinfo cannot be mapped to a professional identity: SubjectNameID is missing or not a valid idNat, or the family name is missing.</summary>
    public const string PscIdentityInvalid = "psc.identity-invalid";
    /// <summary>CIBA: the professional refused the request on the phone (access_denied, OpenID CIBA Core 1.0 §11).</summary>
    public const string PscCibaDenied = "psc.ciba-denied";
    /// <summary>CIBA: the request expired before the professional approved it (expired_token, or expires_in elapsed locally).</summary>
    public const string PscCibaExpired = "psc.ciba-expired";
    /// <summary>CIBA: the backchannel authentication request was refused (unknown_user_id, unauthorized_client, invalid_request…).</summary>
    public const string PscCibaFailed = "psc.ciba-failed";
    /// <summary>A back-channel logout token is invalid (OIDC Back-Channel Logout 1.0 §2.6): missing or wrong events claim, neither sub nor sid, a nonce present, jti missing or replayed, iat too old.</summary>
    public const string PscLogoutTokenInvalid = "psc.logout-token-invalid";
    /// <summary>The token introspection request (RFC 7662) failed: the endpoint refused the client or is not advertised.</summary>
    public const string PscIntrospectionFailed = "psc.introspection-failed";
    /// <summary>The token exchange request (RFC 8693) was refused or returned no access token.</summary>
    public const string PscTokenExchangeFailed = "psc.token-exchange-failed";

    // pairing: HOSPI-Connect pairing of a local account with the national identity (Core pairing store, CarteAuth.AspNetCore)

    /// <summary>The local account is already paired with another national identity; unpair it first.</summary>
    public const string PairingAccountAlreadyPaired = "pairing.account-already-paired";

    /// <summary>The national identity is already paired with another local account; unpair it first.</summary>
    public const string PairingIdentityAlreadyPaired = "pairing.identity-already-paired";

    /// <summary>A local method (FIDO2) was used for a national identity that has no active pairing (never paired, or unpaired).</summary>
    public const string PairingNotPaired = "pairing.not-paired";

    /// <summary>Pairing needs a national sign-in (card or Pro Santé Connect, at the configured level) and the session's was not one.</summary>
    public const string PairingNotNational = "pairing.not-national";

    /// <summary>A pairing record is malformed (empty or overlong local account id, bad idNat).</summary>
    public const string PairingInvalidRecord = "pairing.invalid-record";

    /// <summary>The pairing store cannot be read or written (SQLite file unavailable, locked, corrupt, other schema version).</summary>
    public const string PairingStoreUnavailable = "pairing.store-unavailable";

    /// <summary>The pairing options are invalid.</summary>
    public const string PairingInvalidOptions = "pairing.invalid-options";

    // session: CarteAuth web sessions (CarteAuth.AspNetCore)

    /// <summary>The request carries no session cookie, or the cookie's session is unknown to the session store.</summary>
    public const string SessionNotFound = "session.not-found";

    /// <summary>The session was ended (sign out, sign out everywhere, ended from the session list, back-channel logout).</summary>
    public const string SessionEnded = "session.ended";

    /// <summary>The session was idle (no request) for longer than its idle timeout.</summary>
    public const string SessionIdleTimeout = "session.idle-timeout";

    /// <summary>The session is older than its absolute timeout.</summary>
    public const string SessionAbsoluteTimeout = "session.absolute-timeout";

    /// <summary>The session cookie's token names another subject than the session record it points to.</summary>
    public const string SessionSubjectMismatch = "session.subject-mismatch";

    /// <summary>A state-changing request came from another site (Origin or Sec-Fetch-Site): refused as cross-site request forgery.</summary>
    public const string SessionCrossSiteRequest = "session.cross-site-request";

    /// <summary>The request needs a signed-in professional and has no valid session.</summary>
    public const string SessionNotAuthenticated = "session.not-authenticated";

    /// <summary>An ASP.NET Core authorization requirement that is not a CarteAuth policy (roles, claims, custom handlers) refused the signed-in user.</summary>
    public const string SessionForbidden = "session.forbidden";

    /// <summary>A sign-in was attempted without going through the CarteAuth sign-in manager (no session token in the authentication properties).</summary>
    public const string SessionSignInInvalid = "session.sign-in-invalid";

    /// <summary>The session store cannot be read or written (SQLite file unavailable, locked, corrupt).</summary>
    public const string SessionStoreUnavailable = "session.store-unavailable";

    /// <summary>The ASP.NET Core integration options (CarteAuthOptions, CarteAuthSessionOptions, SQLite session store options) are invalid.</summary>
    public const string SessionInvalidOptions = "session.invalid-options";

    // gateway: forward-auth for reverse proxies (CarteAuth.Gateway)

    /// <summary>The gateway options (forward-auth routes, trusted proxies, upstream audience) are invalid.</summary>
    public const string GatewayInvalidOptions = "gateway.invalid-options";

    /// <summary>A forward-auth request came from an address that is not a configured trusted proxy.</summary>
    public const string GatewayUntrustedProxy = "gateway.untrusted-proxy";

    /// <summary>A forward-auth request does not say which request it is about (no X-Original-URI nor X-Forwarded-Uri).</summary>
    public const string GatewayMissingOriginalRequest = "gateway.missing-original-request";

    /// <summary>The original request named by the proxy is malformed (not a path, control characters, bad escapes, too long).</summary>
    public const string GatewayBadOriginalRequest = "gateway.bad-original-request";

    /// <summary>No forward-auth route matches the request and there is no default route: refused (fail closed).</summary>
    public const string GatewayNoRoute = "gateway.no-route";

    // radius: RADIUS server for VPN concentrators (CarteAuth.Gateway.Radius)

    /// <summary>The RADIUS server options (endpoints, clients and shared secrets, policy, timeouts) or its user file are invalid.</summary>
    public const string RadiusInvalidOptions = "radius.invalid-options";

    /// <summary>A datagram is not a well-formed RADIUS packet (length outside 20..4096, shorter than its Length field, attribute length below 2 or past the end, repeated or wrong-size Message-Authenticator); silently discarded (RFC 2865 §3).</summary>
    public const string RadiusMalformedPacket = "radius.malformed-packet";

    /// <summary>A packet came from an address that is not a configured RADIUS client; silently discarded (RFC 2865 §3).</summary>
    public const string RadiusUnknownClient = "radius.unknown-client";

    /// <summary>A packet's code is not Access-Request nor Accounting-Request (e.g. a reply, Status-Server, CoA); silently discarded.</summary>
    public const string RadiusUnsupportedCode = "radius.unsupported-code";

    /// <summary>An Access-Request has no Message-Authenticator and its client requires one (the default, RFC 3579 §3.2 and the Blast-RADIUS mitigations); silently discarded and audited.</summary>
    public const string RadiusMissingMessageAuthenticator = "radius.missing-message-authenticator";

    /// <summary>A request's Message-Authenticator does not verify (wrong shared secret or altered packet); silently discarded and audited (RFC 3579 §3.2).</summary>
    public const string RadiusBadMessageAuthenticator = "radius.bad-message-authenticator";

    /// <summary>An Accounting-Request's authenticator does not verify (wrong shared secret or altered packet); silently discarded (RFC 2866 §3).</summary>
    public const string RadiusBadAuthenticator = "radius.bad-authenticator";

    /// <summary>An Access-Request lacks User-Name or User-Password (CarteAuth supports PAP), or an Accounting-Request lacks Acct-Status-Type; answered with Access-Reject (or discarded for accounting).</summary>
    public const string RadiusMissingAttribute = "radius.missing-attribute";

    /// <summary>The User-Password attribute is not 16 to 128 octets in multiples of 16 (RFC 2865 §5.2); answered with Access-Reject.</summary>
    public const string RadiusBadPasswordAttribute = "radius.bad-password-attribute";

    /// <summary>The User-Name is not known to the password verifier; Access-Reject (the reply does not say why).</summary>
    public const string RadiusUnknownUser = "radius.unknown-user";

    /// <summary>The password does not match; Access-Reject (the reply does not say why).</summary>
    public const string RadiusBadPassword = "radius.bad-password";

    /// <summary>An Access-Request carries a State that is unknown, expired or already used (challenges are single use); Access-Reject.</summary>
    public const string RadiusUnknownState = "radius.unknown-state";

    /// <summary>The one-time code answering an Access-Challenge is wrong, expired or already used (RFC 6238); Access-Reject.</summary>
    public const string RadiusBadOtp = "radius.bad-otp";

    /// <summary>The policy needs a second factor but the user has neither an OTP secret nor a Pro Santé Connect push (CIBA) configured; Access-Reject.</summary>
    public const string RadiusNoSecondFactor = "radius.no-second-factor";

    /// <summary>The Pro Santé Connect push (CIBA, e-CPS) was refused by the professional, or PSC refused the request; Access-Reject.</summary>
    public const string RadiusPushDenied = "radius.push-denied";

    /// <summary>The Pro Santé Connect push (CIBA, e-CPS) was not approved before PushTimeout; Access-Reject.</summary>
    public const string RadiusPushTimeout = "radius.push-timeout";

    /// <summary>The server is already processing MaxConcurrentRequests requests; the packet is dropped (the NAS retransmits).</summary>
    public const string RadiusOverloaded = "radius.overloaded";

    /// <summary>The shared RADIUS challenge store (e.g. Redis) cannot be reached: no challenge is sent or answered; no reply, the NAS retransmits (fail closed).</summary>
    public const string RadiusChallengeStoreUnavailable = "radius.challenge-store-unavailable";

    /// <summary>The RADIUS client (carteauth radius test, the load harness) got no reply in time: RADIUS servers discard unauthenticated packets silently.</summary>
    public const string RadiusNoReply = "radius.no-reply";

    /// <summary>The RADIUS client got a reply whose Response Authenticator or Message-Authenticator does not verify (RFC 2865 §3, RFC 3579 §3.2), or that is malformed.</summary>
    public const string RadiusBadReply = "radius.bad-reply";

    /// <summary>The RADIUS client got Access-Reject (the server does not say why; its audit trail does).</summary>
    public const string RadiusAccessRejected = "radius.access-rejected";
    /// <summary>A YARP route has no CarteAuth.Policy metadata and the proxy has no DefaultPolicy: refused (fail closed).</summary>
    public const string GatewayRouteWithoutPolicy = "gateway.route-without-policy";

    /// <summary>
    /// A card session's request came over a TLS connection whose client certificate is not the card the session was
    /// opened with (another card inserted, the cookie used from another workstation): refused before the policy is evaluated.
    /// </summary>
    public const string GatewayClientCertificateMismatch = "gateway.client-certificate-mismatch";

    // store: shared stores (CarteAuth.Stores.Redis)

    /// <summary>The shared store options (Redis connection string, key prefix, retention) are invalid.</summary>
    public const string StoreInvalidOptions = "store.invalid-options";

    /// <summary>The revocation epoch store or the replay cache (e.g. Redis) cannot be reached: tokens are refused (fail closed).</summary>
    public const string TokenStoreUnavailable = "token.store-unavailable";

    /// <summary>The shared WebAuthn challenge store (e.g. Redis) cannot be reached: no ceremony can start or finish (fail closed).</summary>
    public const string WebAuthnChallengeStoreUnavailable = "webauthn.challenge-store-unavailable";

    /// <summary>The shared card challenge store (e.g. Redis) cannot be reached: no card challenge is issued or checked (fail closed).</summary>
    public const string Pkcs11ChallengeStoreUnavailable = "pkcs11.challenge-store-unavailable";

    /// <summary>The FIDO2 credential store (e.g. PostgreSQL, <c>CarteAuth.Stores.PostgreSql</c>) cannot be reached: no key is registered or accepted (fail closed).</summary>
    public const string WebAuthnCredentialStoreUnavailable = "webauthn.credential-store-unavailable";

    /// <summary>A database store's schema (e.g. PostgreSQL <c>carteauth_schema</c>) is newer than this CarteAuth: it is not used (fail closed).</summary>
    public const string StoreSchemaTooNew = "store.schema-too-new";

    /// <summary>The Redis server cannot work with the CarteAuth stores: older than 7.0, or a replica (refuses writes).</summary>
    public const string StoreRedisUnsupported = "store.redis-unsupported";

    /// <summary>The Redis server evicts keys when full (<c>maxmemory-policy</c> other than <c>noeviction</c>): revocation epochs and replay entries could be dropped.</summary>
    public const string StoreRedisEvicts = "store.redis-evicts";

    /// <summary>The Redis server has no append-only file and no replica: a restart forgets revocation epochs, replay ids and sessions.</summary>
    public const string StoreRedisNotPersistent = "store.redis-not-persistent";
}
