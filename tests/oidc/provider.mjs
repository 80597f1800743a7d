#!/usr/bin/env node
// Test-only OpenID Provider for egov integration tests.
//
// Runs the certified `oidc-provider` package (panva) on 127.0.0.1 with a small, documented
// configuration read from a JSON file (see config.example.json and README.md next to this file).
// Nothing here is meant for production: in-memory storage, plain HTTP on loopback.
//
// Usage:
//   node provider.mjs --config <file.json> [--port <n>] [--admin-port <n>]
//   (or env OIDC_CONFIG, OIDC_PORT, OIDC_ADMIN_PORT; --port 0 picks a free port)
//
// On start it prints ONE line of JSON to stdout:
//   {"event":"ready","issuer":"http://127.0.0.1:<port>","admin":"http://127.0.0.1:<n>"|null,"kid":"..."}
//
// Key rotation (see README.md): POST http://127.0.0.1:<admin-port>/rotate, or SIGUSR2.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';
// oidc-provider's own in-memory adapter; one factory (= one store) shared by every Provider
// instance we build, so sessions/grants/codes/refresh tokens survive a key rotation.
// (Deep import: the package has no "exports" map and the version is pinned exactly.)
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';

const { values: args } = parseArgs({
  options: {
    config: { type: 'string' },
    port: { type: 'string' },
    'admin-port': { type: 'string' },
  },
});

const configPath = args.config ?? process.env.OIDC_CONFIG;
if (!configPath) {
  console.error('usage: node provider.mjs --config <file.json> [--port <n>] [--admin-port <n>]');
  process.exit(2);
}

const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const requestedPort = Number(args.port ?? process.env.OIDC_PORT ?? config.port ?? 0);
const adminPortArg = args['admin-port'] ?? process.env.OIDC_ADMIN_PORT ?? config.admin_port;

// ---------------------------------------------------------------------------------------------
// Configuration defaults
// ---------------------------------------------------------------------------------------------

const resourceCfg = {
  indicator: 'urn:egov:api',
  audience: 'egov-api',
  scopes: [],
  access_token_ttl: 600,
  use_granted_resource: true,
  ...(config.resource ?? {}),
};
const users = config.users ?? {};
const autoConsentClients = new Set(config.auto_consent_clients ?? []);
const LOA_PREFIX = 'http://eidas.europa.eu/LoA/';
const acrValues = config.acr_values ?? [`${LOA_PREFIX}low`, `${LOA_PREFIX}substantial`, `${LOA_PREFIX}high`];
const claimsByScope = config.claims ?? {
  openid: ['sub', 'acr', 'amr', 'auth_time', 'roles', 'org_units', 'postfach'],
  profile: ['name', 'given_name', 'family_name'],
  email: ['email', 'email_verified'],
};
// Claims copied from the account into JWT access tokens (extraTokenClaims).
const accessTokenClaims = config.access_token_claims
  ?? ['name', 'email', 'roles', 'org_units', 'postfach'];

// ---------------------------------------------------------------------------------------------
// Signing keys
// ---------------------------------------------------------------------------------------------

function generateRsaJwk() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  const thumbprintInput = JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n });
  return {
    ...jwk,
    kid: crypto.createHash('sha256').update(thumbprintInput).digest('base64url'),
    use: 'sig',
    alg: 'RS256',
  };
}

function normalizeKey(jwk) {
  if (jwk.kty !== 'RSA' || !jwk.d) throw new Error('jwks.keys must be private RSA JWKs');
  const key = { ...jwk, use: 'sig', alg: 'RS256' };
  if (!key.kid) {
    key.kid = crypto.createHash('sha256')
      .update(JSON.stringify({ e: key.e, kty: 'RSA', n: key.n })).digest('base64url');
  }
  return key;
}

// `pool`: every key we know (configured ones first, generated ones appended on demand).
// `signing`: index into pool of the key that signs. `published`: kids listed in the JWKS
// (the signing key is always first, so oidc-provider selects it for signing).
const keyState = {
  pool: (config.jwks?.keys ?? []).map(normalizeKey),
  signing: 0,
  published: [],
};
while (keyState.pool.length < 2) keyState.pool.push(generateRsaJwk());
keyState.published = [keyState.pool[0].kid];
if (config.publish_next_key) keyState.published.push(keyState.pool[1].kid);

