// The outer handler: expected errors get their translated page or JSON; anything else a generic 500.
import type { Context, Middleware, ParameterizedContext } from 'koa';
import { chooseLocale, translator } from '../platform/i18n/index.ts';
import type { Logger } from '../platform/log.ts';
import { isStoreUnavailable, RETRY_AFTER_SECONDS } from '../platform/storage/unavailable.ts';
import { LimitReached } from '../platform/throttle.ts';
import { AppError } from './errors.ts';
import { type RenderContext, renderPage } from './render.ts';
import { signInWaysOn, type WayOn } from './sign-in-restart.ts';

/** A heading that says what happened, where there is one better than "something went wrong". */
const HEADINGS: Record<string, string> = {
  session_not_found: 'error.sessionTitle',
  csrf: 'error.csrfTitle',
  unavailable: 'error.unavailableTitle',
  too_many: 'error.tooManyTitle',
  file_too_large: 'error.fileTooLargeTitle',
  not_found: 'error.notFoundTitle',
};

/**
 * The clear way on from an error page: a stale form is opened again; a sign-in that ended is started again for the
 * same app (or left, back to the app); otherwise the home page.
 */
function waysOn(ctx: ParameterizedContext, code: string): WayOn[] {
  const ways: WayOn[] = [];
  // A stale form, or a file too large for an upload form (its page is the same address): open it again.
  if ((code === 'csrf' || code === 'file_too_large') && ctx.method === 'POST')
    ways.push({ href: ctx.originalUrl, label: 'error.formAgain' });
  if (code === 'session_not_found' || code === 'csrf' || ctx.path.startsWith('/interaction/'))
    ways.push(...signInWaysOn(ctx as Context).map((w) => ({ ...w, secondary: ways.length > 0 || w.secondary })));
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
    const heading = t(HEADINGS[appError.code] ?? 'error.title');
    const ways = waysOn(ctx, appError.code);
    // An ended sign-in this browser cannot start again (it began in another browser, or long ago): no "button below".
    if (appError.code === 'session_not_found' && !ways.some((w) => w.href !== '/')) message = t('error.sessionNoWay');
    renderPage(
      ctx,
      'error',
      {
        pageTitle: heading,
        heading,
        message,
        ways,
        // For the help desk: the start of the request id, which finds the request in the logs (its line there has the
        // path and the status). Not the error's name: the page says what happened in words, and a person may have to
        // read the code out on the phone.
        code: helpDeskCode(ctx.state.requestId),
      },
      appError.status,
    );
  }
}

/** oidc-provider's own errors (a bad authorization request, an unknown client), drawn on the same error page. */
export function renderProviderError(ctx: RenderContext, out: { error: string; error_description?: string }): void {
  const t = translator(chooseLocale(ctx));
  const message = t(`error.code.${out.error}`, { defaultValue: t('error.generic') });
  // Resuming a sign-in that is gone (Back after it finished, or too late): the same ways on as our own pages.
  const resuming = ctx.path.startsWith('/auth/');
  const ways = resuming ? signInWaysOn(ctx as unknown as Context) : [];
  renderPage(ctx, 'error', {
    pageTitle: t(resuming ? 'error.sessionTitle' : 'error.title'),
    heading: t(resuming ? 'error.sessionTitle' : 'error.title'),
    message: resuming ? t(ways.length ? 'error.session' : 'error.sessionNoWay') : message,
    ways: ways.length ? ways : [{ href: '/', label: 'error.home' }],
    // As on our own error pages: the start of the request id, not oidc-provider's error name and English description
    // (its log line has the error).
    code: helpDeskCode((ctx as { state?: { requestId?: unknown } }).state?.requestId),
  });
}
