// The session of one of our own page groups signed in through our own provider (web/own-rp-sign-in.ts): the school
// back office, the bureau console, the developer portal. A signed cookie on the group's path names the person and the
// provider session it came from; every page checks that session still lives, the person is active and still has the
// access the group asks for (an administrator identity, a developer's), and hands the pages both.
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { Person } from '../domain/people/persons.ts';
import { jsonCookie } from './cookies.ts';

export type OwnPagesState<A> = { person: Person; access: A };

const stateKey = (path: string) => `ownPages${path}`;

/** The person and their access when the group's session check has passed (a page drawn before it: undefined). */
export const ownPagesIfAny = <A>(ctx: Context, path: string) =>
  ctx.state[stateKey(path)] as OwnPagesState<A> | undefined;

/** The person and their access, on a page of the group at `path` behind its session check. */
export function ownPagesOf<A>(ctx: Context, path: string): OwnPagesState<A> {
  const found = ownPagesIfAny<A>(ctx, path);
  if (!found) throw new Error(`${path} page without its session check`);
  return found;
}

type Deps = {
  personAccess: {
    sessionAlive(personId: string, sessionUid: string, passwordChangedAt?: Date | null): Promise<boolean>;
  };
  people: { findById(id: string): Promise<Person | undefined> };
};

export function ownPagesSession<A>(
  s: Deps,
  spec: {
    /** The group's path (`/admin`): the cookie's, and where a page sends the browser to sign in (`<path>/sign-in`). */
    path: string;
    /** The cookie's name before `_session` (a path of more than one segment needs one); the path's, without `/`. */
    name?: string;
    /** Where a page may send the browser back to after signing in (a `.catch` gives the default). */
    returnTo: z.ZodType<string>;
    seconds: number;
    /** What the person may do here; undefined: nothing (the group is not theirs). */
    access(personId: string): Promise<A | undefined>;
    /** Draws the "not for you" page (403). */
    denied(ctx: Context): void;
  },
) {
  const name = spec.name ?? spec.path.slice(1);
  const cookie = jsonCookie({
    name: `${name}_session`,
    path: spec.path,
    maxAgeSeconds: spec.seconds,
    maxLength: 400,
    schema: z.object({ p: z.uuid(), s: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), e: z.number().int() }),
  });

  /** The person the cookie names while its provider session lives, is theirs and was signed in since their last
   * password change, and they are active; `stored`: whether there was a cookie at all. */
  async function alivePerson(ctx: Context) {
    const stored = cookie.read(ctx);
    const person = stored && stored.e > Date.now() ? await s.people.findById(stored.p) : undefined;
    const alive =
      person && (await s.personAccess.sessionAlive(person.id, stored!.s, person.password_changed_at))
        ? person
        : undefined;
    return { stored: !!stored, person: alive?.status === 'active' ? alive : undefined };
  }

  const require: Middleware = async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    const { stored, person: alive } = await alivePerson(ctx);
    if (!stored || !alive) {
      if (stored) cookie.clear(ctx);
      ctx.status = 303;
      ctx.redirect(`${spec.path}/sign-in?${new URLSearchParams({ return_to: spec.returnTo.parse(ctx.path) })}`);
      return;
    }
    const access = await spec.access(alive.id);
    if (access === undefined) {
      cookie.clear(ctx);
      return spec.denied(ctx);
    }
    ctx.state[stateKey(spec.path)] = { person: alive, access } satisfies OwnPagesState<A>;
    await next();
  };

  return {
    require,
    /**
     * As `require` checks, without sending the browser anywhere: the person and their access when the session holds
     * (and the pages' state set, as `require` sets it), else undefined (a cookie that no longer holds cleared).
     */
    async find(ctx: Context): Promise<OwnPagesState<A> | undefined> {
      const { stored, person } = await alivePerson(ctx);
      const access = person && (await spec.access(person.id));
      if (!person || access === undefined) {
        if (stored) cookie.clear(ctx);
        return undefined;
      }
      const state: OwnPagesState<A> = { person, access };
      ctx.state[stateKey(spec.path)] = state;
      return state;
    },
    /** Opens the session after a sign-in, when the person has the access (true: refused, the page drawn). */
    async open(ctx: Context, personId: string, sessionUid: string): Promise<boolean> {
      if ((await spec.access(personId)) === undefined) {
        spec.denied(ctx);
        return true;
      }
      cookie.write(ctx, { p: personId, s: sessionUid, e: Date.now() + spec.seconds * 1000 });
      return false;
    },
    clear: (ctx: Context) => cookie.clear(ctx),
    /** The person and the provider session the group's cookie names (unchecked: for signing out). */
    current(ctx: Context): { personId: string; sessionUid: string } | undefined {
      const stored = cookie.read(ctx);
      return stored && { personId: stored.p, sessionUid: stored.s };
    },
    of: (ctx: Context) => ownPagesOf<A>(ctx, spec.path),
  };
}
