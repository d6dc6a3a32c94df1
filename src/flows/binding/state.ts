// What the binding pages keep between requests, in the one-use store: the code sent to a contact (1 hour, 5 tries)
// and the binding session a right code opens — for that contact only — holding the application being filled in.
// The browser holds only the session's token, in a signed cookie.
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { RELATIONSHIPS } from '../../domain/binding/relationships.ts';
import type { Contact } from '../../domain/binding/service.ts';
import { BINDING } from '../../platform/limits.ts';
import { isToken } from '../../platform/one-use.ts';
import { signedCookie } from '../../web/cookies.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';

const ContactSchema = z.object({ kind: z.enum(['email', 'mobile']), value: z.string().min(3).max(254) });

const DraftStudentSchema = z.object({
  identityId: z.uuid(),
  codeId: z.uuid().optional(),
  relationship: z.enum(RELATIONSHIPS),
  maskedName: z.string().max(100),
  school: z.object({ code: z.string(), name: z.string() }),
});

export const BindingSession = z.object({
  contact: ContactSchema,
  /** Students verified in step 1, waiting for the consent and the parent's data. */
  students: z.array(DraftStudentSchema).max(10),
  consented: z.boolean(),
  /** A binding code the parent came with (the school's QR code), offered in step 1. */
  handedCode: z.string().max(20).optional(),
  /**
   * Step 1's last "驗證": the school(s) it found (the name masked, as shown), kept so that a "下一步" refused for
   * anything else shows them again, with the choice made; `key` is a digest of the level and national ID they were
   * found by.
   */
  /**
   * The application last sent from this session (the students' names as shown, masked, and how it went), until a
   * student is added again: steps 3 and 4 visited again say it was sent (sent.ts).
   */
  sent: z
    .object({
      names: z.array(z.string().max(100)).max(10),
      notice: z.enum(['submitted', 'approved', 'partlyApproved']),
    })
    .optional(),
  found: z
    .object({
      key: z.string().max(100),
      matches: z.array(DraftStudentSchema.pick({ identityId: true, maskedName: true, school: true })).max(20),
      /**
       * The form as it was when they were found (the student's national ID too: it is what "下一步" sends again), so
       * that step 1 read again (reload, Back) shows it filled in with the school(s) found; kept here only, on the
       * server, until the student is added, not found, or the session ends.
       */
      values: z.record(z.string(), z.string().max(40)).optional(),
      /**
       * The students found whom the parent is bound to already (their names as shown, masked): said instead of
       * offering them again (Binding.boundAlready), on a reload too.
       */
      bound: z.array(z.string().max(100)).max(20).optional(),
    })
    .optional(),
});
export type BindingSession = z.infer<typeof BindingSession>;

const CodeTicket = z.object({ contact: ContactSchema, handedCode: z.string().max(20).optional() });

export const CODE_TTL_SECONDS = 3600;

export function bindingState(s: Services) {
  return {
    codes: s.oneUse.codes({ name: 'binding-code', schema: CodeTicket, ttlSeconds: CODE_TTL_SECONDS, maxTries: 5 }),
    sessions: s.oneUse.kind({ name: 'binding-session', schema: BindingSession, ttlSeconds: CODE_TTL_SECONDS }),
  };
}
export type BindingState = ReturnType<typeof bindingState>;

const cookie = signedCookie({ name: 'binding', path: '/binding' });

export type Current = { token: string; session: BindingSession; contact: Contact };

export async function currentSession(ctx: Context, state: BindingState): Promise<Current | undefined> {
  const token = cookie.get(ctx);
  if (!isToken(token)) return undefined;
  const session = await state.sessions.peek(token);
  return session && { token, session, contact: session.contact };
}

export async function openSession(
  ctx: Context,
  state: BindingState,
  contact: Contact,
  handedCode?: string,
): Promise<void> {
  const token = await state.sessions.issue({ contact, students: [], consented: false, handedCode });
  cookie.set(ctx, token);
}

export async function endSession(ctx: Context, state: BindingState): Promise<void> {
  const token = cookie.get(ctx);
  if (isToken(token)) await state.sessions.take(token);
  cookie.clear(ctx);
}

/** Pages behind a right code: without a live session, back to the start (with a word on why). */
export function requireBinding(state: BindingState): Middleware {
  return async (ctx, next) => {
    const current = await currentSession(ctx, state);
    if (!current) {
      ctx.set('Cache-Control', 'no-store');
      return seeOther(ctx, '/binding?expired=1');
    }
    ctx.state.binding = current;
    await next();
  };
}

export function bindingOf(ctx: Context): Current {
  const current = ctx.state.binding as Current | undefined;
  if (!current) throw new Error('binding route without requireBinding');
  return current;
}

export async function saveSession(state: BindingState, current: Current, change: Partial<BindingSession>) {
  current.session = { ...current.session, ...change };
  await state.sessions.save(current.token, current.session);
}

/**
 * Counts one lookup by national ID (a student in step 1, a parent in step 3) against the session's and the address's
 * limits; false (and Retry-After set) when either is used up.
 */
export async function countLookup(ctx: Context, s: Services, _state: BindingState, current: Current): Promise<boolean> {
  // Counted in the shared store, one increment each (not a number read and saved back with the session): lookups
  // sent at once are all counted.
  const bySession = await s.throttle.allow(BINDING.lookupsPerSession, current.token);
  const byAddress = await s.throttle.allow(BINDING.lookupsPerAddress, ctx.ip);
  if (!bySession || !byAddress) {
    ctx.set('Retry-After', String(BINDING.lookupsPerAddress.windowSeconds));
    return false;
  }
  return true;
}
