// Pro Santé Connect simulator: the certified OpenID provider `oidc-provider` configured like PSC
// (Keycloak realm "esante-wallet"): same endpoint paths, scope_all, acr eidas1, PSC claims for the test
// professionals of professionals.json, CIBA poll mode, back-channel logout, introspection, RFC 8693 token
// exchange. For CarteAuth's tests and demo only: keys are generated at start, everything is in memory, and it
// listens on 127.0.0.1 unless told otherwise. See README.md.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import Provider, { errors, interactionPolicy } from 'oidc-provider';

// stdout carries one line only (the ready line the .NET test support waits for): notices go to stderr.
console.info = (...items) => console.error(...items);
console.log = (...items) => console.error(...items);

const here = path.dirname(fileURLToPath(import.meta.url));

// ---------- options: command line first, then environment (PSC_SIM_*), then defaults ----------
const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'issuer-path': { type: 'string' },
    'exit-on-stdin-close': { type: 'boolean' },
    'backchannel-logout-uri': { type: 'string' },
    'ciba-auto-approve-after': { type: 'string' },
    'ciba-interval': { type: 'string' },
    'ciba-expires-in': { type: 'string' },
    'access-token-ttl': { type: 'string' },
    'slow-ms': { type: 'string' },
    professionals: { type: 'string' },
    clients: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

if (args.help) {
  process.stdout.write(`Usage: node server.mjs [--port <p>] [--host 127.0.0.1] [--issuer-path /auth/realms/esante-wallet]
  [--exit-on-stdin-close] [--backchannel-logout-uri <url>] [--ciba-auto-approve-after <s>] [--ciba-interval <s>]
  [--ciba-expires-in <s>] [--access-token-ttl <s>] [--slow-ms <ms>] [--professionals <file>] [--clients <file>]
Environment: PSC_SIM_PORT, PSC_SIM_HOST, PSC_SIM_ISSUER_PATH, PSC_SIM_BACKCHANNEL_LOGOUT_URI,
  PSC_SIM_CIBA_AUTO_APPROVE_AFTER, PSC_SIM_CIBA_INTERVAL, PSC_SIM_CIBA_EXPIRES_IN, PSC_SIM_ACCESS_TOKEN_TTL, PSC_SIM_SLOW_MS.
`);
  process.exit(0);
}

function option(name, fallback) {
  const env = process.env[`PSC_SIM_${name.toUpperCase().replaceAll('-', '_')}`];
  return args[name] ?? (env === undefined || env === '' ? fallback : env);
}

function fail(message) {
  process.stderr.write(`psc-simulator: ${message}\n`);
  process.exit(2);
}

function intOption(name, fallback, min, max) {
  const raw = option(name, undefined);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(`--${name} must be an integer from ${min} to ${max} (got '${raw}')`);
  }
  return value;
}

const host = option('host', '127.0.0.1');
const port = intOption('port', 8780, 0, 65535);
let issuerPath = option('issuer-path', '/auth/realms/esante-wallet');
if (!issuerPath.startsWith('/')) issuerPath = `/${issuerPath}`;
issuerPath = issuerPath.replace(/\/+$/, '');
if (issuerPath === '') fail('--issuer-path must not be empty (PSC issuers have a path: /auth/realms/esante-wallet)');
const cibaAutoApproveAfter = intOption('ciba-auto-approve-after', -1, 0, 3600);
const cibaInterval = intOption('ciba-interval', 2, 0, 60);
const cibaExpiresIn = intOption('ciba-expires-in', 120, 1, 3600);
const accessTokenTtl = intOption('access-token-ttl', 120, 1, 86400);
const slowMs = intOption('slow-ms', 0, 0, 600000);
const initialBackchannelLogoutUri = option('backchannel-logout-uri', undefined);

const log = (message) => process.stderr.write(`[psc-sim] ${new Date().toISOString()} ${message}\n`);

// ---------- data: test professionals and clients (JSON files, not code) ----------
function readJson(file, what) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    return fail(`cannot read the ${what} file ${file}: ${error.message}`);
  }
}

const professionals = readJson(path.resolve(option('professionals', path.join(here, 'professionals.json'))), 'professionals').professionals;
const byIdNat = new Map(professionals.map((p) => [p.idNat, p]));
const bySub = new Map(professionals.map((p) => [p.sub, p]));

