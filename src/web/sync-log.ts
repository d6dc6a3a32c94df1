// Records a school system's API call in its school's sync log (issue 14, item 6) once it is answered (in the
// background: the caller does not wait for the write): the action, the app, the status and the error code of the
// answer (or `ok`). The school is read from the route (`:code`) or the JSON body (`school_code`); a call that names
// none is not a school's. A failure to record is logged, never the caller's.
//
// It runs before the client is authenticated, so that a call refused for its credentials (401: a wrong secret, an
// unknown client; 429: too many such) is in the log of the school it names too — that is how a school sees its system
// is misconfigured — with the client id as the call gave it (unverified; the page says so). Such entries, and those
// of calls refused at the door for their permission or school (DOOR), are coalesced, since anyone can send them: one
// per client id and school a minute, and for ids that are no registered client (or none) at most
// SYNC_LOG_REFUSALS.unknownPerSchool an hour a school. The body of a call refused before its client was known is read for its
// `school_code` only when it is small JSON (the body is otherwise never read before the client is known).
import type { Context, Middleware } from 'koa';
import type { ApiClient } from '../domain/clients/api-client.ts';
import { basicCredentials } from '../domain/clients/api-client.ts';
import type { SyncAction } from '../domain/schools/sync-log.ts';
import { SYNC_LOG_REFUSALS as REFUSALS } from '../platform/limits.ts';
import { AppError } from './errors.ts';
import type { Services } from './services.ts';

const SCHOOL = /^\d{6}$/;
/** A client id as we issue them; anything else is recorded as none. */
const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** A refused call's body is read for its school only up to this size (a school-affairs call's body is far smaller). */
const REFUSED_BODY_BYTES = 4096;
const REFUSED_BODY_MS = 1000;

function schoolIn(value: unknown): string | undefined {
  const code = (value as { school_code?: unknown } | undefined)?.school_code;
  return typeof code === 'string' && SCHOOL.test(code) ? code : undefined;
}

function schoolOf(ctx: Context): string | undefined {
  const fromRoute = ctx.params?.code;
  if (typeof fromRoute === 'string' && SCHOOL.test(fromRoute)) return fromRoute;
  return schoolIn(ctx.request.body);
}

/**
 * The school a refused call's JSON body names, when the body is small, plain JSON not read yet; none otherwise (a
 * slow or large body is not waited for).
 */
async function schoolOfUnreadBody(ctx: Context): Promise<string | undefined> {
  const length = Number(ctx.get('content-length'));
  if (!ctx.is('application/json') || ctx.get('content-encoding') || !(length > 0 && length <= REFUSED_BODY_BYTES))
    return undefined;
  const req = ctx.req;
  if (req.readableEnded || req.readableDidRead || req.destroyed) return undefined;
  const chunks: Buffer[] = [];
  const read = new Promise<string | undefined>((resolve) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > REFUSED_BODY_BYTES) return resolve(undefined);
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
  let timer: NodeJS.Timeout | undefined;
  const text = await Promise.race([
    read,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, REFUSED_BODY_MS, undefined);
    }),
  ]);
  clearTimeout(timer);
  if (!text) return undefined;
  try {
    return schoolIn(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** The refusals of a call at the door (client authentication, the client's permission and schools): coalesced. */
const DOOR = new Set([
  'invalid_client',
  'too_many',
  'insufficient_permission',
  'school_not_allowed',
  'school_not_eligible',
  'unknown_school',
]);

type Entry = { at: Date; schoolCode: string; action: SyncAction; clientId?: string; code: number; message: string };

/** Records a call refused at the door, unless one like it was recorded lately (REFUSALS). */
async function recordRefused(s: Services, entry: Entry): Promise<void> {
  const id = entry.clientId;
  if (!(await s.throttle.allow(REFUSALS.perClient, `${entry.schoolCode}\u0000${id ?? ''}`))) return;
  const known = id ? !!(await s.clients.find(id)) : false;
  if (!known && !(await s.throttle.allow(REFUSALS.unknownPerSchool, entry.schoolCode))) return;
  await s.schoolOffice.syncLog.record(entry);
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
      const client = ctx.state.apiClient as ApiClient | undefined;
      // Refused before the client was known: the client id as the call gave it, unverified.
      const given = client ? undefined : basicCredentials(ctx.get('authorization'))?.id;
      const clientId = client?.clientId ?? (given && CLIENT_ID.test(given) ? given : undefined);
      const schoolCode = schoolOf(ctx) ?? (client ? undefined : await schoolOfUnreadBody(ctx));
      if (schoolCode) {
        const entry: Entry = {
          at,
          schoolCode,
          action: typeof action === 'function' ? action(ctx) : action,
          clientId,
          code: status,
          message,
        };
        s.background.run('sync log', () =>
          client && !DOOR.has(message) ? s.schoolOffice.syncLog.record(entry) : recordRefused(s, entry),
        );
      }
    }
  };
}
