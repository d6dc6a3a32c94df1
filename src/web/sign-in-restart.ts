// The way on from a sign-in that can no longer go on (Back after it finished, an interaction that expired, a form
// that went stale): each sign-in page remembers, in a signed cookie, how the app asked for it. The error page then
// offers to start that same sign-in again, or to go back to the app with a proper OpenID error (access_denied).
import type { Context } from 'koa';
import { z } from 'zod';
import { jsonCookie } from './cookies.ts';

const Restart = z.object({
  /** The authorization request's parameters, as a query string (none when it cannot be repeated: PAR, request). */
  auth: z.string().max(2500).optional(),
  /** Where the app takes answers (already checked by the provider against the client's registration), and its state. */
  redirectUri: z.string().max(1000).optional(),
  state: z.string().max(500).optional(),
  client: z.string().max(200),
  /** The app's client_id (cookies written before it was kept have none). */
  clientId: z.string().max(200).optional(),
  /** The app's own ways in, when registered: where it starts a sign-in (OpenID third-party login), its home page. */
  initiateLoginUri: z.string().max(1000).optional(),
  clientUri: z.string().max(1000).optional(),
  /** The person finished this sign-in (a page met afterwards is one gone Back to): the app is the way on. */
  done: z.boolean().optional(),
});
export type Restart = z.infer<typeof Restart>;

/** Only web addresses are offered as links (never `javascript:` or the like, whatever a registration holds). */
const webUrl = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
};

const cookie = jsonCookie({ name: 'signin_restart', schema: Restart, maxAgeSeconds: 3600, maxLength: 4000 });

/** Remembers how this sign-in was asked for (the sign-in pages call it). */
export function rememberSignIn(
  ctx: Context,
  params: Record<string, unknown>,
  client: { name: string; initiateLoginUri?: string; clientUri?: string },
): void {
  const repeatable = !params.request_uri && !params.request;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (typeof value === 'string') query.set(key, value);
  const queryMode = (params.response_mode ?? 'query') === 'query' && params.response_type === 'code';
  cookie.write(ctx, {
    auth: repeatable ? query.toString() : undefined,
    redirectUri: queryMode ? webUrl(params.redirect_uri) : undefined,
    state: typeof params.state === 'string' ? params.state : undefined,
    client: client.name.slice(0, 200),
    clientId: typeof params.client_id === 'string' ? params.client_id.slice(0, 200) : undefined,
    initiateLoginUri: webUrl(client.initiateLoginUri),
    clientUri: webUrl(client.clientUri),
  });
}

/** Marks this browser's sign-in finished (the sign-in pages call it as they hand the person back to the app). */
export function signInFinished(ctx: Context): void {
  const restart = cookie.read(ctx);
  if (restart && !restart.done) cookie.write(ctx, { ...restart, done: true });
}

export type WayOn = { href: string; label: string; labelVars?: Record<string, string>; secondary?: boolean };

/** The app of the sign-in this browser last finished, when the page met is one of it gone Back to (or reloaded). */
export function finishedSignIn(ctx: Context): { client: string; clientId?: string } | undefined {
  const restart = cookie.read(ctx);
  return restart?.done ? { client: restart.client, clientId: restart.clientId } : undefined;
}

/** The sign-in's ways on, if this browser was in one: start it again, or go back to the app declining. */
export function signInWaysOn(ctx: Context): WayOn[] {
  // The issuer as configured (app.ts): never a request's Origin or Host header.
  const issuer = String(ctx.state.issuer);
  const restart = cookie.read(ctx);
  if (!restart) return [];
  const labelVars = { client: restart.client };
  // Gone Back to (or reloading) a sign-in that already finished: the person signed in to the app, and the app is the
  // way on — its home page, or where it starts a sign-in (which, signed in here, passes straight through). Never
  // "start again" (the same request once more would reuse the app's used state) nor "do not sign in" (they did).
  if (restart.done) {
    if (restart.clientUri) return [{ href: restart.clientUri, label: 'error.toClient', labelVars }];
    if (restart.initiateLoginUri) {
      const start = new URL(restart.initiateLoginUri);
      start.searchParams.set('iss', issuer);
      return [{ href: start.href, label: 'error.toClient', labelVars }];
    }
    return [];
  }
  const ways: WayOn[] = [];
  // Starting again: through the app when it says how (it makes a fresh request), else the same request once more.
  if (restart.initiateLoginUri) {
    const start = new URL(restart.initiateLoginUri);
    start.searchParams.set('iss', issuer);
    ways.push({ href: start.href, label: 'error.restart', labelVars });
  } else if (restart.auth) ways.push({ href: `/auth?${restart.auth}`, label: 'error.restart', labelVars });
  if (restart.clientUri) {
    ways.push({ href: restart.clientUri, label: 'error.backToClient', labelVars, secondary: ways.length > 0 });
  } else if (restart.redirectUri) {
    const back = new URL(restart.redirectUri);
    back.searchParams.set('error', 'access_denied');
    back.searchParams.set('error_description', 'the sign-in was not completed');
    if (restart.state) back.searchParams.set('state', restart.state);
    back.searchParams.set('iss', issuer);
    ways.push({ href: back.href, label: 'error.backToClient', labelVars, secondary: ways.length > 0 });
  }
  return ways;
}