const clientStore = new Map(
  readJson(path.resolve(option('clients', path.join(here, 'clients.json'))), 'clients').clients
    .map((c) => [c.client_id, structuredClone(c)]),
);
if (initialBackchannelLogoutUri) {
  for (const metadata of clientStore.values()) metadata.backchannel_logout_uri = initialBackchannelLogoutUri;
}

// ---------- authentication methods (what the simulated login says happened) ----------
// RFC 8176 amr values: a CPS card is a smart card unlocked by its PIN; e-CPS is the mobile app (a key held in
// software on the phone, unlocked by a PIN; CIBA's push approval is an e-CPS approval).
const methods = {
  card: { amr: ['sc', 'pin', 'mfa'], label: 'Carte CPS (lecteur + code PIN)' },
  ecps: { amr: ['swk', 'pin', 'mfa'], label: 'e-CPS (application mobile)' },
};
const EIDAS1 = 'eidas1';
const PALIER_DEFAULT = 'APPPRIP3^1.2.250.1.213.1.5.1.1.1';

function authenticationOf(professional, method) {
  return {
    acr: professional.acr ?? EIDAS1,
    amr: professional.amr ?? methods[method].amr,
  };
}

// PSC claims of one professional, as its userinfo endpoint returns them.
function pscClaims(professional) {
  return {
    sub: professional.sub,
    SubjectNameID: professional.idNat,
    preferred_username: professional.idNat,
    Palier_Authentification: professional.palier ?? PALIER_DEFAULT,
    ...structuredClone(professional.claims),
  };
}

const scopeAllClaims = [...new Set(professionals.flatMap((p) => Object.keys(pscClaims(p))))].filter((c) => c !== 'sub');

// ---------- storage: one in-memory adapter (expired entries kept 10 minutes, so late polls get expired_token) ----------
const store = new Map();
const GRACE_SECONDS = 600;
const now = () => Math.floor(Date.now() / 1000);

class MemoryAdapter {
  constructor(name) {
    this.name = name;
  }

