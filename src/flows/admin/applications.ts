// The review queue (issue 15, item 5): GET /admin/applications lists what waits (or, ?status=…, what was decided);
// GET /admin/applications/:id shows an application — for a change of an approved app, what changed against the
// approved version — with its history and the decision form; POST …/decide approves (with the bureau-only settings),
// asks for changes or rejects, mailed to the developer; POST …/enable and …/disable switch an approved app.
// A refused decision (400; 409: changed or decided meanwhile) is kept as typed (typed.ts): its page stands for
// GET /admin/applications/:id?typed=<token>, which reload, Back and the language link ask for, sending nothing again.
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { PERMISSIONS } from '../../domain/clients/permissions.ts';
import { type Application, STATUSES } from '../../domain/developers/applications.ts';
import { type ApplicationDetails, changedDetails } from '../../domain/developers/details.ts';
import { DeveloperError } from '../../domain/developers/organisations.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { AppError } from '../../web/errors.ts';
import { formText } from '../../web/forms.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { taipeiTime } from '../../web/taipei-time.ts';
import { renderAdmin } from './pages.ts';
import { adminOf } from './session.ts';
import { type KeptForms, keep, keptForms, typedIn } from './typed.ts';
import './texts-applications.ts';

type Translator = ReturnType<typeof translator>;

const ListQuery = z.object({ status: z.enum(STATUSES).catch('submitted') });

/**
 * One field of an application as the review shows it, in words: its value now, and before (a change of an approved
 * app). A kind, a scope or a role is shown by its name (a scope with its code, as on the developer's form), not its code.
 */
function shown(d: ApplicationDetails | undefined, field: keyof ApplicationDetails, t: Translator): string {
  const v = d?.[field];
  if (v === undefined) return '';
  const scope = (code: string) => `${t(`developers.scopes.${code}`)}${t('inParentheses', { text: code })}`;
  if (field === 'kind') return t(`developers.kinds.${v}`);
  if (field === 'scopes') return (v as string[]).map(scope).join('\n');
  if (field === 'allowed_roles') {
    const roles = v as string[];
    return roles.length ? roles.map((role) => t(`role.${role}`)).join('\n') : t('admin.applications.allRoles');
  }
  if (Array.isArray(v)) return v.join('\n');
  if (typeof v === 'object')
    return Object.entries(v)
      .filter(([, r]) => r)
      .map(([code, r]) => t('labelled', { label: scope(code), text: r }))
      .join('\n');
  return String(v);
}

async function application(s: Services, ctx: Context): Promise<Application> {
  const app = await s.developers.applications.get(String(ctx.params.id ?? ''));
  if (!app) throw new AppError('not_found', 404);
  return app;
}

/** What the decision form sent, shown again when it was refused (nothing the bureau chose or ticked is lost). */
const Posted = z.object({
  decision: z.string().max(20).optional(),
  note: z.string().max(2000),
  bureau: z.object({
    firstParty: z.boolean(),
    mayRequestIdno: z.boolean(),
    permissions: z.array(z.string().max(40)).max(20),
  }),
});
type Posted = z.infer<typeof Posted>;

/**
 * A refused decision, kept for its page (typed.ts): why (`error`, a text key; `errorField`, where it is said), what
 * was sent, and — a decision sent from a page opened before the application was decided (another tab, another
 * administrator) — the note that was typed (`conflictNote`): the page says what happened meanwhile, as it is then.
 */
const Refused = z.object({
  error: z.string().max(100).optional(),
  errorField: z.enum(['decision', 'note']).optional(),
  posted: Posted.optional(),
  conflictNote: z.string().max(2000).optional(),
});
type Refused = z.infer<typeof Refused>;
type KeptDecisions = KeptForms<Refused>;

/**
 * What happened to an application a decision came too late for: the last decision, by whom and when, or else its
 * status now, so the administrator sees why nothing was saved.
 */
