// The app application form (GET/POST /developers/apps/new, /developers/apps/:id/edit): what a developer asks for,
// checked as strictly as dynamic registration (domain/developers/details.ts), with every problem at its field (each
// bad or repeated address line named, all at once) and everything typed kept. A new application's form sent again
// goes to the application it made, with a notice; an edit form carries the version it was drawn from, and a save from
// an older form (another tab saved meanwhile) is refused (409) with what was typed and what is saved now. A refused form
// is kept as typed (the one-use store, 30 minutes, for its developer) and its page stands for
// GET …?typed=<token> (render.ts `formPage`): the language link, reload and Back draw the same form, with what was
// typed and the same messages (in the page's language), and never send it again; nothing typed goes in the address.
import crypto from 'node:crypto';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Application } from '../../domain/developers/applications.ts';
import {
  type ApplicationDetails,
  changedDetails,
  detailsSchema,
  KINDS,
  REASONED_SCOPES,
  SCOPES,
  SERVED_ROLES,
} from '../../domain/developers/details.ts';
import { DeveloperError } from '../../domain/developers/organisations.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import type { OneUseKind } from '../../platform/one-use.ts';
import { formText } from '../../web/forms.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { ownApplication, ownOrganisation } from './access.ts';
import { renderDev } from './pages.ts';
import { developerOf } from './session.ts';

const many = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .catch(undefined)
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).slice(0, 20));
/** A text area's lines that are not blank, trimmed, each with its number as the developer sees it (from 1). */
const numberedLines = (v: string) =>
  v
    .split(/\r?\n/)
    .map((text, i) => ({ text: text.trim(), line: i + 1 }))
    .filter((l) => l.text);
const lines = (v: string) => numberedLines(v).map((l) => l.text);

const Form = z.object({
  org: formText(40),
  /** The form's own key (a new application's): sent again, the form finds the application it made. */
  submission: formText(40),
  /** The application's version the edit form was drawn from (`Application.version`). */
  version: formText(100),
  app_name: formText(200),
  purpose: formText(2000),
  contact_name: formText(200),
  contact_email: formText(300),
  contact_phone: formText(60),
  homepage_url: formText(600),
  privacy_url: formText(600),
  logo_url: formText(600),
  kind: formText(10),
  redirect_uris: formText(6000),
  post_logout_redirect_uris: formText(6000),
  backchannel_logout_uri: formText(600),
  scopes: many,
  allowed_roles: many,
  reason_idno: formText(1000),
  reason_children: formText(1000),
  reason_identities: formText(1000),
});
type Form = z.infer<typeof Form>;
type FormValues = Omit<Form, 'org' | 'submission' | 'version'>;

/**
 * A refused form as it was typed, for its developer: a new application's (its organisation is `form.org`) or an edit
 * of the application `app`; `refusal`: why its save was refused, when the check passed.
 */
const Kept = z.object({
  developer: z.string().max(40),
  app: z.string().max(40).optional(),
  form: Form,
  refusal: z.string().max(40).optional(),
});
type Kept = z.infer<typeof Kept>;
export type KeptForms = OneUseKind<Kept>;
const KEPT_SECONDS = 30 * 60;

/** Where refused forms are kept (made once, by routes.ts). */
export const keptForms = (s: Services): KeptForms =>
  s.oneUse.kind({ name: 'developer-application-form', schema: Kept, ttlSeconds: KEPT_SECONDS });

/** The refused form an address names (`?typed=<token>`), if it is this developer's and still kept. */
async function typedIn(ctx: Context, kept: KeptForms): Promise<Kept | undefined> {
  const found = ctx.query.typed === undefined ? undefined : await kept.peek(ctx.query.typed);
  return found?.developer === developerOf(ctx).id ? found : undefined;
}

