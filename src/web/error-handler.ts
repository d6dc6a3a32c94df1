// The outer handler: expected errors get their translated page or JSON; anything else a generic 500.
import type { Context, Middleware, ParameterizedContext } from 'koa';
import { chooseLocale, translator } from '../platform/i18n/index.ts';
import type { Logger } from '../platform/log.ts';
import { isStoreUnavailable, RETRY_AFTER_SECONDS } from '../platform/storage/unavailable.ts';
import { LimitReached } from '../platform/throttle.ts';
import { AppError } from './errors.ts';
import { pageNear, type RenderContext, renderPage } from './render.ts';
import { finishedSignIn, signInWaysOn, type WayOn } from './sign-in-restart.ts';

/** A heading that says what happened, where there is one better than "something went wrong". */
const HEADINGS: Record<string, string> = {
  session_not_found: 'error.sessionTitle',
  csrf: 'error.csrfTitle',
  unavailable: 'error.unavailableTitle',
  too_many: 'error.tooManyTitle',
  file_too_large: 'error.fileTooLargeTitle',
  not_found: 'error.notFoundTitle',
  sign_in_method_not_allowed: 'error.signInRequestTitle',
  sign_out_method_not_allowed: 'error.signOutMethodTitle',
  sign_out_method_signed_out: 'error.signedOutTitle',
};

/**
 * The page's own name for an error where one code has two pages: a sign-out sent by POST (app.ts) to a browser that
 * is not signed in (`ctx.state.signedOut`) has nothing left to do, and says so (JSON keeps the code).
 */
const pageCode = (ctx: ParameterizedContext, code: string): string =>
  code === 'sign_out_method_not_allowed' && ctx.state.signedOut === true ? 'sign_out_method_signed_out' : code;

/** The areas of our pages with a start page of their own (their first segment), and the words naming them. */
const AREAS = new Map(
  ['admin', 'school', 'developers', 'account'].map((area) => [
    area,
    { href: `/${area}`, label: `error.areaStart.${area}` },
  ]),
);

const firstSegmentOf = (path: string) => (path.split('/', 2)[1] ?? '').toLowerCase();

/**
 * The clear way on from an error page: a stale form is opened again; a sign-in that ended is started again for the
 * same app (or left, back to the app); a page not found in an area (the bureau console, …): the area's start page,
 * then the home page; otherwise the home page.
 */
function waysOn(ctx: ParameterizedContext, code: string): WayOn[] {
  const ways: WayOn[] = [];
  // A stale form, or a file too large for an upload form: open its page again — the form's own address when a GET of
  // it draws the form (an upload's page), else the page above it that the form was on (`POST /admin/people/7/lock` →
  // `/admin/people/7`), never an address that is not a page (render.ts pageNear).
  if ((code === 'csrf' || code === 'file_too_large') && ctx.method === 'POST') {
    const page = ctx.hasPage ? pageNear(ctx) : ctx.path;
    if (page) ways.push({ href: page === ctx.path ? ctx.originalUrl : page, label: 'error.formAgain' });
  }
  if (code === 'session_not_found' || code === 'csrf' || ctx.path.startsWith('/interaction/'))
    ways.push(...signInWaysOn(ctx as Context).map((w) => ({ ...w, secondary: ways.length > 0 || w.secondary })));
  // A sign-out the app sent by POST (app.ts): signing out here is the way on.
  if (code === 'sign_out_method_not_allowed')
    ways.push(
      { href: '/session/end', label: 'error.signOutHere' },
      { href: '/', label: 'error.home', secondary: true },
    );
  // Not found in one of the areas with a start page of their own: that page first (it leads to all the area's pages),
  // then the home page.
  const area = code === 'not_found' ? AREAS.get(firstSegmentOf(ctx.path)) : undefined;
  if (area && !ways.length)
    ways.push({ href: area.href, label: area.label }, { href: '/', label: 'error.home', secondary: true });
  if (!ways.length) ways.push({ href: '/', label: 'error.home' });
  return ways;
}