async function conflictMessage(ctx: Context, s: Services, app: Application): Promise<string> {
  const locale = chooseLocale(ctx);
  const t = translator(locale);
  const me = adminOf(ctx).id;
  const last = (await s.developers.applications.events(app.id)).findLast((e) => e.action.startsWith('decided_'));
  const lastDecision = last?.action.slice('decided_'.length);
  const vars = {
    who: last?.actor === me ? t('admin.applications.you') : (last?.actorName ?? last?.actor ?? ''),
    time: last ? taipeiTime(last.at, locale, 'minutes') : '',
    status: t(`developers.status.${app.status}`),
  };
  return lastDecision && ['approve', 'changes', 'reject'].includes(lastDecision)
    ? t(`admin.applications.alreadyDecided.${lastDecision}`, vars)
    : t('admin.applications.alreadyDecided.other', vars);
}

async function renderReview(
  ctx: Context,
  s: Services,
  extra: Refused & {
    /** A refused decision's page: the address that draws it again (GET …?typed=<token>). */
    formPage?: string;
    status?: number;
  } = {},
) {
  // The review as it is now, with its version in the form: a decision is taken on what this page shows.
  const app = await application(s, ctx);
  const changed = changedDetails(app.live, app.details);
  const t = translator(chooseLocale(ctx));
  const conflict =
    extra.conflictNote === undefined
      ? undefined
      : { message: await conflictMessage(ctx, s, app), note: extra.conflictNote };
  const fields = (Object.keys(app.details) as (keyof ApplicationDetails)[]).map((f) => ({
    id: f,
    now: shown(app.details, f, t),
    before: app.live ? shown(app.live, f, t) : undefined,
    changed: !!app.live && changed.includes(f),
  }));
  const bureau =
    extra.posted?.bureau ??
    (app.clientId
      ? await s.developers.applications.bureauSettings(app.clientId)
      : { firstParty: false, permissions: [], mayRequestIdno: false });
  renderAdmin(ctx, 'application', {
    title: 'admin.applications.reviewTitle',
    titleVars: { name: app.details.app_name },
    section: 'applications',
    app,
    fields,
    isChange: !!app.live && app.status === 'submitted',
    events: await s.developers.applications.events(app.id),
    bureau,
    permissions: PERMISSIONS.filter((p) => p !== 'roster'),
    asksIdno: app.details.scopes.includes('idno'),
    note: extra.posted?.note ?? '',
    decision: extra.posted?.decision,
    decided: ctx.query.decided === '1',
    // Said once: the page in the other language is the application as it is (render.ts).
    oneTimeQuery: ['decided'],
    conflict,
    error: extra.error && t(extra.error),
    errorField: extra.errorField,
    formPage: extra.formPage,
    status: extra.status,
  });
}

const DecideForm = z.object({
  decision: z.enum(['approve', 'changes', 'reject']).optional().catch(undefined),
  note: formText(2000),
  version: formText(100),
  first_party: formText(5),
  may_request_idno: formText(5),
  permissions: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .catch(undefined)
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
});

/**
 * The answer to a decision on an application that no longer waits for one. The same decision sent twice by the same
 * administrator (a double click, a form sent again) is the one already saved: on to the page that says so. Any other
 * is refused with 409: the page as it is now, what happened (the last decision, by whom and when), and the note typed.
 */
async function alreadyDecidedAnswer(
  ctx: Context,
  s: Services,
  kept: KeptDecisions,
  id: string,
  sent: Posted,
): Promise<void> {
  const me = adminOf(ctx).id;
  const [app, events] = await Promise.all([application(s, ctx), s.developers.applications.events(id)]);
  // What decided it: the last decision (what the developer did since, a secret shown, is beside the point here).
  const last = events.findLast((e) => e.action.startsWith('decided_'));
  const lastDecision = last?.action.slice('decided_'.length);
  if (last?.actor === me && lastDecision === sent.decision && (last.note ?? '') === sent.note.trim()) {
    const held =
      app.clientId && lastDecision === 'approve'
        ? await s.developers.applications.bureauSettings(app.clientId)
        : undefined;
    const same = (a: Posted['bureau'], b: Posted['bureau']) =>
      a.firstParty === b.firstParty &&
      a.mayRequestIdno === b.mayRequestIdno &&
      [...a.permissions].sort().join() === [...b.permissions].sort().join();
    if (
      !held ||
      same(held, { ...sent.bureau, mayRequestIdno: sent.bureau.mayRequestIdno && app.details.scopes.includes('idno') })
    )
      return seeOther(ctx, `/admin/applications/${id}?decided=1`);
  }
  await refuse(ctx, s, kept, { conflictNote: sent.note.trim() }, 409);
}