/** The form's fields as the page shows them (URIs one per line). */
export function formValues(d: ApplicationDetails): Omit<Form, 'org' | 'submission' | 'version'> {
  return {
    ...d,
    redirect_uris: d.redirect_uris.join('\n'),
    post_logout_redirect_uris: d.post_logout_redirect_uris.join('\n'),
    reason_idno: d.scope_reasons.idno,
    reason_children: d.scope_reasons.children,
    reason_identities: d.scope_reasons.identities,
  };
}

const EMPTY = Form.parse({});
/** The fields a developer fills in (not the form's own org, key and version). */
const FIELDS = (Object.keys(EMPTY) as (keyof Form)[]).filter(
  (k): k is keyof FormValues => k !== 'org' && k !== 'submission' && k !== 'version',
);

function check(s: Services, form: Form) {
  return detailsSchema({ development: s.development }).safeParse({
    ...form,
    kind: form.kind || undefined,
    redirect_uris: lines(form.redirect_uris),
    post_logout_redirect_uris: lines(form.post_logout_redirect_uris),
    scope_reasons: { idno: form.reason_idno, children: form.reason_children, identities: form.reason_identities },
  });
}

const URI_LISTS = ['redirect_uris', 'post_logout_redirect_uris'] as const;
const isUriList = (field: string): field is (typeof URI_LISTS)[number] =>
  (URI_LISTS as readonly string[]).includes(field);

/**
 * Field id → its messages, from the check's problems: one per field, except the address lists, whose every bad line
 * is named (its number and what it says) and every repeated line points at the first.
 */
function fieldErrors(ctx: Context, error: z.ZodError, form: Form): Record<string, string[]> {
  const t = translator(chooseLocale(ctx));
  const whole: Record<string, string[]> = {};
  const byLine: Record<string, Map<number, string>> = {};
  for (const issue of error.issues) {
    const [first, second] = issue.path;
    const field = first === 'scope_reasons' ? `reason_${String(second)}` : String(first);
    const key = /^[a-zA-Z]+$/.test(issue.message) ? issue.message : 'invalid';
    if (isUriList(field) && typeof second === 'number') {
      const numbered = numberedLines(form[field]);
      const at = numbered[second];
      byLine[field] ??= new Map();
      const seen = byLine[field];
      if (!at || seen.has(second)) continue;
      const problem =
        key === 'duplicate'
          ? t('developers.errors.duplicate', { line: numbered.find((l) => l.text === at.text)!.line })
          : t(`developers.errors.${key}`);
      seen.set(second, t('developers.errors.line', { line: at.line, value: at.text, problem }));
      continue;
    }
    whole[field] ??= [];
    const messages = whole[field];
    // One message for a field as a whole (an address list may have several: too many, on two hosts).
    const message = t(`developers.errors.${key}`);
    if ((messages.length && !isUriList(field)) || messages.includes(message)) continue;
    messages.push(message);
  }
  for (const [field, seen] of Object.entries(byLine))
    whole[field] = [...(whole[field] ?? []), ...[...seen].sort(([a], [b]) => a - b).map(([, m]) => m)];
  return whole;
}

/** The form's fields as the stale-save comparison reads them (lines without blanks, ticks in any order). */
const comparable = (v: string | string[]) => (Array.isArray(v) ? [...v].sort().join('\n') : lines(v).join('\n'));

/** What is saved now, in words, for each field where it differs from what was typed (a stale save's page). */
function savedNow(ctx: Context, now: FormValues, typed: FormValues): Record<string, string[]> {
  const t = translator(chooseLocale(ctx));
  const shown: Record<string, string[]> = {};
  for (const field of FIELDS) {
    const [was, is] = [now[field], typed[field]];
    if (comparable(was) === comparable(is)) continue;
    const words =
      field === 'kind'
        ? [was ? t(`developers.kinds.${was}`) : '']
        : field === 'scopes'
          ? [...was].map((sc) => `${t(`developers.scopes.${sc}`)}${t('inParentheses', { text: sc })}`)
          : field === 'allowed_roles'
            ? [...was].map((r) => t(`role.${r}`))
            : Array.isArray(was)
              ? was
              : field === 'redirect_uris' || field === 'post_logout_redirect_uris'
                ? lines(was)
                : [was];
    const filled = words.filter(Boolean);
    shown[field] = filled.length ? filled : [t('developers.form.staleEmpty')];
  }
  return shown;
}

