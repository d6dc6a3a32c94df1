// An organisation's page (GET /developers/organisations/:org): its members (owners add and remove them) and, for
// automated registration (RFC 7591), an initial access token — shown once, by the page the post redirects to
// (reveal.ts: a reload makes no second token); every client it registers is third-party, pairwise and listed here.
import type { Context } from 'koa';
import { z } from 'zod';
import { DEVELOPER_ORG_POLICY, DeveloperError } from '../../domain/developers/organisations.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { formText } from '../../web/forms.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { ownOrganisation } from './access.ts';
import { renderDev } from './pages.ts';
import type { DeveloperReveals } from './reveal.ts';
import { developerOf } from './session.ts';

/** How long an organisation's registration token lasts. */
export const TOKEN_DAYS = 7;

async function renderOrg(
  ctx: Context,
  s: Services,
  extra: { login?: string; memberError?: string; token?: string; tokenShownOnce?: boolean; status?: number } = {},
) {
  const org = await ownOrganisation(s, ctx, ctx.params.org);
  if (extra.token) ctx.set('Cache-Control', 'no-store');
  const [members, registered, apps] = await Promise.all([
    s.developers.organisations.members(org.id),
    s.developers.organisations.registeredClients(org.id),
    s.developers.applications.forOrganisations([org.id]),
  ]);
  renderDev(ctx, 'organisation', {
    title: 'developers.org.title',
    titleVars: { name: org.name },
    org,
    owner: org.role === 'owner',
    me: developerOf(ctx).id,
    members,
    registered,
    apps,
    registrationEndpoint: `${s.issuer}/reg`,
    tokenDays: TOKEN_DAYS,
    ...extra,
  });
}

export function showOrganisation(s: Services, reveals: DeveloperReveals) {
  return async (ctx: Context) => {
    const org = await ownOrganisation(s, ctx, ctx.params.org);
    const revealed = await reveals.take(ctx, org.id, 'token');
    await renderOrg(ctx, s, revealed ? (revealed.value ? { token: revealed.value } : { tokenShownOnce: true }) : {});
  };
}

const MemberForm = z.object({ login: formText(200) });

export function addMember(s: Services) {
  return async (ctx: Context) => {
    const org = await ownOrganisation(s, ctx, ctx.params.org);
    const { login } = MemberForm.parse(ctx.request.body ?? {});
    const t = translator(chooseLocale(ctx));
    if (!login) return renderOrg(ctx, s, { login, memberError: t('developers.errors.required'), status: 400 });
    try {
      await s.developers.organisations.addMember(org.id, login, developerOf(ctx).id);
      seeOther(ctx, `/developers/organisations/${org.id}`);
    } catch (err) {
      if (!(err instanceof DeveloperError)) throw err;
      await renderOrg(ctx, s, { login, memberError: t(`developers.errors.${err.key}`), status: 400 });
    }
  };
}

export function removeMember(s: Services) {
  return async (ctx: Context) => {
    const org = await ownOrganisation(s, ctx, ctx.params.org);
    const person = String(ctx.params.person ?? '');
    const t = translator(chooseLocale(ctx));
    try {
      await s.developers.organisations.removeMember(org.id, person, developerOf(ctx).id);
      seeOther(ctx, `/developers/organisations/${org.id}`);
    } catch (err) {
      if (!(err instanceof DeveloperError)) throw err;
      await renderOrg(ctx, s, { memberError: t(`developers.errors.${err.key}`), status: 400 });
    }
  };
}

export function newRegistrationToken(s: Services, reveals: DeveloperReveals) {
  return async (ctx: Context) => {
    const org = await ownOrganisation(s, ctx, ctx.params.org);
    const t = translator(chooseLocale(ctx));
    if (org.role !== 'owner') return renderOrg(ctx, s, { memberError: t('developers.errors.ownersOnly'), status: 403 });
    const seconds = TOKEN_DAYS * 86_400;
    const token = await s.initialAccessToken(seconds, [DEVELOPER_ORG_POLICY]);
    await s.developers.organisations.recordToken(
      org.id,
      token,
      new Date(Date.now() + seconds * 1000),
      developerOf(ctx).id,
    );
    seeOther(ctx, `/developers/organisations/${org.id}?reveal=${await reveals.keep(ctx, org.id, 'token', token)}`);
  };
}
