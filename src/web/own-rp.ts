// Our own pages that sign people in through our own provider (the account portal, the demo) are relying parties of
// it like any other: openid-client, authorization code with PKCE, state and nonce; discovery read once and kept.
// Their calls to the provider (discovery, token, keys) never leave the machine: every URL under the issuer goes to
// this process's own listening address, as if through the TLS proxy (X-Forwarded-Proto of the issuer), so a host
// that cannot reach its own public name still signs people in.
import * as oidc from 'openid-client';

/**
 * What a relying party keeps between sending the browser to sign in and its return (in a cookie of its own); `maxAge`:
 * the sign-in asked for must be no older than this many seconds (max_age, the ID token's auth_time checked).
 */
export type RpFlow = { verifier: string; state: string; nonce: string; maxAge?: number };

export type OwnRp = {
  configuration(): Promise<oidc.Configuration>;
  /** A new flow and the authorization URL that starts it (`maxAge`: a sign-in no older than this, in seconds). */
  begin(q: {
    scope: string;
    locale: string;
    extra?: Record<string, string>;
    maxAge?: number;
  }): Promise<{ flow: RpFlow; url: URL }>;
  /**
   * Exchanges the code the browser came back with (`callbackUrl`) for tokens, checking state, nonce and PKCE, and the
   * sign-in's age (auth_time) when the flow asked for one.
   */
  complete(callbackUrl: URL, flow: RpFlow): ReturnType<typeof oidc.authorizationCodeGrant>;
};

/** A fetch that sends every URL under `issuer` to `internal` (e.g. http://127.0.0.1:3000) instead. */
export function internalFetch(issuer: string, internal: string): oidc.CustomFetch {
  const proto = new URL(issuer).protocol.slice(0, -1);
  return (url, options) => {
    if (url !== issuer && !url.startsWith(`${issuer}/`)) return fetch(url, options as RequestInit);
    const target = new URL(url);
    const headers = new Headers(options.headers);
    headers.set('x-forwarded-proto', proto);
    return fetch(`${internal}${target.pathname}${target.search}`, { ...(options as RequestInit), headers });
  };
}

export function ownRelyingParty(opts: {
  issuer: string;
  /** Where this process listens, e.g. http://127.0.0.1:3000 (see internalFetch). */
  internal: string;
  clientId: string;
  callbackPath: string;
}): OwnRp {
  const { issuer, clientId, callbackPath } = opts;
  let config: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    config ??= oidc
      .discovery(new URL(issuer), clientId, undefined, oidc.None(), {
        execute: issuer.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
        [oidc.customFetch]: internalFetch(issuer, opts.internal),
      })
      .then((c) => {
        c[oidc.customFetch] = internalFetch(issuer, opts.internal);
        return c;
      })
      .catch((err) => {
        config = undefined;
        throw err;
      });
    return config;
  };
  return {
    configuration,
    async begin({ scope, locale, extra, maxAge }) {
      const flow: RpFlow = {
        verifier: oidc.randomPKCECodeVerifier(),
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        ...(maxAge === undefined ? {} : { maxAge }),
      };
      const url = oidc.buildAuthorizationUrl(await configuration(), {
        redirect_uri: `${issuer}${callbackPath}`,
        scope,
        code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
        state: flow.state,
        nonce: flow.nonce,
        ui_locales: locale,
        ...(maxAge === undefined ? {} : { max_age: String(maxAge) }),
        ...extra,
      });
      return { flow, url };
    },
    async complete(callbackUrl, flow) {
      return oidc.authorizationCodeGrant(await configuration(), callbackUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        ...(flow.maxAge === undefined ? {} : { maxAge: flow.maxAge }),
      });
    },
  };
}
