// GET /developers — the developer's organisations and their apps with their status; a new organisation
// (POST /developers/organisations); an organisation's page with its members and a token for automated registration.
import type { Context } from 'koa';
import { z } from 'zod';
import { DeveloperError } from '../../domain/developers/organisations.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { formText } from '../../web/forms.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { type KeptInputs, keepInput, typedInput } from './kept.ts';
import { renderDev } from './pages.ts';
import { developerOf } from './session.ts';

async function renderHome(ctx: Context, s: Services, form: { name?: string; error?: string; formPage?: string } = {}) {
  const person = developerOf(ctx);
  const orgs = await s.developers.organisations.forPerson(person.id);
  const apps = await s.developers.applications.forOrganisations(orgs.map((o) => o.id));
  renderDev(ctx, 'home', {
    title: 'developers.home.title',
    orgs: orgs.map((o) => ({ ...o, apps: apps.filter((a) => a.orgId === o.id) })),
    orgName: form.name ?? '',
    orgError: form.error,
    // A refused name's page stands for GET /developers?typed=… (kept.ts), which is a page like any other.
    formPage: form.formPage,
    status: form.error && ctx.method === 'POST' ? 400 : undefined,
  });
}

export function showHome(s: Services, kept: KeptInputs) {
  return async (ctx: Context) => {
    const typed = await typedInput(ctx, kept);
    const t = translator(chooseLocale(ctx));
    await renderHome(ctx, s, typed ? { name: typed.value, error: t(`developers.errors.${typed.error}`) } : {});
  };
}

const OrgForm = z.object({ name: formText(200) });

export function createOrganisation(s: Services, kept: KeptInputs) {
  return async (ctx: Context) => {
    const { name } = OrgForm.parse(ctx.request.body ?? {});
    const t = translator(chooseLocale(ctx));
    const refuse = async (key: string) =>
      renderHome(ctx, s, {
        name,
        error: t(`developers.errors.${key}`),
        formPage: await keepInput(ctx, kept, { page: '/developers', value: name, error: key, atField: true }),
      });
    if (!name || name.length > 100) return refuse(name ? 'tooLong' : 'required');
    try {
      const id = await s.developers.organisations.create(name, developerOf(ctx).id);
      seeOther(ctx, `/developers/organisations/${id}`);
    } catch (err) {
      if (!(err instanceof DeveloperError)) throw err;
      await refuse(err.key);
    }
  };
}