const MESSAGES: Record<string, string> = {
  csrf: 'error.csrf',
  not_found: 'error.notFound',
  too_large: 'error.tooLarge',
  file_too_large: 'error.fileTooLarge',
  session_not_found: 'error.session',
  bad_characters: 'error.badCharacters',
  unavailable: 'error.unavailable',
  https_required: 'error.httpsRequired',
  too_many: 'error.tooMany',
  unsupported_encoding: 'error.unsupportedBody',
  unsupported_media_type: 'error.unsupportedBody',
  sign_in_method_not_allowed: 'error.signInMethod',
  sign_out_method_not_allowed: 'error.signOutMethod',
  // The app's request was wrong, but this browser is signed out already: nothing more to do.
  sign_out_method_signed_out: 'error.signOutRequestSignedOut',
};

function classify(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isStoreUnavailable(err)) return new AppError('unavailable', 503);
  if (err instanceof LimitReached) return new AppError('too_many', 429);
  const status = (err as { status?: number }).status;
  if (status === 413) return new AppError('too_large', 413);
  if (status === 400 || status === 415) return new AppError('invalid_request', status);
  return new AppError('server_error', 500, { expose: false });
}

export function errorHandler(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('not_found', 404);
    } catch (err) {
      renderError(ctx, err, log);
    }
  };
}

/** The first eight characters of a request id: short enough to read out, and with the time and the page enough to
 *  find one request among a day's. */
const helpDeskCode = (requestId: unknown): string | undefined =>
  typeof requestId === 'string' && requestId ? requestId.slice(0, 8) : undefined;

/** Answers `err` with its translated page (or JSON for API and JSON callers), logging what is ours to fix. */
export function renderError(ctx: ParameterizedContext, err: unknown, log: Logger): void {
  const appError = classify(err);
  if (err instanceof LimitReached) ctx.set('Retry-After', String(err.limit.windowSeconds));
  if (appError.code === 'unavailable') {
    ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
    log.warn({ err: (err as Error).message, reqId: ctx.state.requestId }, 'storage unavailable');
  } else if (appError.status >= 500) log.error({ err, reqId: ctx.state.requestId }, 'unhandled error');
  const t = translator(chooseLocale(ctx));
  let message = t(MESSAGES[appError.code] ?? (appError.status >= 500 ? 'error.generic' : 'error.badRequest'));
  if (ctx.path.startsWith('/api/') || ctx.accepts('html', 'json') === 'json') {
    ctx.status = appError.status;
    ctx.body = { error: appError.code, error_description: message };
  } else {
    const code = pageCode(ctx, appError.code);
    if (code !== appError.code) message = t(MESSAGES[code]!);
    let heading = t(HEADINGS[code] ?? 'error.title');
    let ways = waysOn(ctx, code);
    // An ended sign-in this browser cannot start again (it began in another browser, or long ago): no "button below".
    if (appError.code === 'session_not_found' && !ways.some((w) => w.href !== '/')) message = t('error.sessionNoWay');
    // A page of a sign-in this browser already finished (Back, reload, its form sent again): say it is done.
    const finished =
      ENDED_SIGN_IN.has(appError.code) && ctx.path.startsWith('/interaction/') ? finishedTexts(ctx) : undefined;
    if (finished) {
      heading = t(finished.heading);
      message = t(finished.message, finished.messageVars);
      ways = finished.ways;
    }
    renderPage(
      ctx,
      'error',
      {
        pageTitle: heading,
        heading,
        message,
        ways,
        notice: !!finished?.notice,
        // For the help desk: the start of the request id, which finds the request in the logs (its line there has the
        // path and the status). Not the error's name: the page says what happened in words, and a person may have to
        // read the code out on the phone.
        code: helpDeskCode(ctx.state.requestId),
      },
      appError.status,
    );
  }
}