function currentJwks() {
  const byKid = new Map(keyState.pool.map((k) => [k.kid, k]));
  return { keys: keyState.published.map((kid) => byKid.get(kid)) };
}

// ---------------------------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------------------------

function findUser(login) {
  if (typeof login !== 'string') return undefined;
  if (Object.hasOwn(users, login)) return { id: login, ...users[login] };
  return undefined;
}

function userClaims(id) {
  const user = findUser(id);
  if (!user) return undefined;
  return { sub: id, ...(user.claims ?? {}) };
}

async function findAccount(ctx, id) {
  const claims = userClaims(id);
  if (!claims) return undefined;
  return {
    accountId: id,
    async claims() {
      return { ...claims };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// oidc-provider configuration
// ---------------------------------------------------------------------------------------------

const sharedAdapter = createMemoryAdapter(0);
const cookieKeys = config.cookie_keys ?? [crypto.randomBytes(32).toString('base64url')];

function resourceServerInfo() {
  return {
    scope: resourceCfg.scopes.join(' '),
    audience: resourceCfg.audience,
    accessTokenFormat: 'jwt',
    accessTokenTTL: resourceCfg.access_token_ttl,
    jwt: { sign: { alg: 'RS256' } },
  };
}

const allScopes = [
  'openid', 'offline_access',
  ...Object.keys(claimsByScope).filter((s) => s !== 'openid'),
  ...resourceCfg.scopes,
];

function acrForToken(ctx, token) {
  const source = ctx?.oidc?.entities?.AuthorizationCode ?? ctx?.oidc?.entities?.RefreshToken;
  if (source?.acr) return source.acr;
  const user = findUser(token.accountId);
  return user?.acr;
}

function buildOidcConfiguration() {
  return {
    adapter: sharedAdapter,
    clients: config.clients ?? [],
    jwks: currentJwks(),
    cookies: { keys: cookieKeys },
    findAccount,
    claims: { sid: null, iss: null, ...claimsByScope },
    scopes: allScopes,
    acrValues,
    conformIdTokenClaims: false, // scope-requested claims also go into the ID token
    // Like most enterprise IdPs: a refresh token whenever the client may use the grant
    // (oidc-provider's default wants scope offline_access together with prompt=consent).
    async issueRefreshToken(ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },
    pkce: { required: () => true }, // oidc-provider 9 only implements S256
    responseTypes: ['code'],
    features: {
      devInteractions: { enabled: false }, // own minimal login page below (documented)
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Logout</title></head><body>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Abmelden</button>
<button type="submit" form="op.logoutForm">Angemeldet bleiben</button>
</body></html>`;
        },
      },
      resourceIndicators: {
        enabled: true,
        async defaultResource(ctx, client, oneOf) {
          if (oneOf) return oneOf;
          return resourceCfg.indicator;
        },
        async useGrantedResource() {
          return Boolean(resourceCfg.use_granted_resource);
        },
        async getResourceServerInfo(ctx, indicator) {
          if (indicator !== resourceCfg.indicator) {
            throw new Provider.errors.InvalidTarget(`unknown resource ${indicator}`);
          }
          return resourceServerInfo();
        },
      },
    },
    async extraTokenClaims(ctx, token) {
      if (token.kind === 'ClientCredentials') {
        const clientClaims = config.client_claims?.[token.clientId];
        return clientClaims ? { ...clientClaims } : undefined;
      }
      if (!token.accountId) return undefined;
      const claims = userClaims(token.accountId) ?? {};
      const extra = {};
      for (const name of accessTokenClaims) {
        if (claims[name] !== undefined) extra[name] = claims[name];
      }
      const acr = acrForToken(ctx, token);
      if (acr) extra.acr = acr;
      return extra;
    },
    async loadExistingGrant(ctx) {
      const { client, session } = ctx.oidc;
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
      let grant;
      if (grantId) grant = await ctx.oidc.provider.Grant.find(grantId);
      if (!autoConsentClients.has(client.clientId) || !session.accountId) return grant;
      // First-party client: consent is implied; grant whatever was requested.
      if (!grant || grant.accountId !== session.accountId) {
        grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      }
      const oidcScopes = [...ctx.oidc.requestParamOIDCScopes];
      if (oidcScopes.length) grant.addOIDCScope(oidcScopes.join(' '));
      const claims = [...ctx.oidc.requestParamClaims];
      if (claims.length) grant.addOIDCClaims(claims);
      for (const [indicator, rs] of Object.entries(ctx.oidc.resourceServers ?? {})) {
        const requested = [...ctx.oidc.requestParamScopes].filter((s) => rs.scopes.has(s));
        grant.addResourceScope(indicator, requested.join(' '));
      }
      await grant.save();
      return grant;
    },
    interactions: {
      url(ctx, interaction) {
        return `/interaction/${interaction.uid}`;
      },
    },
    ttl: {
      AccessToken: resourceCfg.access_token_ttl,
      ClientCredentials: resourceCfg.access_token_ttl,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      ...(config.ttl ?? {}),
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>oops</title></head><body>
<h1 id="error">${escapeHtml(out.error)}</h1><p id="error_description">${escapeHtml(out.error_description ?? '')}</p></body></html>`;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Provider instances: rotation builds a fresh Provider with the new JWKS. Storage (sessions,
// grants, codes, refresh tokens) lives in the shared memory adapter and the cookie keys are
// fixed, so everything in flight survives a rotation.
// ---------------------------------------------------------------------------------------------

let issuer;
let provider;
let providerCallback;

function buildProvider() {
  const p = new Provider(issuer, buildOidcConfiguration());
  p.proxy = false;
  if (process.env.OIDC_DEBUG) {
    p.on('server_error', (ctx, err) => console.error('server_error', err));
    p.on('grant.error', (ctx, err) => console.error('grant.error', err));
    p.on('authorization.error', (ctx, err) => console.error('authorization.error', err));
  }
  p.on('server_error', (ctx, err) => console.error('oidc-provider server_error:', err));
  return p;
}

function installProvider() {
  provider = buildProvider();
  providerCallback = provider.callback();
}

function rotate({ keepPrevious = true } = {}) {
  const previous = keyState.pool[keyState.signing];
  keyState.signing += 1;
  if (keyState.signing >= keyState.pool.length) keyState.pool.push(generateRsaJwk());
  const next = keyState.pool[keyState.signing];
  keyState.published = keepPrevious ? [next.kid, previous.kid] : [next.kid];
  installProvider();
  return adminState();
}

function setKeys(keys) {
  const normalized = keys.map(normalizeKey);
  if (!normalized.length) throw new Error('keys must not be empty');
  for (const key of normalized) {
    if (!keyState.pool.some((k) => k.kid === key.kid)) keyState.pool.push(key);
  }
  keyState.signing = keyState.pool.findIndex((k) => k.kid === normalized[0].kid);
  keyState.published = normalized.map((k) => k.kid);
  installProvider();
  return adminState();
}

function adminState() {
  return {
    issuer,
    signing_kid: keyState.pool[keyState.signing].kid,
    published_kids: [...keyState.published],
  };
}

// ---------------------------------------------------------------------------------------------
// Interaction pages (login, consent). Plain HTML forms, documented in README.md.
// ---------------------------------------------------------------------------------------------

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  }[c]));
}

function page(res, status, title, body) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`);
}

function loginForm(uid, details, error) {
  const hint = details.params.login_hint ? escapeHtml(details.params.login_hint) : '';
  return `<h1>Anmeldung</h1>
<p id="prompt" data-reasons="${escapeHtml(details.prompt.reasons.join(' '))}"></p>
${error ? `<p id="error">${escapeHtml(error)}</p>` : ''}
<form id="login" method="post" action="/interaction/${escapeHtml(uid)}/login">
<input type="text" name="login" value="${hint}" autofocus>
<input type="password" name="password">
<button type="submit">Anmelden</button>
</form>
<form id="abort" method="post" action="/interaction/${escapeHtml(uid)}/abort"><button type="submit">Abbrechen</button></form>`;
}

function consentForm(uid, details) {
  return `<h1>Zustimmung</h1>
<p>Client <code id="client_id">${escapeHtml(details.params.client_id)}</code> fragt: <code id="scope">${escapeHtml(details.params.scope ?? '')}</code></p>
<form id="consent" method="post" action="/interaction/${escapeHtml(uid)}/confirm"><button type="submit">Zustimmen</button></form>
<form id="abort" method="post" action="/interaction/${escapeHtml(uid)}/abort"><button type="submit">Ablehnen</button></form>`;
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 256 * 1024) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readForm(req) {
  return new URLSearchParams(await readBody(req));
}

async function readJson(req) {
  const raw = await readBody(req);
  return raw.trim() ? JSON.parse(raw) : {};
}

async function consentResult(details) {
  const { prompt: { details: missing }, params, session } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  return { consent: { grantId: await grant.save() } };
}

async function handleInteraction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    page(res, 400, 'Fehler', '<p id="error">interaction mismatch</p>');
    return;
  }
  const prompt = details.prompt.name;

  if (req.method === 'GET' && !action) {
    if (prompt === 'login') {
      page(res, 200, 'Anmeldung', loginForm(uid, details));
    } else if (prompt === 'consent') {
      page(res, 200, 'Zustimmung', consentForm(uid, details));
    } else {
      page(res, 400, 'Fehler', `<p id="error">unsupported prompt ${escapeHtml(prompt)}</p>`);
    }
    return;
  }
  if (req.method !== 'POST') {
    page(res, 405, 'Fehler', '<p id="error">method not allowed</p>');
    return;
  }
  const form = await readForm(req);

  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
    return;
  }
  if (action === 'login' && prompt === 'login') {
    const user = findUser(form.get('login'));
    const expected = user?.password ?? user?.id; // no password configured: password = login
    if (!user || form.get('password') !== expected) {
      page(res, 200, 'Anmeldung', loginForm(uid, details, 'Anmeldung fehlgeschlagen'));
      return;
    }
    await provider.interactionFinished(req, res, {
      login: { accountId: user.id, acr: user.acr ?? acrValues[0], amr: ['pwd'] },
    }, { mergeWithLastSubmission: false });
    return;
  }
  if (action === 'confirm' && prompt === 'consent') {
    await provider.interactionFinished(req, res, await consentResult(details), {
      mergeWithLastSubmission: true,
    });
    return;
  }
  page(res, 400, 'Fehler', `<p id="error">unexpected ${escapeHtml(action)} for prompt ${escapeHtml(prompt)}</p>`);
}

const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?$/;

async function handle(req, res) {
  const { pathname } = new URL(req.url, issuer);
  const match = INTERACTION.exec(pathname);
  if (!match) {
    providerCallback(req, res);
    return;
  }
  try {
    await handleInteraction(req, res, match[1], match[2]);
  } catch (err) {
    if (!res.headersSent) {
      page(res, 400, 'Fehler', `<p id="error">${escapeHtml(err.name)}</p><p id="error_description">${escapeHtml(err.error_description ?? err.message)}</p>`);
    } else {
      res.end();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Admin endpoint on a separate loopback port (test control only).
// ---------------------------------------------------------------------------------------------

async function handleAdmin(req, res) {
  const reply = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  try {
    const { pathname } = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'GET' && pathname === '/state') {
      reply(200, adminState());
    } else if (req.method === 'POST' && pathname === '/rotate') {
      const body = await readJson(req);
      reply(200, rotate({ keepPrevious: body.keep_previous !== false }));
    } else if (req.method === 'PUT' && pathname === '/jwks') {
      const body = await readJson(req);
      reply(200, setKeys(body.keys ?? []));
    } else {
      reply(404, { error: 'not_found' });
    }
  } catch (err) {
    reply(400, { error: 'bad_request', message: err.message });
  }
}

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server.address().port));
  });
}

const server = http.createServer((req, res) => { handle(req, res); });
const port = await listen(server, requestedPort);
issuer = config.issuer ?? `http://127.0.0.1:${port}`;
installProvider();

let adminUrl = null;
if (adminPortArg !== undefined && adminPortArg !== null && adminPortArg !== '' && adminPortArg !== 'off') {
  const adminServer = http.createServer((req, res) => { handleAdmin(req, res); });
  const adminPort = await listen(adminServer, Number(adminPortArg));
  adminUrl = `http://127.0.0.1:${adminPort}`;
}

process.on('SIGUSR2', () => {
  const state = rotate();
  process.stdout.write(`${JSON.stringify({ event: 'rotated', ...state })}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}

process.stdout.write(`${JSON.stringify({
  event: 'ready', issuer, admin: adminUrl, kid: keyState.pool[keyState.signing].kid,
})}\n`);