function render(
  ctx: Context,
  page: {
    action: string;
    values: FormValues;
    org?: string;
    /** A new application's form key (kept through a refused submission). */
    submission?: string;
    /** The edited application's version, as this page shows it. */
    version?: string;
    orgName: string;
    errors?: Record<string, string[]>;
    /** A save from an older form: what is saved now, for the fields where it differs from what was typed. */
    stale?: Record<string, string[]>;
    editing?: boolean;
    /** A refused form's page: the address that draws it again (GET …?typed=<token>). */
    formPage?: string;
  },
) {
  const t = translator(chooseLocale(ctx));
  const { errors: all = {}, ...rest } = page;
  // Under the field: its message, or the list of them; in the summary: the message, or how many there are.
  const errors = Object.fromEntries(
    Object.entries(all).map(([id, m]) => [
      id,
      m.length > 1 ? t('developers.errors.problems', { count: m.length }) : m[0]!,
    ]),
  );
  const errorLines = Object.fromEntries(Object.entries(all).filter(([, m]) => m.length > 1));
  renderDev(ctx, 'application-form', {
    title: page.editing ? 'developers.form.editTitle' : 'developers.form.title',
    ...rest,
    stale: page.stale,
    errors,
    errorLines,
    errorList: Object.entries(errors).map(([id, message]) => ({
      id: id === 'kind' ? 'kind-web' : id === 'scopes' ? 'scope-profile' : id,
      label: t(`developers.form.field.${id}`),
      message,
    })),
    kinds: KINDS,
    scopes: SCOPES,
    reasoned: REASONED_SCOPES,
    roles: SERVED_ROLES,
    // Drawn again from the address a refused form's page stands for, it is a page like any other.
    status: ctx.method !== 'POST' ? undefined : page.stale ? 409 : Object.keys(errors).length ? 400 : undefined,
  });
}

export function showNewApplication(s: Services, kept: KeptForms) {
  return async (ctx: Context) => {
    const org = await ownOrganisation(s, ctx, ctx.query.org);
    const typed = await typedIn(ctx, kept);
    if (typed && !typed.app && typed.form.org === org.id) {
      const checked = check(s, typed.form);
      return render(ctx, {
        action: '/developers/apps/new',
        values: typed.form,
        org: org.id,
        orgName: org.name,
        submission: typed.form.submission || crypto.randomUUID(),
        errors: checked.success ? undefined : fieldErrors(ctx, checked.error, typed.form),
      });
    }
    const values = { ...EMPTY, contact_name: developerOf(ctx).name, contact_email: developerOf(ctx).email ?? '' };
    render(ctx, {
      action: '/developers/apps/new',
      values,
      org: org.id,
      orgName: org.name,
      submission: crypto.randomUUID(),
    });
  };
}

export function submitNewApplication(s: Services, kept: KeptForms) {
  return async (ctx: Context) => {
    const form = Form.parse(ctx.request.body ?? {});
    const org = await ownOrganisation(s, ctx, form.org);
    const checked = check(s, form);
    if (!checked.success) {
      // A form from before the key (or without it): a key from now on.
      const submission = form.submission || crypto.randomUUID();
      const token = await kept.issue({ developer: developerOf(ctx).id, form: { ...form, org: org.id, submission } });
      return render(ctx, {
        action: '/developers/apps/new',
        values: form,
        org: org.id,
        orgName: org.name,
        submission,
        errors: fieldErrors(ctx, checked.error, form),
        formPage: `/developers/apps/new?${new URLSearchParams({ org: org.id, typed: token })}`,
      });
    }
    // One application per form: sent again (the same key, or exactly what was sent just before), the form goes to the
    // application it made and says so.
    const { id, again } = await s.developers.applications.submitForm(
      org.id,
      checked.data,
      developerOf(ctx).id,
      form.submission || undefined,
    );
    seeOther(ctx, `/developers/apps/${id}?done=${again ? 'alreadySent' : 'submitted'}`);
  };
}

