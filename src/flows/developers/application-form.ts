// The app application form (GET/POST /developers/apps/new, /developers/apps/:id/edit): what a developer asks for,
// checked as strictly as dynamic registration (domain/developers/details.ts), with every problem at its field and
// everything typed kept.
import crypto from 'node:crypto';
import type { Context } from 'koa';
import { z } from 'zod';
import {
  type ApplicationDetails,
  detailsSchema,
  KINDS,
  REASONED_SCOPES,
  SCOPES,
  SERVED_ROLES,
} from '../../domain/developers/details.ts';
import { DeveloperError } from '../../domain/developers/organisations.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
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
const lines = (v: string) =>
  v
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

const Form = z.object({
  org: formText(40),
  /** The form's own key (a new application's): sent again, the form finds the application it made. */
  submission: formText(40),
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

/** The form's fields as the page shows them (URIs one per line). */
export function formValues(d: ApplicationDetails): Omit<Form, 'org' | 'submission'> {
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

function check(s: Services, form: Form) {
  return detailsSchema({ development: s.development }).safeParse({
    ...form,
    kind: form.kind || undefined,
    redirect_uris: lines(form.redirect_uris),
    post_logout_redirect_uris: lines(form.post_logout_redirect_uris),
    scope_reasons: { idno: form.reason_idno, children: form.reason_children, identities: form.reason_identities },
  });
}

/** Field id → message, from the check's problems (a URI's problem names the URI). */
function fieldErrors(ctx: Context, error: z.ZodError, form: Form): Record<string, string> {
  const t = translator(chooseLocale(ctx));
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const [first, second] = issue.path;
    const field = first === 'scope_reasons' ? `reason_${String(second)}` : String(first);
    if (errors[field]) continue;
    const value =
      typeof second === 'number' && (first === 'redirect_uris' || first === 'post_logout_redirect_uris')
        ? lines(form[first])[second]
        : undefined;
    const key = /^[a-zA-Z]+$/.test(issue.message) ? issue.message : 'invalid';
    errors[field] =
      t(`developers.errors.${key}`, { value: value ?? '' }) + (value ? t('inParentheses', { text: value }) : '');
  }
  return errors;
}

function render(
  ctx: Context,
  page: {
    action: string;
    values: Omit<Form, 'org' | 'submission'>;
    org?: string;
    /** A new application's form key (kept through a refused submission). */
    submission?: string;
    orgName: string;
    errors?: Record<string, string>;
    editing?: boolean;
  },
) {
  const t = translator(chooseLocale(ctx));
  const errors = page.errors ?? {};
  renderDev(ctx, 'application-form', {
    title: page.editing ? 'developers.form.editTitle' : 'developers.form.title',
    ...page,
    errors,
    errorList: Object.entries(errors).map(([id, message]) => ({
      id: id === 'kind' ? 'kind-web' : id === 'scopes' ? 'scope-profile' : id,
      label: t(`developers.form.field.${id}`),
      message,
    })),
    kinds: KINDS,
    scopes: SCOPES,
    reasoned: REASONED_SCOPES,
    roles: SERVED_ROLES,
    status: Object.keys(errors).length ? 400 : undefined,
  });
}

export function showNewApplication(s: Services) {
  return async (ctx: Context) => {
    const org = await ownOrganisation(s, ctx, ctx.query.org);
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

export function submitNewApplication(s: Services) {
  return async (ctx: Context) => {
    const form = Form.parse(ctx.request.body ?? {});
    const org = await ownOrganisation(s, ctx, form.org);
    const checked = check(s, form);
    if (!checked.success)
      return render(ctx, {
        action: '/developers/apps/new',
        values: form,
        org: org.id,
        orgName: org.name,
        // A form from before the key (or without it): a key from now on.
        submission: form.submission || crypto.randomUUID(),
        errors: fieldErrors(ctx, checked.error, form),
      });
    // One application per form: sent again, the form goes to the application it made.
    const id = await s.developers.applications.submit(
      org.id,
      checked.data,
      developerOf(ctx).id,
      form.submission || undefined,
    );
    seeOther(ctx, `/developers/apps/${id}?done=submitted`);
  };
}

export function showEditApplication(s: Services) {
  return async (ctx: Context) => {
    const app = await ownApplication(s, ctx);
    render(ctx, {
      action: `/developers/apps/${app.id}/edit`,
      values: formValues(app.details),
      orgName: app.orgName,
      editing: true,
    });
  };
}

export function submitEditApplication(s: Services) {
  return async (ctx: Context) => {
    const app = await ownApplication(s, ctx);
    const form = Form.parse(ctx.request.body ?? {});
    const checked = check(s, form);
    const page = { action: `/developers/apps/${app.id}/edit`, values: form, orgName: app.orgName, editing: true };
    if (!checked.success) return render(ctx, { ...page, errors: fieldErrors(ctx, checked.error, form) });
    try {
      const outcome = await s.developers.applications.edit(app.id, checked.data, developerOf(ctx).id);
      // An application never approved has no settings running meanwhile: it is simply sent again.
      const done = outcome === 'review' && !app.live ? 'resubmitted' : outcome;
      seeOther(ctx, `/developers/apps/${app.id}?done=${done}`);
    } catch (err) {
      if (!(err instanceof DeveloperError)) throw err;
      const t = translator(chooseLocale(ctx));
      render(ctx, { ...page, errors: { app_name: t(`developers.errors.${err.key}`) } });
    }
  };
}
