// The console's people (issue 15, item 7): POST /admin/people → GET /admin/people?search= — the search (masked results); GET /admin/people/:id —
// one person (identities, linked accounts, recent sign-ins; every reading audited); POST …/reveal — the whole
// national ID with a reason, shown once on the page the reveal redirects to; …/lock (with a reason: status locked, every session and grant ended) and …/unlock;
// …/password-reset — the forgot-password mail; …/sessions/end; …/developer — allow or stop the developer portal;
// …/second-factor/reset (with a reason) — the authenticator app and passkeys removed, the person told.
// A refused action (400) is kept as typed (typed.ts): its page stands for GET /admin/people/:id?typed=<token>, which
// reload, Back and the language link ask for, with the reason typed and the message, sending nothing again.
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { PEOPLE_PAGE_SIZE } from '../../domain/people/directory.ts';
import { maskEmail } from '../../domain/people/masks.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import type { OneUseKind } from '../../platform/one-use.ts';
import { clientNamer } from '../../web/client-names.ts';
import { AppError } from '../../web/errors.ts';
import { formText } from '../../web/forms.ts';
import { noStore, seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { taipeiTime } from '../../web/taipei-time.ts';
import { renderAdmin } from './pages.ts';
import { adminOf } from './session.ts';
import { type KeptForms, keep, keptForms, typedIn } from './typed.ts';
import './texts-people.ts';

const Search = z.object({ q: formText(100) });
const ReasonForm = z.object({ reason: formText(1000) });
const DeveloperForm = z.object({ access: z.enum(['allow', 'stop']).optional().catch(undefined) });
const DONE = [
  'locked',
  'unlocked',
  'resetSent',
  'sessionsEnded',
  'developerAllowed',
  'developerStopped',
  'secondFactorRemoved',
] as const;
const Done = z.object({
  done: z.enum(DONE).optional().catch(undefined),
  sessions: z.coerce.number().int().min(0).max(10_000).catch(0),
  grants: z.coerce.number().int().min(0).max(10_000).catch(0),
});
/** Identities that open the developer portal by themselves (domain/developers/organisations.ts). */
const PORTAL_ROLES = ['teacher', 'staff', 'school_admin'];

/** A search sent, kept for its results page: sealed in the one-use store, its token in the address. */
const SavedSearch = z.object({ q: z.string().max(100), admin: z.uuid() });
const SEARCH_TTL_SECONDS = 30 * 60;

/**
 * A national ID revealed, kept for the one page that shows it: the reveal (audited with its reason) redirects to
 * `GET /admin/people/:id?revealed=<token>`, and that page takes it from the one-use store. A reload, Back and Forward,
 * or the address opened again show the masked number: nothing is revealed or audited twice, and no browser offers to
 * send the reason again. The number is sealed in the store, for this administrator and person, for two minutes at most.
 */
const Revealed = z.object({ admin: z.uuid(), person: z.uuid(), nationalId: z.string().max(20) });
const REVEALED_TTL_SECONDS = 120;

/**
 * The search: the form posts (a national ID or a mobile number typed there never lands in a URL, a proxy's log or the
 * browser's history) and is answered with a redirect to its results, `GET /admin/people?search=<token>` (the search
 * kept sealed under the token for 30 minutes, for this administrator only): reload and Back show the results again
 * instead of offering to send the form again. Without a (live) token the page is the empty form.
 */
function searchPeople(s: Services, searches: OneUseKind<z.infer<typeof SavedSearch>>) {
  return async (ctx: Context) => {
    const admin = adminOf(ctx).id;
    if (ctx.method === 'POST') {
      const { q } = Search.parse(ctx.request.body ?? {});
      if (!q) return seeOther(ctx, '/admin/people');
      return seeOther(ctx, `/admin/people?search=${await searches.issue({ q, admin })}`);
    }
    const token = ctx.query.search;
    const saved = token === undefined ? undefined : await searches.peek(token);
    const q = saved?.admin === admin ? saved.q : '';
    const found = q ? await s.bureau.people.search(q, admin) : undefined;
    noStore(ctx);
    renderAdmin(ctx, 'people', {
      title: 'admin.people.title',
      section: 'people',
      q,
      searched: !!found,
      expired: token !== undefined && !found,
      hits: found?.hits ?? [],
      more: found?.more,
      pageSize: PEOPLE_PAGE_SIZE,
    });
  };
}

/** A refused action, kept for the person's page (typed.ts): its message (a key) where it goes, and the reason typed. */
const Refused = z.object({
  revealError: z.string().max(100).optional(),
  reason: z.string().max(1000).optional(),
  lockError: z.string().max(100).optional(),
  lockReason: z.string().max(1000).optional(),
  actionError: z.string().max(100).optional(),
  secondFactorError: z.string().max(100).optional(),
  secondFactorReason: z.string().max(1000).optional(),
});
type Refused = z.infer<typeof Refused>;
type KeptActions = KeptForms<Refused>;

type PersonPage = Refused & {
  revealed?: string;
  /** The page of a reveal met again: the number is hidden now. */
  revealGone?: boolean;
  /** A refused action's page: the address that draws it again (GET …?typed=<token>). */
  formPage?: string;
  status?: number;
};

async function renderPerson(ctx: Context, s: Services, page: PersonPage = {}) {
  const locale = chooseLocale(ctx);
  const t = translator(locale);
  const date = (at: Date | null) => taipeiTime(at, locale, 'date');
  const time = (at: Date | null) => taipeiTime(at, locale, 'minutes');
  const person = await s.bureau.people.view(String(ctx.params.id), adminOf(ctx).id);
  if (!person) throw new AppError('not_found', 404);
  const [identities, links, signIns, developer, providerName, secondFactor] = await Promise.all([
    s.bureau.people.identities(person.id),
    s.federatedLinks.list(person.id),
    s.audit.recentSignIns(person.id, 20),
    s.developers.organisations.isDeveloperAccount(person.id),
    s.upstreams.names(),
    s.bureau.people.secondFactor(person.id),
  ]);
  const appName = await clientNamer(ctx, s, signIns);
  const done = Done.parse(ctx.query);
  noStore(ctx);
  renderAdmin(ctx, 'person', {
    title: 'admin.people.title',
    section: 'people',
    person: {
      ...person,
      created: date(person.createdAt),
      passwordChanged: date(person.passwordChangedAt),
    },
    identities: identities.map((i) => ({
      ...i,
      since: date(i.createdAt),
      ended: date(i.endedAt),
    })),
    links: links.map((l) => ({
      ...l,
      provider: providerName.get(l.provider) ?? l.provider,
      email: l.email ? maskEmail(l.email) : '',
      since: date(l.createdAt),
      lastUsed: time(l.lastUsedAt),
    })),
    signIns: signIns.map((x) => ({
      ...x,
      at: time(x.at),
      app: appName(x.clientId),
      upstream: x.upstream && (providerName.get(x.upstream) ?? x.upstream),
      reason: x.reason && t(`admin.people.signIns.reasons.${x.reason}`, { defaultValue: x.reason }),
    })),
    developer: {
      account: developer,
      bySchool: identities.some((i) => i.status === 'active' && PORTAL_ROLES.includes(i.role)),
    },
    secondFactor: {
      any: !!secondFactor.authenticator || secondFactor.passkeys > 0,
      // 驗證器 App 已設定（…設定）；通行密鑰 2 把 — or 未設定.
      words:
        [
          secondFactor.authenticator &&
            t('admin.people.secondFactor.authenticatorSince', { since: date(secondFactor.authenticator.since) }),
          secondFactor.passkeys > 0 && t('admin.people.secondFactor.passkeys', { n: secondFactor.passkeys }),
        ]
          .filter(Boolean)
          .join(locale === 'en' ? '; ' : '；') || t('admin.people.secondFactor.none'),
    },
    done: done.done && t(`admin.people.done.${done.done}`, { sessions: done.sessions, grants: done.grants }),
    revealed: page.revealed,
    revealGone: page.revealGone,
    revealError: page.revealError && t(`admin.people.errors.${page.revealError}`),
    reason: page.reason ?? '',
    lockError: page.lockError && t(`admin.people.errors.${page.lockError}`),
    lockReason: page.lockReason ?? '',
    actionError: page.actionError && t(`admin.people.errors.${page.actionError}`),
    secondFactorError: page.secondFactorError && t(`admin.people.errors.${page.secondFactorError}`),
    secondFactorReason: page.secondFactorReason ?? '',
    // A refused action's page stands for the person's with what was typed (render.ts): Back, reload and the language
    // link ask for it, sending nothing again.
    formPage: page.formPage,
    status: page.status,
  });
}

/** The person of the URL (404 when there is none). */
async function personId(ctx: Context, s: Services): Promise<string> {
  const person = await s.people.findById(String(ctx.params.id));
  if (!person) throw new AppError('not_found', 404);
  return person.id;
}

function showPerson(s: Services, reveals: OneUseKind<z.infer<typeof Revealed>>, kept: KeptActions) {
  return async (ctx: Context) => {
    const token = ctx.query.revealed;
    if (token === undefined) return renderPerson(ctx, s, await typedIn(ctx, kept));
    // Only its administrator's, on its person's page, takes it (another's look leaves it be); taken, it is gone.
    const found = await reveals.peek(token);
    const mine = found?.admin === adminOf(ctx).id && found.person === ctx.params.id;
    const taken = mine ? await reveals.take(token) : undefined;
    await renderPerson(ctx, s, taken ? { revealed: taken.nationalId } : { revealGone: true });
  };
}

/** A refusal about the reason is its form's field's; any other (locked meanwhile, no ID on file) goes at the top, since
 *  the page does not draw that form for such an account. */
const placed = (error: string, field: 'revealError' | 'lockError' | 'secondFactorError') =>
  error.startsWith('reason') ? { [field]: error } : { actionError: error };

/** A refused action: the person's page with its message (400), kept as typed for GET …?typed=<token>. */
async function refuse(ctx: Context, s: Services, kept: KeptActions, id: string, refused: Refused) {
  const formPage = await keep(ctx, kept, `/admin/people/${id}`, refused);
  await renderPerson(ctx, s, { ...refused, formPage, status: 400 });
}

function reveal(s: Services, reveals: OneUseKind<z.infer<typeof Revealed>>, kept: KeptActions) {
  return async (ctx: Context) => {
    const id = await personId(ctx, s);
    const admin = adminOf(ctx).id;
    const { reason } = ReasonForm.parse(ctx.request.body ?? {});
    const result = await s.bureau.people.revealNationalId(id, reason, admin);
    if (!result.ok) return refuse(ctx, s, kept, id, { ...placed(result.error, 'revealError'), reason });
    const token = await reveals.issue({ admin, person: id, nationalId: result.nationalId });
    seeOther(ctx, `/admin/people/${id}?revealed=${token}`);
  };
}

function lock(s: Services, kept: KeptActions) {
  return async (ctx: Context) => {
    const id = await personId(ctx, s);
    const { reason } = ReasonForm.parse(ctx.request.body ?? {});
    const result = await s.bureau.people.lock(id, reason, adminOf(ctx).id);
    if (!result.ok) return refuse(ctx, s, kept, id, { ...placed(result.error, 'lockError'), lockReason: reason });
    await s.personAccess.endPending(result.signOut);
    seeOther(ctx, `/admin/people/${id}?done=locked`);
  };
}

/**
 * Removes the person's second factor, with a reason (a lost phone, or one set up by someone who had the password). The
 * done message says what else to do when it was not the person's own doing: end every sign-in, send a password reset.
 */
function removeSecondFactor(s: Services, kept: KeptActions) {
  return async (ctx: Context) => {
    const id = await personId(ctx, s);
    const { reason } = ReasonForm.parse(ctx.request.body ?? {});
    const result = await s.bureau.people.removeSecondFactor(id, reason, adminOf(ctx).id);
    if (!result.ok)
      return refuse(ctx, s, kept, id, { ...placed(result.error, 'secondFactorError'), secondFactorReason: reason });
    seeOther(ctx, `/admin/people/${id}?done=secondFactorRemoved`);
  };
}

/** A button of the person's page that the domain answers: back to the page saying it is done, or its error (400). */
function button(
  s: Services,
  kept: KeptActions,
  run: (id: string, actor: string) => Promise<{ ok: true } | { ok: false; error: string }>,
  done: (typeof DONE)[number],
) {
  return async (ctx: Context) => {
    const id = await personId(ctx, s);
    const result = await run(id, adminOf(ctx).id);
    if (!result.ok) return refuse(ctx, s, kept, id, { actionError: result.error });
    seeOther(ctx, `/admin/people/${id}?done=${done}`);
  };
}

/**
 * The forgot-password mail; without a verified email, what would work for this person instead: the forgot-password
 * page with the mobile number (verified, and texts can be sent here), else a verified email added first — in the
 * account pages, reached by a linked account's sign-in when they have one.
 */
function sendPasswordReset(s: Services, kept: KeptActions) {
  return async (ctx: Context) => {
    const id = await personId(ctx, s);
    const result = await s.bureau.people.sendPasswordReset(id, adminOf(ctx).id);
    if (result.ok) return seeOther(ctx, `/admin/people/${id}?done=resetSent`);
    if (result.error !== 'noEmail') return refuse(ctx, s, kept, id, { actionError: result.error });
    const person = await s.people.findById(id);
    const bySms = !!person?.mobile && person.mobile_verified && s.outbox.offers('sms');
    const linked = !bySms && (await s.federatedLinks.list(id)).length > 0;
    const way = bySms ? 'noEmailUseMobile' : linked ? 'noEmailUseLink' : 'noEmailNoWay';
    await refuse(ctx, s, kept, id, { actionError: way });
  };
}

function endSessions(s: Services) {
  return async (ctx: Context) => {
    const id = await personId(ctx, s);
    // One audit entry, the bureau's (it used to be written twice: as the person's, then the bureau's).
    const ended = await s.personAccess.endEverywhere(id, { reason: 'admin', actor: adminOf(ctx).id });
    seeOther(
      ctx,
      `/admin/people/${id}?${new URLSearchParams({ done: 'sessionsEnded', sessions: String(ended.sessions), grants: String(ended.grants) })}`,
    );
  };
}

function developer(s: Services) {
  return async (ctx: Context) => {
    const id = await personId(ctx, s);
    const { access } = DeveloperForm.parse(ctx.request.body ?? {});
    if (!access) throw new AppError('invalid_request', 400);
    const actor = adminOf(ctx).id;
    if (access === 'allow') await s.developers.organisations.grantDeveloper(id, actor);
    else await s.developers.organisations.revokeDeveloper(id, actor);
    seeOther(ctx, `/admin/people/${id}?done=${access === 'allow' ? 'developerAllowed' : 'developerStopped'}`);
  };
}

export function adminPeopleRoutes(router: Router, s: Services, admin: Middleware) {
  const searches = s.oneUse.kind({ name: 'admin-people-search', schema: SavedSearch, ttlSeconds: SEARCH_TTL_SECONDS });
  router.get('/admin/people', admin, searchPeople(s, searches));
  router.post('/admin/people', admin, s.forms.post, searchPeople(s, searches));
  const reveals = s.oneUse.kind({
    name: 'admin-national-id-revealed',
    schema: Revealed,
    ttlSeconds: REVEALED_TTL_SECONDS,
  });
  const kept: KeptActions = keptForms(s, 'admin-person-action', Refused);
  router.get('/admin/people/:id', admin, showPerson(s, reveals, kept));
  router.post('/admin/people/:id/reveal', admin, s.forms.post, reveal(s, reveals, kept));
  router.post('/admin/people/:id/lock', admin, s.forms.post, lock(s, kept));
  router.post(
    '/admin/people/:id/unlock',
    admin,
    s.forms.post,
    button(s, kept, (id, actor) => s.bureau.people.unlock(id, actor), 'unlocked'),
  );
  router.post('/admin/people/:id/password-reset', admin, s.forms.post, sendPasswordReset(s, kept));
  router.post('/admin/people/:id/sessions/end', admin, s.forms.post, endSessions(s));
  router.post('/admin/people/:id/developer', admin, s.forms.post, developer(s));
  router.post('/admin/people/:id/second-factor/reset', admin, s.forms.post, removeSecondFactor(s, kept));
}