/** A refused decision: its page, kept as typed for GET /admin/applications/:id?typed=<token>. */
async function refuse(ctx: Context, s: Services, kept: KeptDecisions, refused: Refused, status: number) {
  const formPage = await keep(ctx, kept, `/admin/applications/${String(ctx.params.id)}`, refused);
  await renderReview(ctx, s, { ...refused, formPage, status });
}

export function adminApplicationRoutes(router: Router, s: Services, admin: Middleware) {
  const { post } = s.forms;
  const kept: KeptDecisions = keptForms(s, 'admin-application-decision', Refused);

  router.get('/admin/applications', admin, async (ctx) => {
    const { status } = ListQuery.parse(ctx.query);
    const apps =
      status === 'submitted'
        ? await s.developers.applications.queue()
        : await s.developers.applications.withStatus(status);
    renderAdmin(ctx, 'applications', {
      title: 'admin.applications.title',
      section: 'applications',
      apps,
      current: status,
      statuses: STATUSES,
    });
  });

  router.get('/admin/applications/:id', admin, async (ctx) => renderReview(ctx, s, await typedIn(ctx, kept)));

  router.post('/admin/applications/:id/decide', admin, post, async (ctx) => {
    const app = await application(s, ctx);
    const form = DecideForm.parse(ctx.request.body ?? {});
    const actor = adminOf(ctx).id;
    const bureau = {
      firstParty: form.first_party === 'yes',
      mayRequestIdno: form.may_request_idno === 'yes',
      permissions: PERMISSIONS.filter((p) => p !== 'roster' && form.permissions.includes(p)),
    };
    const posted = { decision: form.decision, note: form.note, bureau };
    // The developer changed the application after the review was opened: shown again as it is now, decided on nothing.
    const changed = () =>
      refuse(
        ctx,
        s,
        kept,
        { error: 'admin.applications.changedSince', posted: { ...posted, decision: undefined } },
        409,
      );
    // Decided meanwhile (in another tab, by another administrator): said so, with the note typed, nothing decided.
    const alreadyDecided = () => alreadyDecidedAnswer(ctx, s, kept, app.id, posted);
    if (app.status !== 'submitted') return alreadyDecided();
    if (form.version !== app.version) return changed();
    if (!form.decision)
      return refuse(ctx, s, kept, { error: 'admin.applications.chooseDecision', errorField: 'decision', posted }, 400);
    try {
      await s.developers.applications.decide(
        app.id,
        { decision: form.decision, note: form.note, bureau, version: form.version },
        actor,
      );
      seeOther(ctx, `/admin/applications/${app.id}?decided=1`);
    } catch (err) {
      if (!(err instanceof DeveloperError)) throw err;
      if (err.key === 'reviewChanged') return changed();
      if (err.key === 'notWaiting') return alreadyDecided();
      await refuse(
        ctx,
        s,
        kept,
        { error: `developers.errors.${err.key}`, errorField: err.key === 'noteNeeded' ? 'note' : undefined, posted },
        400,
      );
    }
  });

  for (const [path, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const)
    router.post(`/admin/applications/:id/${path}`, admin, post, async (ctx) => {
      const app = await application(s, ctx);
      if (!app.clientId) throw new AppError('not_found', 404);
      await s.developers.applications.setDisabled(app.id, disabled, adminOf(ctx).id);
      seeOther(ctx, `/admin/applications/${app.id}`);
    });
}