/**
 * What each error oidc-provider 9 can answer a browser with (its lib/helpers/errors.js, and the prompt checks'
 * `login_required`, `consent_required`, `interaction_required`, `account_selection_required`) means to the person who
 * sees it: the app asked for a sign-in this service cannot do (`signInRequest`: going back to the app is the way on),
 * a one-use or short-lived sign-in link that is used up or too old (`linkEnded`: trying the same again never helps),
 * a sign-in the person declined, or our own trouble (`server`: the one where "try again later" is true). Errors of the
 * sign-out pages say so, whatever their code (renderProviderError). A code not listed: `server` for a 5xx, else
 * `signInRequest`.
 */
export const PROVIDER_ERROR_FAMILIES: Record<string, 'signInRequest' | 'linkEnded' | 'declined' | 'server'> = {
  // Used up or too old: a pushed request's request_uri (reloaded, Back, or late), codes and tokens, device codes.
  invalid_request_uri: 'linkEnded',
  expired_token: 'linkEnded',
  expired_login_hint_token: 'linkEnded',
  invalid_grant: 'linkEnded',
  invalid_user_code: 'linkEnded',
  transaction_failed: 'linkEnded',
  access_denied: 'declined',
  server_error: 'server',
  temporarily_unavailable: 'server',
  ...Object.fromEntries(
    [
      'invalid_request',
      'invalid_request_object',
      'invalid_client',
      'invalid_client_metadata',
      'invalid_client_attestation',
      'invalid_redirect_uri',
      'invalid_scope',
      'insufficient_scope',
      'invalid_token',
      'invalid_target',
      'invalid_authorization_details',
      'invalid_binding_message',
      'invalid_nonce',
      'invalid_dpop_proof',
      'use_dpop_nonce',
      'invalid_proof',
      'invalid_credential_request',
      'invalid_software_statement',
      'unapproved_software_statement',
      'unauthorized_client',
      'unknown_user_id',
      'unknown_credential_configuration',
      'unknown_credential_identifier',
      'credential_request_denied',
      'unmet_authentication_requirements',
      'unsupported_grant_type',
      'unsupported_response_mode',
      'unsupported_response_type',
      'unsupported_token_type',
      'request_not_supported',
      'request_uri_not_supported',
      'registration_not_supported',
      'authorization_pending',
      'slow_down',
      'missing_user_code',
      'use_attestation_challenge',
      'use_fresh_attestation',
      'login_required',
      'consent_required',
      'interaction_required',
      'account_selection_required',
    ].map((code) => [code, 'signInRequest' as const]),
  ),
};

const FAMILY_TEXTS = {
  signInRequest: { heading: 'error.signInRequestTitle', message: 'error.signInRequest' },
  linkEnded: { heading: 'error.linkEndedTitle', message: 'error.linkEnded' },
  declined: { heading: 'error.declinedTitle', message: 'error.declined' },
  server: { heading: 'error.title', message: 'error.generic' },
};

/** A sign-in request error with words of its own (the app is unknown; its return address is not the registered one). */
const SIGN_IN_REQUEST_MESSAGES: Record<string, string> = {
  invalid_client: 'error.unknownApp',
  invalid_redirect_uri: 'error.wrongReturnAddress',
};

/** Where an oidc-provider error was met, as provider-pages.ts tells it. */
export type ProviderErrorPlace = {
  /** Resuming a sign-in (`/auth/:uid`): it is gone (Back after it finished, or too late). */
  resuming?: boolean;
  /** A used sign-in link of the sign-in this browser just finished (Back after a pushed request): it is done. */
  finished?: boolean;
  /**
   * A sign-out page: whether this browser is still signed in, and whether it was our own sign-out question's form
   * (stale, or sent twice) rather than the app's sign-out request; `again`: the address to sign out here (the sign-out
   * page in the language the sign-out started in), /session/end when not given.
   */
  signOut?: { signedIn: boolean; form: boolean; again?: string };
  /** The app's own ways in, as registered (start again through it, its home page); none when it is unknown. */
  appWays?: WayOn[];
};