  key(id) {
    return `${this.name}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const expiresAt = expiresIn ? now() + expiresIn + GRACE_SECONDS : undefined;
    store.set(this.key(id), { payload: structuredClone(payload), expiresAt });
    if (payload.grantId) {
      const grantKey = `grant:${payload.grantId}`;
      const members = store.get(grantKey) ?? new Set();
      members.add(this.key(id));
      store.set(grantKey, members);
    }
    if (payload.uid) store.set(`uid:${this.name}:${payload.uid}`, id);
    if (payload.userCode) store.set(`userCode:${payload.userCode}`, id);
  }

  async find(id) {
    // Clients live in clientStore so the test controls can change them at run time.
    if (this.name === 'Client') {
      const metadata = clientStore.get(id);
      return metadata ? structuredClone(metadata) : undefined;
    }
    const entry = store.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt < now()) {
      store.delete(this.key(id));
      return undefined;
    }
    return structuredClone(entry.payload);
  }

  async findByUid(uid) {
    const id = store.get(`uid:${this.name}:${uid}`);
    return id ? this.find(id) : undefined;
  }

  async findByUserCode(userCode) {
    const id = store.get(`userCode:${userCode}`);
    return id ? this.find(id) : undefined;
  }

  async consume(id) {
    const entry = store.get(this.key(id));
    if (entry) entry.payload.consumed = now();
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    const grantKey = `grant:${grantId}`;
    for (const key of store.get(grantKey) ?? []) store.delete(key);
    store.delete(grantKey);
  }
}

// ---------- signing keys: generated at start (RS256 first: the default; ES256 also offered) ----------
function generateJwk(type, options, alg) {
  const { privateKey } = crypto.generateKeyPairSync(type, options);
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, alg, use: 'sig', kid: `psc-sim-${alg.toLowerCase()}-${crypto.randomBytes(6).toString('hex')}` };
}

const jwks = {
  keys: [
    generateJwk('rsa', { modulusLength: 2048 }, 'RS256'),
    generateJwk('ec', { namedCurve: 'P-256' }, 'ES256'),
  ],
};

// ---------- CIBA (OpenID CIBA Core 1.0, poll mode): pending requests and the simulated e-CPS approval ----------
const cibaRequests = new Map(); // auth_req_id -> { authReqId, clientId, sub, idNat, scope, bindingMessage, createdAt, expiresAt, status, lastPoll, interval }
let provider;

async function approveCiba(authReqId, method = 'ecps') {
  const pending = cibaRequests.get(authReqId);
  if (!pending) return { status: 404, error: 'unknown auth_req_id' };
  if (pending.status !== 'pending') return { status: 409, error: `the request is already ${pending.status}` };
  const request = await provider.BackchannelAuthenticationRequest.find(authReqId, { ignoreExpiration: true });
  if (!request) return { status: 404, error: 'the request is no longer stored' };
  if (request.isExpired) return { status: 409, error: 'the request has expired' };
  const professional = bySub.get(request.accountId);
  const grant = new provider.Grant({ accountId: request.accountId, clientId: request.clientId });
  grant.addOIDCScope(request.scope);
  if (request.claims) {
    grant.addOIDCClaims(Object.keys(request.claims.id_token ?? {}));
    grant.addOIDCClaims(Object.keys(request.claims.userinfo ?? {}));
  }
  if (request.resource) {
    for (const resource of [request.resource].flat()) grant.addResourceScope(resource, request.scope);
  }
  await grant.save();
  const { acr, amr } = authenticationOf(professional ?? {}, methods[method] ? method : 'ecps');
  await provider.backchannelResult(request, grant, { acr, amr, authTime: now() });
  pending.status = 'approved';
  log(`CIBA ${authReqId} approved for ${pending.idNat}`);
  return { status: 204 };
}

async function denyCiba(authReqId) {
  const pending = cibaRequests.get(authReqId);
  if (!pending) return { status: 404, error: 'unknown auth_req_id' };
  if (pending.status !== 'pending') return { status: 409, error: `the request is already ${pending.status}` };
  const request = await provider.BackchannelAuthenticationRequest.find(authReqId, { ignoreExpiration: true });
  if (!request) return { status: 404, error: 'the request is no longer stored' };
  await provider.backchannelResult(request, new errors.AccessDenied('the professional refused the request on the e-CPS app'));
  pending.status = 'denied';
  log(`CIBA ${authReqId} denied`);
  return { status: 204 };
}

// ---------- RFC 8693 token exchange ----------
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

// Access tokens for a resource/audience are JWTs (RFC 9068 shape) signed with the provider's RS256 key.
function resourceServerFor(target) {
  return {
    audience: target,
    scope: 'openid scope_all profile',
    accessTokenTTL: accessTokenTtl,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
    identifier: () => target,
  };
}

async function tokenExchangeHandler(ctx) {
  const { params, client } = ctx.oidc;
  // RFC 8693 §2.1: subject_token and subject_token_type are REQUIRED.
  if (!params.subject_token) throw new errors.InvalidRequest('missing required parameter: subject_token');
  if (!params.subject_token_type) throw new errors.InvalidRequest('missing required parameter: subject_token_type');
  if (params.subject_token_type !== ACCESS_TOKEN_TYPE) {
    throw new errors.InvalidRequest(`unsupported subject_token_type: the simulator exchanges ${ACCESS_TOKEN_TYPE} only`);
  }
  if (params.requested_token_type && params.requested_token_type !== ACCESS_TOKEN_TYPE) {
    throw new errors.InvalidRequest(`unsupported requested_token_type: the simulator issues ${ACCESS_TOKEN_TYPE} only`);
  }
  if (params.actor_token || params.actor_token_type) {
    throw new errors.InvalidRequest('actor_token (delegation) is not supported by the simulator');
  }
  const target = params.audience || params.resource;
  if (!target) {
    throw new errors.InvalidRequest('audience or resource is required: name the API the new token is for');
  }
  // RFC 8693 §2.2.2: invalid_target when the audience/resource is unacceptable.
  if (/\s/.test(target) || target.length > 512) throw new errors.InvalidTarget('the audience/resource value is not acceptable');

  const subject = await provider.AccessToken.find(params.subject_token);
  if (!subject || subject.isExpired) {
    throw new errors.InvalidGrant('subject_token is invalid, expired or was not issued by this provider');
  }
  if (subject.clientId !== client.clientId) {
    throw new errors.InvalidGrant('subject_token was issued to another client');
  }
  const subjectScopes = new Set((subject.scope ?? '').split(' ').filter(Boolean));
  let scope = [...subjectScopes].join(' ');
  if (params.scope) {
    const requested = params.scope.split(' ').filter(Boolean);
    const extra = requested.filter((s) => !subjectScopes.has(s));
    if (extra.length) throw new errors.InvalidScope(`scope beyond the subject token's: ${extra.join(' ')}`);
    scope = requested.join(' ');
  }

