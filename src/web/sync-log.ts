// Records a school system's API call in its school's sync log (issue 14, item 6) once it is answered (in the
// background: the caller does not wait for the write): the action, the app, the status and the error code of the
// answer (or `ok`). The school is read from the route (`:code`) or the JSON body (`school_code`); a call that names
// none is not a school's. A failure to record is logged, never the caller's.
import type { Context, Middleware } from 'koa';
import type { SyncAction } from '../domain/schools/sync-log.ts';
import { apiClientOf } from './api-client.ts';
import { AppError } from './errors.ts';
import type { Services } from './services.ts';

const SCHOOL = /^\d{6}$/;

function schoolOf(ctx: Context): string | undefined {
  const fromRoute = ctx.params?.code;
  if (typeof fromRoute === 'string' && SCHOOL.test(fromRoute)) return fromRoute;
  const fromBody = (ctx.request.body as { school_code?: unknown } | undefined)?.school_code;
  return typeof fromBody === 'string' && SCHOOL.test(fromBody) ? fromBody : undefined;
}

export function syncLogged(s: Services, action: SyncAction | ((ctx: Context) => SyncAction)): Middleware {
  return async (ctx, next) => {
    // The call's own time: the log is in the order of the calls, however the background writes interleave.
    const at = new Date();
    let status = 500;
    let message = 'server_error';
    try {
      await next();
      status = ctx.status;
      const error = (ctx.body as { error?: unknown } | undefined)?.error;
      message = status < 400 ? 'ok' : typeof error === 'string' ? error : 'error';
    } catch (err) {
      if (err instanceof AppError) [status, message] = [err.status, err.code];
      throw err;
    } finally {
      const schoolCode = schoolOf(ctx);
      if (schoolCode) {
        const entry = {
          at,
          schoolCode,
          action: typeof action === 'function' ? action(ctx) : action,
          clientId: apiClientOf(ctx)?.clientId,
          code: status,
          message,
        };
        s.background.run('sync log', () => s.schoolOffice.syncLog.record(entry));
      }
    }
  };
}