const HOME: WayOn = { href: '/', label: 'error.home' };

/** The errors a sign-in page meets when its sign-in is over: gone, or its form's token no longer good. */
const ENDED_SIGN_IN = new Set(['session_not_found', 'csrf']);

/**
 * The words and ways on for a page of a sign-in this browser already finished (gone Back to, reloaded): the person is
 * signed in to the app, so not "start again, nothing is lost" but "done", with the app as the way on.
 */
function finishedTexts(ctx: ParameterizedContext): ErrorTexts | undefined {
  const finished = finishedSignIn(ctx as Context);
  if (!finished) return undefined;
  const ways = signInWaysOn(ctx as Context);
  return {
    heading: 'error.finishedTitle',
    message: ways.length ? 'error.finished' : 'error.finishedNoWay',
    messageVars: { client: finished.client },
    ways: ways.length ? [...ways, { ...HOME, secondary: true }] : [HOME],
    notice: true,
  };
}

/**
 * An error page's heading and message (keys of texts, the message's variables) and its ways on; `notice`: nothing went
 * wrong for the person (a finished sign-in met again), said as news, not as an error.
 */
type ErrorTexts = {
  heading: string;
  message: string;
  messageVars?: Record<string, string>;
  ways: WayOn[];
  notice?: boolean;
};

function providerErrorTexts(
  out: { error: string },
  status: number,
  place: ProviderErrorPlace,
  ctx: RenderContext,
): ErrorTexts {
  if (place.resuming || place.finished) {
    // The same ways on as our own pages' ended sign-in (a finished one included).
    const finished = finishedTexts(ctx as unknown as ParameterizedContext);
    if (finished) return finished;
  }
  if (place.resuming) {
    const ways = signInWaysOn(ctx as unknown as Context);
    return {
      heading: 'error.sessionTitle',
      message: ways.length ? 'error.session' : 'error.sessionNoWay',
      ways: ways.length ? ways : [HOME],
    };
  }
  if (place.signOut) {
    const { signedIn, form, again = '/session/end' } = place.signOut;
    const cause = form ? 'Form' : 'Request';
    return signedIn
      ? {
          heading: 'error.signOutNotDoneTitle',
          message: `error.signOut${cause}SignedIn`,
          ways: [
            { href: again, label: 'error.signOutHere' },
            { ...HOME, secondary: true },
          ],
        }
      : { heading: 'error.signedOutTitle', message: `error.signOut${cause}SignedOut`, ways: [HOME] };
  }
  const family = PROVIDER_ERROR_FAMILIES[out.error] ?? (status >= 500 ? 'server' : 'signInRequest');
  const texts = FAMILY_TEXTS[family];
  const appWays = family === 'server' ? [] : (place.appWays ?? []);
  return {
    heading: texts.heading,
    message: (family === 'signInRequest' && SIGN_IN_REQUEST_MESSAGES[out.error]) || texts.message,
    ways: appWays.length ? [...appWays, { ...HOME, secondary: true }] : [HOME],
  };
}

/** oidc-provider's own errors (a bad authorization or sign-out request, a used-up link), drawn on our error page. */
export function renderProviderError(
  ctx: RenderContext,
  out: { error: string; error_description?: string },
  place: ProviderErrorPlace = {},
): void {
  const t = translator(chooseLocale(ctx));
  const { heading, message, messageVars, ways, notice } = providerErrorTexts(out, ctx.status, place, ctx);
  renderPage(ctx, 'error', {
    pageTitle: t(heading),
    heading: t(heading),
    message: t(message, messageVars),
    ways,
    notice: !!notice,
    // As on our own error pages: the start of the request id, not oidc-provider's error name and English description
    // (its log line has the error).
    code: helpDeskCode((ctx as { state?: { requestId?: unknown } }).state?.requestId),
  });
}