  const token = new provider.AccessToken({
    accountId: subject.accountId,
    client,
    grantId: subject.grantId,
    gty: 'token_exchange',
    scope: scope || undefined,
    sessionUid: subject.sessionUid,
    sid: subject.sid,
    expiresWithSession: subject.expiresWithSession,
  });
  token.resourceServer = resourceServerFor(target);
  ctx.oidc.entity('AccessToken', token);
  const value = await token.save();

  // RFC 8693 §2.2.1: access_token, issued_token_type and token_type are REQUIRED.
  ctx.body = {
    access_token: value,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: token.expiration,
    ...(scope ? { scope } : {}),
  };
}

// ---------- the login page (also usable by a browser) ----------
const html = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

function loginPage(uid, details, message) {
  const options = professionals
    .map((p) => `<li><code>${html(p.idNat)}</code> ${html(p.claims.given_name)} ${html(p.claims.family_name)}: ${html(p.description ?? '')}</li>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Pro Santé Connect (simulateur)</title></head>
<body>
<h1>Pro Santé Connect: simulateur</h1>
<p>Client: <code>${html(details.params.client_id)}</code>, scope <code>${html(details.params.scope)}</code>, acr_values <code>${html(details.params.acr_values ?? '')}</code></p>
${message ? `<p role="alert" style="color:#b00">${html(message)}</p>` : ''}
<form id="login" method="post" action="/interaction/${html(uid)}/login">
  <label>Identifiant national (idNat) <input name="idNat" autocomplete="off" autofocus required></label>
  <label>Moyen <select name="method">
    <option value="card">${html(methods.card.label)}</option>
    <option value="ecps">${html(methods.ecps.label)}</option>
  </select></label>
  <button type="submit">Se connecter</button>
</form>
<form method="post" action="/interaction/${html(uid)}/abort"><button type="submit">Annuler</button></form>
<h2>Professionnels de test</h2><ul>${options}</ul>
</body></html>`;
}

function logoutSourcePage(ctx, form) {
  // The provider's confirmation form (hidden xsrf), answered "yes" by a script (browsers) or by posting it (tests).
  const withYes = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
  ctx.body = `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Déconnexion Pro Santé Connect (simulateur)</title></head>
<body><h1>Déconnexion</h1>${withYes}<button type="submit" form="op.logoutForm">Se déconnecter</button>
<script>document.getElementById('op.logoutForm').submit();</script></body></html>`;
}

// ---------- the provider ----------
// The default policy asks native clients for consent every time; PSC's registered relying parties are trusted, so
// consent is given by loadExistingGrant below and that check is dropped.
function interactionPolicyWithoutNativeConsent() {
  const policy = interactionPolicy.base();
  policy.get('consent').checks.remove('native_client_prompt');
  return policy;
}

const configuration = {
  adapter: MemoryAdapter,
  jwks,
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  acrValues: [EIDAS1, 'http://eidas.europa.eu/LoA/low'],
  scopes: ['openid', 'scope_all', 'profile', 'offline_access'],
  claims: {
    acr: null,
    amr: null,
    auth_time: null,
    sid: null,
    iss: null,
    // acr, amr and auth_time in every ID token (OpenID Connect Core 1.0 §2), as PSC does.
    openid: ['sub', 'acr', 'amr', 'auth_time'],
    profile: ['given_name', 'family_name', 'preferred_username'],
    scope_all: scopeAllClaims,
  },
  // Keycloak (PSC) also puts the scope's claims in the ID token.
  conformIdTokenClaims: false,
  clientDefaults: {
    grant_types: ['authorization_code'],
    id_token_signed_response_alg: 'RS256',
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  },
  clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
  // RFC 7636 / RFC 9700 §2.1.1: PKCE (S256) for every authorization code request.
  pkce: { required: () => true },
  responseTypes: ['code'],
  routes: {
    authorization: '/protocol/openid-connect/auth',
    token: '/protocol/openid-connect/token',
    userinfo: '/protocol/openid-connect/userinfo',
    introspection: '/protocol/openid-connect/token/introspect',
    revocation: '/protocol/openid-connect/revoke',
    end_session: '/protocol/openid-connect/logout',
    jwks: '/protocol/openid-connect/certs',
    backchannel_authentication: '/protocol/openid-connect/ext/ciba/auth',
    pushed_authorization_request: '/protocol/openid-connect/ext/par/request',
    code_verification: '/protocol/openid-connect/device',
    device_authorization: '/protocol/openid-connect/auth/device',
    registration: '/clients-registrations/openid-connect',
    challenge: '/protocol/openid-connect/challenge',
    credential: '/protocol/openid-connect/credential',
  },
  ttl: {
    AccessToken: (ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTtl,
    AuthorizationCode: 60,
    IdToken: 300,
    RefreshToken: 1800,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
    // CIBA Core §7.1 requested_expiry, capped; §7.3 expires_in.
    BackchannelAuthenticationRequest: (ctx) => {
      const requested = Number(ctx?.oidc?.params?.requested_expiry);
      return Number.isInteger(requested) && requested > 0 ? Math.min(requested, 600) : cibaExpiresIn;
    },
  },
  features: {
    devInteractions: { enabled: false },
    claimsParameter: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    jwtUserinfo: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: { enabled: true, logoutSource: logoutSourcePage },
    resourceIndicators: {
      enabled: true,
      // No default resource: tokens of the code flow and CIBA are opaque and work at userinfo and introspection
      // (like PSC's). A `resource` (RFC 8707) or a token exchange gives a JWT access token for that audience.
      defaultResource: () => undefined,
      useGrantedResource: () => false,
      getResourceServerInfo: (ctx, resourceIndicator) => {
        let url;
        try {
          url = new URL(resourceIndicator);
        } catch {
          throw new errors.InvalidTarget('resource must be an absolute URI');
        }
        if (url.hash) throw new errors.InvalidTarget('resource must not have a fragment');
        return resourceServerFor(resourceIndicator);
      },
    },
    ciba: {
      enabled: true,
      deliveryModes: ['poll'],
      // CIBA Core §7.1: login_hint is the professional's idNat; unknown → unknown_user_id (§13).
      processLoginHint: (ctx, loginHint) => {
        const professional = byIdNat.get(loginHint);
        if (!professional) throw new errors.UnknownUserId(`no test professional has the idNat '${String(loginHint).slice(0, 64)}'`);
        return professional.sub;
      },
      processLoginHintToken: () => {
        throw new errors.InvalidRequest('login_hint_token is not supported: send the idNat as login_hint');
      },
      validateRequestContext: () => undefined,
      // CIBA Core §7.1 binding_message: short and plain, so it fits on the e-CPS app's screen.
      validateBindingMessage: (ctx, bindingMessage) => {
        if (bindingMessage !== undefined && !/^[a-zA-Z0-9-._+/!?# ]{1,40}$/.test(bindingMessage)) {
          throw new errors.InvalidBindingMessage('binding_message must be 1 to 40 letters, digits, spaces or -._+/!?#');
        }
      },
      verifyUserCode: () => undefined,
      triggerAuthenticationDevice: async (ctx, request, account, client) => {
        const authReqId = ctx.body.auth_req_id;
        // CIBA Core §7.3: "interval" is the minimum wait between polls (the provider enforces it below).
        ctx.body.interval = cibaInterval;
        const professional = bySub.get(account.accountId);
        cibaRequests.set(authReqId, {
          authReqId,
          clientId: client.clientId,
          sub: account.accountId,
          idNat: professional?.idNat,
          scope: request.scope,
          bindingMessage: request.params?.binding_message,
          createdAt: Date.now(),
          expiresAt: Date.now() + request.expiration * 1000,
          status: 'pending',
          lastPoll: Date.now(),
          interval: cibaInterval,
        });
        log(`CIBA ${authReqId} pending for ${professional?.idNat} (client ${client.clientId})`);
        if (cibaAutoApproveAfter >= 0) {
          setTimeout(() => approveCiba(authReqId).catch((e) => log(`CIBA auto-approve failed: ${e.message}`)), cibaAutoApproveAfter * 1000).unref();
        }
      },
    },
  },
  // oidc-provider refuses to fetch special-use addresses (SSRF protection); the simulator's relying parties are
  // tests on this machine, so loopback URLs (back-channel logout receivers, jwks_uri) are let through.
  fetch: (url, options) => {
    const { hostname } = new URL(url);
    if (['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) {
      const { dispatcher, ...rest } = options;
      return globalThis.fetch(url, rest);
    }
    return globalThis.fetch(url, options);
  },
  // Like Keycloak, a refresh token for every client allowed the refresh_token grant (not only with offline_access);
  // without offline_access it ends with the PSC session.
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  // Consent is given automatically for the registered (first-party) clients: every requested scope and claim.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    const grant = (grantId && await ctx.oidc.provider.Grant.find(grantId))
      || new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
    grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
    for (const resource of Object.keys(ctx.oidc.resourceServers ?? {})) {
      grant.addResourceScope(resource, [...ctx.oidc.requestParamScopes].join(' '));
    }
    await grant.save();
    return grant;
  },
  findAccount: async (ctx, sub) => {
    const professional = bySub.get(sub);
    if (!professional) return undefined;
    return { accountId: sub, claims: async () => pscClaims(professional) };
  },
  interactions: { policy: interactionPolicyWithoutNativeConsent(), url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Erreur</title></head><body><h1>Erreur</h1>${
      Object.entries(out).map(([k, v]) => `<p><strong>${html(k)}</strong>: <span id="${html(k)}">${html(v)}</span></p>`).join('')}</body></html>`;
  },
  discovery: {
    claim_types_supported: ['normal'],
    service_documentation: 'https://industriels.esante.gouv.fr/produits-et-services/pro-sante-connect',
  },
};

const issuer = () => `http://${host.includes(':') ? `[${host}]` : host}:${server.address().port}${issuerPath}`;

// ---------- HTTP front: test controls, the login interaction, then the provider under the issuer path ----------
function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

function sendHtml(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

async function readBody(req, limit = 65536) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readForm(req) {
  return Object.fromEntries(new URLSearchParams(await readBody(req)));
}

async function readJsonBody(req) {
  const text = await readBody(req);
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw Object.assign(new Error('the body is not JSON'), { status: 400 });
  }
}

async function setClientMetadata(clientId, changes) {
  const current = clientStore.get(clientId);
  if (!current) return { status: 404, error: `unknown client '${clientId}'` };
  const next = { ...current, ...changes };
  for (const [k, v] of Object.entries(changes)) if (v === null) delete next[k];
  try {
    await provider.Client.validate(next);
  } catch (error) {
    return { status: 400, error: `${error.error ?? 'invalid_client_metadata'}: ${error.error_description ?? error.message}` };
  }
  clientStore.set(clientId, next);
  log(`client ${clientId} updated: ${Object.keys(changes).join(', ')}`);
  return { status: 204 };
}

async function simControl(req, res, url) {
  const parts = url.pathname.split('/').filter(Boolean).slice(1); // after "_sim"
  const method = req.method;
  const reply = (result) => (result.status === 204 ? sendJson(res, 204) : sendJson(res, result.status, { error: result.error }));

  if (method === 'GET' && parts[0] === 'health') {
    return sendJson(res, 200, { status: 'ok', issuer: issuer() });
  }
  if (parts[0] === 'ciba') {
    if (method === 'GET' && parts.length === 1) {
      const list = [...cibaRequests.values()].map((r) => ({
        auth_req_id: r.authReqId,
        client_id: r.clientId,
        idNat: r.idNat,
        sub: r.sub,
        scope: r.scope,
        binding_message: r.bindingMessage,
        status: r.status === 'pending' && Date.now() > r.expiresAt ? 'expired' : r.status,
        expires_at: new Date(r.expiresAt).toISOString(),
      }));
      return sendJson(res, 200, list);
    }
    if (method === 'POST' && parts.length === 3 && parts[2] === 'approve') {
      const body = await readJsonBody(req);
      return reply(await approveCiba(decodeURIComponent(parts[1]), body.method));
    }
    if (method === 'POST' && parts.length === 3 && parts[2] === 'deny') {
      return reply(await denyCiba(decodeURIComponent(parts[1])));
    }
  }
  if (parts[0] === 'clients' && parts.length >= 2) {
    const clientId = decodeURIComponent(parts[1]);
    if (method === 'GET' && parts.length === 2) {
      const metadata = clientStore.get(clientId);
      return metadata ? sendJson(res, 200, metadata) : sendJson(res, 404, { error: `unknown client '${clientId}'` });
    }
    if (method === 'PATCH' && parts.length === 2) {
      return reply(await setClientMetadata(clientId, await readJsonBody(req)));
    }
    if (method === 'POST' && parts[2] === 'jwks' && parts.length === 3) {
      const body = await readJsonBody(req);
      if (!Array.isArray(body.keys)) return sendJson(res, 400, { error: 'the body must be a JWKS: {"keys":[...]}' });
      if (body.keys.some((k) => k.d || k.p || k.q || k.k)) return sendJson(res, 400, { error: 'the JWKS must hold public keys only' });
      return reply(await setClientMetadata(clientId, { jwks: { keys: body.keys } }));
    }
    if (method === 'POST' && parts[2] === 'backchannel-logout-uri' && parts.length === 3) {
      const body = await readJsonBody(req);
      return reply(await setClientMetadata(clientId, { backchannel_logout_uri: body.backchannel_logout_uri ?? null }));
    }
  }
  if (method === 'POST' && parts[0] === 'backchannel-logout' && parts.length === 1) {
    // Sends one OIDC Back-Channel Logout 1.0 §2.4 logout token without a browser session.
    const body = await readJsonBody(req);
    const client = await provider.Client.find(body.client_id ?? 'carteauth-test');
    if (!client) return sendJson(res, 404, { error: `unknown client '${body.client_id}'` });
    if (!client.backchannelLogoutUri) return sendJson(res, 409, { error: `client '${client.clientId}' has no backchannel_logout_uri` });
    const sub = byIdNat.get(body.sub)?.sub ?? body.sub ?? byIdNat.get(body.idNat)?.sub;
    if (!sub && !body.sid) return sendJson(res, 400, { error: 'give sub (or idNat) and/or sid' });
    try {
      await client.backchannelLogout(sub, body.sid);
      return sendJson(res, 200, { sent: true, backchannel_logout_uri: client.backchannelLogoutUri, sub, sid: body.sid });
    } catch (error) {
      return sendJson(res, 502, { error: `the logout token was not accepted: ${error.message}` });
    }
  }
  return sendJson(res, 404, { error: `no test control ${method} ${url.pathname}` });
}

async function interaction(req, res, url) {
  const [, , uid, action] = url.pathname.split('/');
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (error) {
    return sendHtml(res, 400, `<!DOCTYPE html><p>No login in progress (${html(error.message)}): start again from the client.</p>`);
  }
  if (details.uid !== uid) return sendHtml(res, 400, '<!DOCTYPE html><p>This login page does not match the login in progress.</p>');

  if (req.method === 'GET' && action === undefined) {
    log(`interaction ${uid}: prompt ${details.prompt.name} (${details.prompt.reasons.join(', ')}) ${JSON.stringify(details.prompt.details)}`);
    return sendHtml(res, 200, loginPage(uid, details));
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const idNat = (form.idNat ?? '').trim();
    const method = methods[form.method] ? form.method : 'card';
    const professional = byIdNat.get(idNat);
    let result;
    if (!professional) {
      log(`login refused: unknown idNat '${idNat.slice(0, 64)}'`);
      result = { error: 'access_denied', error_description: 'unknown professional: this idNat is not a test professional of the simulator' };
    } else {
      const { amr } = authenticationOf(professional, method);
      let { acr } = authenticationOf(professional, method);
      // Test-only: a form field acr (one of acr_values_supported) lowers or changes the level of this login.
      if (form.acr && configuration.acrValues.includes(form.acr)) acr = form.acr;
      result = { login: { accountId: professional.sub, acr, amr, remember: true } };
      log(`login ${idNat} by ${method} (acr ${acr}, amr ${amr.join(' ')}) for client ${details.params.client_id}`);
    }
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  if (req.method === 'POST' && action === 'abort') {
    return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the professional cancelled the login' }, { mergeWithLastSubmission: false });
  }
  return sendHtml(res, 404, '<!DOCTYPE html><p>Not found.</p>');
}

const wellKnownPsc = '/.well-known/wallet-openid-configuration';
let providerCallback;

async function handle(req, res) {
  if (slowMs > 0) await new Promise((resolve) => { setTimeout(resolve, slowMs); });
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/')) return simControl(req, res, url);
  if (url.pathname.startsWith('/interaction/')) return interaction(req, res, url);
  if (url.pathname === issuerPath || url.pathname.startsWith(`${issuerPath}/`)) {
    // Mount the provider under the issuer path (like koa-mount): it sees the rest, and originalUrl tells it the prefix.
    req.originalUrl = req.url;
    let rest = req.url.slice(issuerPath.length) || '/';
    // PSC's non-standard discovery document name: the same document as the standard one.
    if (rest === wellKnownPsc || rest.startsWith(`${wellKnownPsc}?`)) rest = `/.well-known/openid-configuration${rest.slice(wellKnownPsc.length)}`;
    if (rest !== req.url.slice(issuerPath.length)) req.originalUrl = `${issuerPath}${rest}`;
    req.url = rest.startsWith('/') ? rest : `/${rest}`;
    return providerCallback(req, res);
  }
  return sendJson(res, 404, { error: `not found: the issuer is ${issuer()}` });
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    log(`error on ${req.method} ${req.url}: ${error.stack ?? error.message}`);
    if (!res.headersSent) sendJson(res, error.status ?? 500, { error: error.message });
    else res.end();
  });
});

server.listen(port, host, () => {
  provider = new Provider(issuer(), configuration);
  provider.proxy = false;

  // Token exchange (RFC 8693 §2.1) as an extra grant type of the token endpoint.
  provider.registerGrantType(TOKEN_EXCHANGE, tokenExchangeHandler, [
    'subject_token', 'subject_token_type', 'actor_token', 'actor_token_type',
    'requested_token_type', 'audience', 'resource', 'scope',
  ]);

  // CIBA Core §7.3 / §11: enforce "interval" between polls; too fast while pending → slow_down, and the
  // interval grows by 5 seconds for this and all subsequent requests.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'token' || ctx.oidc.params?.grant_type !== 'urn:openid:params:grant-type:ciba') return;
    const pending = cibaRequests.get(ctx.oidc.params.auth_req_id);
    if (!pending) return;
    const elapsed = Date.now() - pending.lastPoll;
    pending.lastPoll = Date.now();
    if (ctx.status === 400 && ctx.body?.error === 'authorization_pending' && elapsed + 250 < pending.interval * 1000) {
      pending.interval += 5;
      ctx.body = {
        error: 'slow_down',
        error_description: `polled after ${elapsed} ms; wait at least ${pending.interval} s between polls`,
      };
    }
    if (ctx.status === 200) pending.status = 'tokens issued';
  });

  for (const event of ['server_error', 'grant.error', 'backchannel.error', 'introspection.error', 'userinfo.error', 'authorization.error', 'end_session.error', 'backchannel_authentication.error']) {
    provider.on(event, (ctx, error) => {
      const e = error ?? ctx;
      log(`${event}: ${e?.error ?? ""} ${e?.error_description ?? e?.message ?? ""}${e?.error_detail ? ` (${e.error_detail})` : ""}`);
    });
  }
  provider.on('backchannel.success', (ctx, client, accountId, sid) => log(`back-channel logout sent to ${client.clientId} (sub ${accountId}, sid ${sid})`));

  providerCallback = provider.callback();
  // The ready line the .NET test support waits for (stdout, one line).
  process.stdout.write(`PSC simulator listening on ${issuer()}\n`);
});

server.on('error', (error) => fail(`cannot listen on ${host}:${port}: ${error.message}`));

// ---------- stopping ----------
let stopping = false;
function stop(reason) {
  if (stopping) return;
  stopping = true;
  log(`stopping (${reason})`);
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
if (args['exit-on-stdin-close']) {
  // The parent (a test run) holds our stdin: when it dies, stdin closes and we stop, leaving no orphan.
  process.stdin.on('end', () => stop('stdin closed'));
  process.stdin.on('close', () => stop('stdin closed'));
  process.stdin.on('error', () => stop('stdin error'));
  process.stdin.resume();
}