/**
 * The page a typed edit form is answered with when it is not saved (undefined: it is to be saved): what is saved now
 * beside what was typed, when the form was drawn from an older version and differs from it (409); else its mistakes
 * (400); else why its save was refused (`refusal`: `editChanged`, another tab saved first; or a word at the name).
 */
function refusedEdit(ctx: Context, s: Services, app: Application, form: Form, refusal?: string) {
  const checked = check(s, form);
  const page = { action: `/developers/apps/${app.id}/edit`, values: form, orgName: app.orgName, editing: true };
  // Drawn from an older version (or from a page without one) and not what is saved now: what was typed comes back
  // with what is saved now beside it, and the version of now, so that saving again is a choice made knowingly.
  const stale =
    checked.success && changedDetails(app.details, checked.data).length === 0
      ? undefined
      : savedNow(ctx, formValues(app.details), form);
  if (refusal === 'editChanged') return { ...page, version: app.version, stale: stale ?? {} };
  if (form.version !== app.version && stale)
    return {
      ...page,
      version: app.version,
      stale,
      errors: checked.success ? undefined : fieldErrors(ctx, checked.error, form),
    };
  if (!checked.success) return { ...page, version: form.version, errors: fieldErrors(ctx, checked.error, form) };
  if (refusal) {
    const t = translator(chooseLocale(ctx));
    return { ...page, version: form.version, errors: { app_name: [t(`developers.errors.${refusal}`)] } };
  }
  return undefined;
}

export function showEditApplication(s: Services, kept: KeptForms) {
  return async (ctx: Context) => {
    const app = await ownApplication(s, ctx);
    const typed = await typedIn(ctx, kept);
    const refused = typed?.app === app.id && refusedEdit(ctx, s, app, typed.form, typed.refusal);
    if (refused) return render(ctx, refused);
    render(ctx, {
      action: `/developers/apps/${app.id}/edit`,
      values: formValues(app.details),
      version: app.version,
      orgName: app.orgName,
      editing: true,
    });
  };
}

export function submitEditApplication(s: Services, kept: KeptForms) {
  return async (ctx: Context) => {
    const app = await ownApplication(s, ctx);
    const form = Form.parse(ctx.request.body ?? {});
    // Refused: kept as typed, and its page stands for the edit form drawn again from it.
    const refuse = async (page: Parameters<typeof render>[1], refusal?: string) => {
      const token = await kept.issue({ developer: developerOf(ctx).id, app: app.id, form, refusal });
      render(ctx, { ...page, formPage: `/developers/apps/${app.id}/edit?typed=${token}` });
    };
    const refused = refusedEdit(ctx, s, app, form);
    if (refused) return refuse(refused);
    const checked = check(s, form);
    if (!checked.success) throw new Error('refusedEdit passed a form its check refuses');
    try {
      const outcome = await s.developers.applications.edit(app.id, checked.data, developerOf(ctx).id, form.version);
      // An application never approved has no settings running meanwhile: it is simply sent again.
      const done = outcome === 'review' && !app.live ? 'resubmitted' : outcome;
      seeOther(ctx, `/developers/apps/${app.id}?done=${done}`);
    } catch (err) {
      if (!(err instanceof DeveloperError)) throw err;
      // Saved from another tab between the check above and this save: compared with what is saved now.
      const now = err.key === 'editChanged' ? ((await s.developers.applications.get(app.id)) ?? app) : app;
      await refuse(refusedEdit(ctx, s, now, form, err.key)!, err.key);
    }
  };
}
