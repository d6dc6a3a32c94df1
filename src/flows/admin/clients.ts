// The apps (issue 15, item 5): GET /admin/clients lists every client (approved applications, configured and
// registered ones); GET /admin/clients/:id shows one with the bureau-only settings — first party, national IDs, the
// API permissions (`sis`; `roster` for the schools named) — saved by POST …/settings, and enable/disable.
// Refused settings (400; 409: changed meanwhile) are kept as typed (typed.ts): the page stands for
// GET /admin/clients/:id?typed=<token>, which reload, Back and the language link ask for, sending nothing again.
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { ClientError, type ClientMetadata } from '../../domain/clients/metadata.ts';
import { ownPagesName } from '../../domain/clients/own-pages.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { digest } from '../../platform/one-use.ts';
import { AppError } from '../../web/errors.ts';
import { formText } from '../../web/forms.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderAdmin } from './pages.ts';
import { adminOf } from './session.ts';
import { type KeptForms, keep, keptForms, typedIn } from './typed.ts';
import './texts-clients.ts';

const ClientId = z.string().regex(/^[A-Za-z0-9._-]{3,64}$/);

async function client(s: Services, ctx: Context) {
  const id = ClientId.safeParse(ctx.params.id);
  const metadata = id.success ? await s.clients.describe(id.data) : undefined;
  if (!id.success || !metadata) throw new AppError('not_found', 404);
  return { id: id.data, metadata };
}

const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);

/**
 * The bureau's settings of a client as one short text: the form carries them as loaded, and a save over settings
 * someone else changed since writes nothing (409, the form again as it is now).
 */
const settingsVersion = (m: ClientMetadata) =>
  digest(
    JSON.stringify([
      m.first_party === true,
      m.may_request_idno === true,
      list(m.permissions).sort(),
      list(m.school_codes).sort(),
    ]),
  );

/**
 * Refused settings, kept for their page (typed.ts): what the form sent (nothing the bureau ticked or typed is lost)
 * with the version it was loaded with, and why — a refusal (`refusal`: its code and the school it names) or that
 * someone else changed the settings first (`changed`: the form as they are now).
 */
const Refused = z.object({
  refusal: z.object({ code: z.string().max(40), school: z.string().max(2000).optional() }).optional(),
  changed: z.boolean().optional(),
  posted: z
    .object({
      firstParty: z.boolean(),
      mayRequestIdno: z.boolean(),
      permissions: z.array(z.string().max(40)).max(10),
      schools: z.string().max(2000),
    })
    .optional(),
  version: z.string().max(100).optional(),
});
type Refused = z.infer<typeof Refused>;

async function renderClient(
  ctx: Context,
  s: Services,
  extra: Refused & {
    /** Refused settings' page: the address that draws them again (GET …?typed=<token>). */
    formPage?: string;
    status?: number;
  } = {},
) {
  const { id, metadata } = await client(s, ctx);
  const t = translator(chooseLocale(ctx));
  const name = ownPagesName(id, chooseLocale(ctx)) ?? String(metadata.client_name ?? id);
  const { refusal } = extra;
  const error = refusal
    ? t('admin.clients.refused', { reason: t(`admin.clients.refusals.${refusal.code}`, { school: refusal.school }) })
    : extra.changed
      ? t('admin.clients.changedSince')
      : undefined;
  renderAdmin(ctx, 'client', {
    title: 'admin.clients.clientTitle',
    titleVars: { name },
    section: 'clients',
    id,
    name,
    publicClient: metadata.token_endpoint_auth_method === 'none',
    disabled: metadata.disabled === true,
    firstParty: extra.posted?.firstParty ?? metadata.first_party === true,
    mayRequestIdno: extra.posted?.mayRequestIdno ?? metadata.may_request_idno === true,
    permissions: extra.posted?.permissions ?? list(metadata.permissions),
    schools: extra.posted?.schools ?? list(metadata.school_codes).join(' '),
    schoolsError: !!refusal && refusal.code !== 'publicClient',
    // What was posted again (a refusal): the version it was loaded with; otherwise the settings as they are now.
    version: extra.version ?? settingsVersion(metadata),
    redirectUris: list(metadata.redirect_uris),
    subjectType: String(metadata.subject_type ?? 'public'),
    saved: ctx.query.saved === '1',
    // Said once: the page in the other language is the app as it is (render.ts).
    oneTimeQuery: ['saved'],
    error,
    formPage: extra.formPage,
    status: extra.status,
  });
}

const SettingsForm = z.object({
  first_party: formText(5),
  may_request_idno: formText(5),
  sis: formText(5),
  roster: formText(5),
  schools: formText(2000),
  version: formText(100),
});

export function adminClientRoutes(router: Router, s: Services, admin: Middleware) {
  const { post } = s.forms;
  const kept: KeptForms<Refused> = keptForms(s, 'admin-client-settings', Refused);
  /** Refused settings: the page, kept as typed for GET /admin/clients/:id?typed=<token>. */
  const refuse = async (ctx: Context, id: string, refused: Refused, status: number) =>
    renderClient(ctx, s, { ...refused, formPage: await keep(ctx, kept, `/admin/clients/${id}`, refused), status });

  router.get('/admin/clients', admin, async (ctx) => {
    const locale = chooseLocale(ctx);
    // This service's own areas by their name in the page's language.
    const clients = (await s.clients.list()).map((c) => ({ ...c, name: ownPagesName(c.clientId, locale) ?? c.name }));
    renderAdmin(ctx, 'clients', { title: 'admin.clients.title', section: 'clients', clients });
  });

  router.get('/admin/clients/:id', admin, async (ctx) => renderClient(ctx, s, await typedIn(ctx, kept)));

  router.post('/admin/clients/:id/settings', admin, post, async (ctx) => {
    const { id } = await client(s, ctx);
    const form = SettingsForm.parse(ctx.request.body ?? {});
    const actor = adminOf(ctx).id;
    const schools = form.schools.split(/[\s,，、]+/).filter(Boolean);
    const settings = {
      firstParty: form.first_party === 'yes',
      mayRequestIdno: form.may_request_idno === 'yes',
      sis: form.sis === 'yes',
      roster: form.roster === 'yes',
      schools,
    };
    try {
      const saved = await s.clients.saveSettings(id, settings, actor, (m) => settingsVersion(m) === form.version);
      // Someone else changed the settings since the form was loaded: nothing written, the form as it is now.
      if (!saved) return refuse(ctx, id, { changed: true }, 409);
    } catch (err) {
      if (!(err instanceof ClientError)) throw err;
      const refusal = err.refusal;
      // Without a refusal of the form's (a client deleted meanwhile): not found, never the command line's English.
      if (!refusal) throw new AppError('not_found', 404);
      const permissions = (['sis', 'roster'] as const).filter((p) => settings[p]);
      return refuse(
        ctx,
        id,
        {
          refusal: { code: refusal.code, school: refusal.school },
          posted: { ...settings, permissions, schools: form.schools },
          version: form.version,
        },
        400,
      );
    }
    seeOther(ctx, `/admin/clients/${id}?saved=1`);
  });

  for (const [path, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const)
    router.post(`/admin/clients/:id/${path}`, admin, post, async (ctx) => {
      const { id } = await client(s, ctx);
      // An approved application's client: through the application, so the developer sees it disabled too.
      const application = await s.developers.applications.byClientId(id);
      if (application) await s.developers.applications.setDisabled(application.id, disabled, adminOf(ctx).id);
      else await s.clients.setDisabled(id, disabled, adminOf(ctx).id);
      seeOther(ctx, `/admin/clients/${id}?saved=1`);
    });
}
