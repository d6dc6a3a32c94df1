// The upstream leg (issue 13, item 2): campus-sso as a relying party of an upstream provider, by openid-client —
// authorization code with PKCE, `state` and (OpenID Connect) `nonce`; the ID token's issuer, audience, expiry and nonce
// checked by openid-client, its signature by jose (the upstream's published keys, or our secret for HS256). Facebook speaks plain OAuth 2: its dialog, its token endpoint and the
// Graph `me` endpoint. The leg's state is kept server-side (one use, 10 minutes) and bound to the browser that
// started it; what comes back is the upstream account, or why there is none.
import crypto from 'node:crypto';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { z } from 'zod';
import { isToken, type OneUseKind, type OneUseStore, randomToken } from '../../platform/one-use.ts';
import type { UpstreamAccount } from './links.ts';
import type { Upstream, Upstreams } from './upstreams.ts';

const FACEBOOK = {
  authorization_endpoint: 'https://www.facebook.com/v21.0/dialog/oauth',
  token_endpoint: 'https://graph.facebook.com/v21.0/oauth/access_token',
  userinfo_endpoint: 'https://graph.facebook.com/v21.0/me',
};

const LegState = z.object({
  upstream: z.string(),
  state: z.string(),
  nonce: z.string().optional(),
  verifier: z.string(),
  /** Signing in (to an interaction), or linking from the account portal (for this person). */
  purpose: z.enum(['sign-in', 'link']),
  interaction: z.string().optional(),
  personId: z.string().optional(),
  /** The browser that started the leg (its cookie); a callback from any other browser is refused. */
  browser: z.string(),
  /** The app's max_age, passed on: the upstream's auth_time is checked against it. */
  maxAge: z.number().int().nonnegative().optional(),
  /**
   * Linking: the upstream was asked to sign the person in again (prompt=login, max_age=0); its auth_time must be no
   * earlier than this (seconds since 1970, when the leg began), else whoever was still signed in there is refused.
   */
  freshSince: z.number().int().nonnegative().optional(),
});
export type LegState = z.infer<typeof LegState>;

/** Why an upstream leg gave no account: each gets its own clear page or message. */
export type LegFailure =
  /** No such leg (replayed, foreign, expired, or from another browser). */
  | 'state'
  /** The person pressed cancel (or declined) at the upstream. */
  | 'cancelled'
  /** The upstream answered with an error of its own. */
  | 'upstream_error'
  /** The upstream did not answer in time, or not at all, or said it cannot for now (temporarily_unavailable, server_error). */
  | 'unavailable'
  /** The answer did not hold up: a code for another client, an ID token for another audience or nonce. */
  | 'invalid'
  /** The upstream is not (or no longer) offered. */
  | 'disabled';

export type Begun = { ok: true; url: string; browser: string } | { ok: false; reason: 'disabled' | 'unavailable' };
export type Finished =
  | { ok: true; leg: LegState; account: UpstreamAccount }
  | { ok: false; reason: LegFailure; leg?: LegState; detail?: string };

const CACHE_MS = 10 * 60_000;
/** Clocks of ours and the upstream's may differ this much (seconds) when auth_time is compared with a leg's start. */
const CLOCK_SKEW_SECONDS = 30;

/** The upstream's answer `error=…`: the person cancelled, the upstream is busy or broken for now, or anything else. */
function failureOf(error: string): LegFailure {
  if (error === 'access_denied') return 'cancelled';
  if (error === 'temporarily_unavailable' || error === 'server_error') return 'unavailable';
  return 'upstream_error';
}

