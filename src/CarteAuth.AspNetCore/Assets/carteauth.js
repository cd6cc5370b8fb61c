// CarteAuth login page helper (no framework). Served by MapCarteAuth() at /carteauth/carteauth.js.
// WebAuthn JSON forms: PublicKeyCredential.parseCreationOptionsFromJSON / parseRequestOptionsFromJSON and
// credential.toJSON() (WebAuthn Level 3 §5.1.8-5.1.11). Errors reject with an Error whose `reasonCode` is the
// CarteAuth reason code (docs/reason-codes.md).
(function (global) {
  "use strict";

  var base = "/carteauth";

  function fail(response, body) {
    var code = (body && body.reasonCode) || response.headers.get("CarteAuth-Reason") || ("http." + response.status);
    var error = new Error((body && body.title) || ("CarteAuth request failed: " + code));
    error.reasonCode = code;
    error.status = response.status;
    return error;
  }

  async function post(path, body) {
    var response = await fetch(base + path, {
      method: "POST",
      credentials: "same-origin",
      headers: body === undefined ? { "Accept": "application/json" } : { "Accept": "application/json", "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    var text = await response.text();
    var json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
    if (!response.ok) { throw fail(response, json); }
    return json;
  }

  async function get(path) {
    var response = await fetch(base + path, { credentials: "same-origin", headers: { "Accept": "application/json" } });
    var text = await response.text();
    var json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
    if (!response.ok) { throw fail(response, json); }
    return json;
  }

  function requireWebAuthn() {
    if (!global.PublicKeyCredential || !PublicKeyCredential.parseCreationOptionsFromJSON) {
      var error = new Error("This browser does not support WebAuthn JSON (PublicKeyCredential.parseCreationOptionsFromJSON).");
      error.reasonCode = "webauthn.unsupported-browser";
      throw error;
    }
  }

  /** The query parameters of the login page: returnUrl, stepUp (decoded into an object), policy, error. */
  function loginContext(search) {
    var params = new URLSearchParams(search === undefined ? global.location.search : search);
    var stepUp = null;
    var raw = params.get("stepUp");
    if (raw) {
      stepUp = { level: null, methods: [], required: [], phishingResistant: false, factors: 1, maxAge: null, fresh: false };
      raw.split(";").forEach(function (item) {
        var i = item.indexOf(":");
        var key = i < 0 ? item : item.slice(0, i);
        var value = i < 0 ? "" : item.slice(i + 1);
        if (key === "level") stepUp.level = value;
        else if (key === "methods") stepUp.methods = value.split(",");
        else if (key === "required") stepUp.required = value.split(",");
        else if (key === "phr") stepUp.phishingResistant = true;
        else if (key === "factors") stepUp.factors = parseInt(value, 10);
        else if (key === "maxage") stepUp.maxAge = parseInt(value, 10);
        else if (key === "fresh") stepUp.fresh = true;
      });
    }
    var returnUrl = params.get("returnUrl") || "/";
    // Only local paths (the server checks again): "/x" but not "//x" nor "/\x".
    if (!/^\/(?![\/\\])/.test(returnUrl)) returnUrl = "/";
    return { returnUrl: returnUrl, stepUp: stepUp, policy: params.get("policy"), error: params.get("error") };
  }

  /** Registers a security key or passkey for the signed-in user. Resolves to { credentialId }. */
  async function registerKey() {
    requireWebAuthn();
    var options = await post("/fido2/register/options");
    var credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
    return post("/fido2/register/verify", credential.toJSON());
  }

  /** Signs in with a security key or passkey, then goes to the returnUrl (or the one given). */
  async function signInWithKey(returnUrl) {
    requireWebAuthn();
    var target = returnUrl || loginContext().returnUrl;
    var options = await post("/fido2/login/options");
    var credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
    var result = await post("/fido2/login/verify?returnUrl=" + encodeURIComponent(target), credential.toJSON());
    global.location.assign(result.returnUrl);
    return result;
  }

  /** Goes to the card login (the browser asks for the card's certificate and PIN). */
  function signInWithCard(returnUrl) {
    global.location.assign(base + "/login/card?returnUrl=" + encodeURIComponent(returnUrl || loginContext().returnUrl));
  }

  /** Goes to Pro Santé Connect. */
  function signInWithPsc(returnUrl) {
    var context = loginContext();
    var url = base + "/login/psc?returnUrl=" + encodeURIComponent(returnUrl || context.returnUrl);
    if (context.stepUp && context.stepUp.fresh) url += "&stepUp=fresh";
    global.location.assign(url);
  }

  global.CarteAuth = {
    loginContext: loginContext,
    registerKey: registerKey,
    signInWithKey: signInWithKey,
    signInWithCard: signInWithCard,
    signInWithPsc: signInWithPsc,
    logout: function () { return post("/logout"); },
    logoutEverywhere: function () { return post("/logout-everywhere"); },
    sessions: function () { return get("/sessions"); },
    endSession: function (id) { return post("/sessions/" + encodeURIComponent(id) + "/end"); },
    /** The signed-in professional's security keys: [{ id, aaguid, createdAt, lastUsedAt, backupEligible, backedUp, transports, attestationTrusted }]. */
    keys: function () { return get("/fido2/credentials"); },
    /** Deletes one of the signed-in professional's keys (id from keys()). */
    deleteKey: function (id) { return post("/fido2/credentials/" + encodeURIComponent(id) + "/delete"); },
    /** The HOSPI-Connect pairing of the signed-in professional: { paired, mode, nationalId, localAccountId, pairedAt, pairedBy, canPair… }. */
    pairing: function () { return get("/pairing"); },
    /** Pairs the local account from a national sign-in (explicit mode). */
    pair: function () { return post("/pairing"); },
    /** Ends the pairing: deletes the keys, ends local-method sessions; resolves to { keysDeleted, sessionsEnded, signedOut }. */
    unpair: function () { return post("/pairing/unpair"); }
  };
})(window);