/** Network trouble (refused, reset, timed out, a 5xx) rather than an answer that failed a check. */
function unreachable(err: unknown): boolean {
  for (let e = err as { name?: string; code?: string; status?: number; cause?: unknown } | undefined; e; ) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
    if (typeof e.code === 'string' && /^(ECONN|ENOTFOUND|EAI_|ETIMEDOUT|UND_ERR|EHOSTUNREACH)/.test(e.code))
      return true;
    if (e.name === 'TypeError' && (e as { message?: string }).message === 'fetch failed') return true;
    if (typeof e.status === 'number' && e.status >= 500) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** What may be logged of a failure: the error's name and library code, never tokens or personal data. */
const describe = (err: unknown) => {
  const e = err as { name?: string; code?: string; error?: string };
  return [e.name, e.code, e.error].filter(Boolean).join(' ');
};

export class UpstreamLeg {
  readonly #upstreams: Upstreams;
  readonly #issuer: string;
  readonly #timeoutSeconds: number;
  readonly #states: OneUseKind<LegState>;
  readonly #configs = new Map<string, { config: oidc.Configuration; fingerprint: string; at: number }>();
  /** Each upstream's published keys, fetched when first needed and again for a key id not seen before. */
  readonly #keys = new Map<string, ReturnType<typeof jose.createRemoteJWKSet>>();

  constructor(deps: { upstreams: Upstreams; oneUse: OneUseStore; issuer: string; timeoutSeconds: number }) {
    this.#upstreams = deps.upstreams;
    this.#issuer = deps.issuer;
    this.#timeoutSeconds = deps.timeoutSeconds;
    this.#states = deps.oneUse.kind({ name: 'federation-leg', schema: LegState, ttlSeconds: 10 * 60 });
  }

  /** The redirect URI registered at the upstream. */
  redirectUri(id: string): string {
    return `${this.#issuer}/federation/${id}/callback`;
  }

  /** The upstream's endpoints and our client there: discovered (OpenID Connect) or given (Facebook), kept 10 minutes. */
  async #config(upstream: Upstream): Promise<oidc.Configuration> {
    const secret = (await this.#upstreams.secret(upstream.id)) ?? '';
    const fingerprint = crypto
      .createHash('sha256')
      .update(JSON.stringify([upstream.kind, upstream.issuer, upstream.clientId, upstream.endpoints, secret]))
      .digest('base64url');
    const cached = this.#configs.get(upstream.id);
    if (cached && cached.fingerprint === fingerprint && Date.now() - cached.at < CACHE_MS) return cached.config;
    const insecure = new URL(upstream.issuer).protocol === 'http:';
    let config: oidc.Configuration;
    if (upstream.kind === 'facebook') {
      config = new oidc.Configuration(
        { issuer: upstream.issuer, ...FACEBOOK, ...upstream.endpoints },
        upstream.clientId,
        secret,
        oidc.ClientSecretPost(secret),
      );
      if (insecure || Object.values(upstream.endpoints ?? {}).some((u) => u.startsWith('http:')))
        oidc.allowInsecureRequests(config);
    } else {
      config = await oidc.discovery(new URL(upstream.issuer), upstream.clientId, secret, undefined, {
        timeout: this.#timeoutSeconds,
        execute: insecure ? [oidc.allowInsecureRequests] : [],
      });
      // The way the upstream takes our secret: HTTP Basic where offered (the default of RFC 6749), else in the body.
      // ID tokens may also come signed with our client secret (HS256, OpenID Connect Core §10.1): LINE's web login
      // does so although its discovery document lists ES256 only. The signature is checked below either way.
      const { supportsPKCE: _helper, ...discovered } = config.serverMetadata();
      const algorithms = discovered.id_token_signing_alg_values_supported ?? ['RS256'];
      const metadata: oidc.ServerMetadata = {
        ...discovered,
        id_token_signing_alg_values_supported: [...algorithms, 'HS256'],
      };
      const methods = metadata.token_endpoint_auth_methods_supported;
      const post = methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post');
      config = new oidc.Configuration(
        metadata,
        upstream.clientId,
        secret,
        post ? oidc.ClientSecretPost() : oidc.ClientSecretBasic(),
      );
      if (insecure) oidc.allowInsecureRequests(config);
    }
    config.timeout = this.#timeoutSeconds;
    this.#configs.set(upstream.id, { config, fingerprint, at: Date.now() });
    return config;
  }

  /**
   * Starts a leg: the upstream's authorization URL to send the browser to, and the browser's binding (kept in its
   * cookie; the one it already holds is reused so that two tabs may each start one).
   *
   * Linking always asks the upstream to sign the person in again (OpenID Connect: prompt=login and max_age=0, which
   * obliges the upstream to say auth_time, checked against the leg's start; Facebook: auth_type=reauthenticate): on
   * a shared computer, someone else's upstream account still signed in must not be linked to this account. An app's
   * prompt=login is passed on the same way.
   */
  async begin(
    id: string,
    purpose: LegState['purpose'],
    opts: {
      interaction?: string;
      personId?: string;
      browser?: string;
      locale?: string;
      /**
       * The app asked for a fresh sign-in (prompt=login) or one at most max_age seconds old (OpenID Connect Core
       * §3.1.2.1): passed on to an OpenID upstream, whose auth_time is then checked.
       */
      reauthenticate?: { login: boolean; maxAge?: number };
    },
  ): Promise<Begun> {
    const upstream = await this.#upstreams.find(id);
    if (!upstream?.enabled) return { ok: false, reason: 'disabled' };
    let config: oidc.Configuration;
    try {
      config = await this.#config(upstream);
    } catch {
      this.#configs.delete(id);
      return { ok: false, reason: 'unavailable' };
    }
    const browser = isToken(opts.browser) ? opts.browser : randomToken();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = upstream.kind === 'oidc' ? oidc.randomNonce() : undefined;
    // Linking, or an app that asked for a fresh sign-in (prompt=login): the upstream must sign the person in again,
    // after this leg's start (its auth_time is checked against that, however long the person takes at the upstream).
    const fresh = purpose === 'link' || opts.reauthenticate?.login === true;
    const freshSince = fresh && upstream.kind === 'oidc' ? Math.floor(Date.now() / 1000) : undefined;
    await this.#states.save(state, {
      upstream: id,
      state,
      nonce,
      verifier,
      purpose,
      interaction: opts.interaction,
      personId: opts.personId,
      browser,
      maxAge: upstream.kind === 'oidc' && !fresh ? opts.reauthenticate?.maxAge : undefined,
      freshSince,
    });
    const again = upstream.kind !== 'oidc' ? undefined : fresh ? { login: true, maxAge: 0 } : opts.reauthenticate;
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri(id),
      scope: upstream.scope,
      response_type: 'code',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...(nonce ? { nonce } : {}),
      ...(opts.locale && upstream.kind === 'oidc' ? { ui_locales: opts.locale } : {}),
      ...(again?.login ? { prompt: 'login' } : {}),
      ...(again?.maxAge !== undefined ? { max_age: String(again.maxAge) } : {}),
      ...(fresh && upstream.kind === 'facebook' ? { auth_type: 'reauthenticate' } : {}),
    });
    return { ok: true, url: url.href, browser };
  }

  /** Ends a leg with the upstream's answer (the callback's query) in the browser holding `browser`. */
  async finish(id: string, query: URLSearchParams, browser: string | undefined): Promise<Finished> {
    const leg = await this.#states.take(query.get('state'));
    if (!leg || leg.upstream !== id || !sameToken(leg.browser, browser)) return { ok: false, reason: 'state' };
    const error = query.get('error');
    if (error) return { ok: false, reason: failureOf(error), leg };
    const upstream = await this.#upstreams.find(id);
    if (!upstream?.enabled) return { ok: false, reason: 'disabled', leg };
    try {
      const config = await this.#config(upstream);
      const callback = new URL(this.redirectUri(id));
      callback.search = query.toString();
      const account =
        upstream.kind === 'facebook'
          ? await this.#facebook(config, upstream, callback, leg)
          : await this.#openId(config, upstream, callback, leg);
      return { ok: true, leg, account };
    } catch (err) {
      this.#configs.delete(id);
      return { ok: false, reason: unreachable(err) ? 'unavailable' : 'invalid', leg, detail: describe(err) };
    }
  }

  async #openId(config: oidc.Configuration, upstream: Upstream, callback: URL, leg: LegState) {
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: leg.verifier,
      expectedState: leg.state,
      expectedNonce: leg.nonce,
      idTokenExpected: true,
      ...(leg.maxAge !== undefined ? { maxAge: leg.maxAge } : {}),
    });
    const claims = tokens.claims()!;
    await this.#checkSignature(config, upstream, tokens.id_token!);
    if (
      leg.freshSince !== undefined &&
      !(typeof claims.auth_time === 'number' && claims.auth_time >= leg.freshSince - CLOCK_SKEW_SECONDS)
    )
      throw new Error('the upstream did not sign the person in again');
    let profile: Record<string, unknown> = claims;
    // Many providers put the email and name in the userinfo answer only.
    if ((!claims.email || !claims.name) && config.serverMetadata().userinfo_endpoint && tokens.access_token) {
      profile = { ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)), ...claims };
    }
    return accountOf(upstream.id, claims.sub, profile, profile.email_verified === true);
  }

  /**
   * The ID token's signature (the library checks its claims, and would otherwise trust the TLS connection to the
   * token endpoint alone): against the upstream's published keys, or, signed with HMAC, our client secret.
   */
  async #checkSignature(config: oidc.Configuration, upstream: Upstream, idToken: string): Promise<void> {
    const { alg } = jose.decodeProtectedHeader(idToken);
    if (alg?.startsWith('HS')) {
      const secret = (await this.#upstreams.secret(upstream.id)) ?? '';
      await jose.jwtVerify(idToken, new TextEncoder().encode(secret), { algorithms: ['HS256', 'HS384', 'HS512'] });
      return;
    }
    const jwksUri = config.serverMetadata().jwks_uri;
    if (!jwksUri) throw new Error('the upstream publishes no keys');
    let keys = this.#keys.get(jwksUri);
    if (!keys) {
      keys = jose.createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: this.#timeoutSeconds * 1000 });
      this.#keys.set(jwksUri, keys);
    }
    await jose.jwtVerify(idToken, keys);
  }

  async #facebook(config: oidc.Configuration, upstream: Upstream, callback: URL, leg: LegState) {
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: leg.verifier,
      expectedState: leg.state,
    });
    const me = new URL(config.serverMetadata().userinfo_endpoint!);
    me.searchParams.set('fields', 'id,name,email');
    const response = await oidc.fetchProtectedResource(config, tokens.access_token, me, 'GET');
    if (!response.ok) throw Object.assign(new Error('graph me failed'), { status: response.status });
    const profile = (await response.json()) as Record<string, unknown>;
    if (typeof profile.id !== 'string' || !profile.id) throw new Error('graph me without id');
    // Facebook does not say whether it checked the address: it is treated as unverified (an activation mail).
    return accountOf(upstream.id, profile.id, profile, false);
  }
}

function sameToken(a: string, b: string | undefined): boolean {
  if (!b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

const text = (value: unknown, max: number) =>
  typeof value === 'string' && value.trim() ? value.trim().normalize('NFC').slice(0, max) : undefined;

function accountOf(
  provider: string,
  subject: string,
  profile: Record<string, unknown>,
  emailVerified: boolean,
): UpstreamAccount {
  const email = text(profile.email, 254)?.toLowerCase();
  const validEmail = email && z.email().safeParse(email).success ? email : undefined;
  return {
    provider,
    subject: subject.slice(0, 255),
    email: validEmail,
    emailVerified: !!validEmail && emailVerified,
    name: text(profile.name, 100),
  };
}
