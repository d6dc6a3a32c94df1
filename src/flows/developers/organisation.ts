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
import { type KeptInputs, keepInput, typedInput } from './kept.ts';
import { renderDev } from './pages.ts';
import type { DeveloperReveals } from './reveal.ts';
import { developerOf } from './session.ts';

/** How long an organisation's registration token lasts. */
export const TOKEN_DAYS = 7;

async function renderOrg(
  ctx: Context,
  s: Services,
  extra: {
    login?: string;
    memberError?: string;
    /** The message is about the login typed: said at its field. */
    memberAtField?: boolean;
    token?: string;
    tokenShownOnce?: boolean;
    /** The tokens were ended just now (?ended=N). */
    tokensEnded?: number;
    /** A refused form's page: the address that draws it again (kept.ts). */
    formPage?: string;
    status?: number;
  } = {},
) {
  const org = await ownOrganisation(s, ctx, ctx.params.org);
  if (extra.token) ctx.set('Cache-Control', 'no-store');
  const [members, registered, apps, liveTokens] = await Promise.all([
    s.developers.organisations.members(org.id),
    s.developers.organisations.registeredClients(org.id),
    s.developers.applications.forOrganisations([org.id]),
    org.role === 'owner' ? s.developers.organisations.liveTokens(org.id) : 0,
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
    liveTokens,
    oneTimeQuery: ['ended'],
    ...extra,
  });
}

export function showOrganisation(s: Services, reveals: DeveloperReveals, kept: KeptInputs) {
  return async (ctx: Context) => {
    const org = await ownOrganisation(s, ctx, ctx.params.org);
    const revealed = await reveals.take(ctx, org.id, 'token');
    if (revealed) return renderOrg(ctx, s, revealed.value ? { token: revealed.value } : { tokenShownOnce: true });
    const typed = await typedInput(ctx, kept);
    const t = translator(chooseLocale(ctx));
    const ended = /^\d{1,4}$/.test(String(ctx.query.ended ?? '')) ? Number(ctx.query.ended) : undefined;
    await renderOrg(
      ctx,
      s,
      typed
        ? { login: typed.value, memberError: t(`developers.errors.${typed.error}`), memberAtField: typed.atField }
        : { tokensEnded: ended },
    );
  };
}

/** A refused form of an organisation's page: its message at the members' form, the login typed kept. */
async function refuse(
  ctx: Context,
  s: Services,
  kept: KeptInputs,
  refusal: { org: string; login?: string; key: string; status?: number },
) {
  const t = translator(chooseLocale(ctx));
  const { org, login = '', key, status = 400 } = refusal;
  // A login refused is said at its field; a button refused (remove, a token), above the form.
  const atField = refusal.login !== undefined;
  const formPage = await keepInput(ctx, kept, {
    page: `/developers/organisations/${org}`,
    value: login,
    error: key,
    atField,
  });
  await renderOrg(ctx, s, {
    login,
    memberError: t(`developers.errors.${key}`),
    memberAtField: atField,
    formPage,
    status,
  });
}

const MemberForm = z.object({ login: formText(200) });

export function addMember(s: Services, kept: KeptInputs) {
  return async (ctx: Context) => {
    const org = await ownOrganisation(s, ctx, ctx.params.org);
    const { login } = MemberForm.parse(ctx.request.body ?? {});
    if (!login) return refuse(ctx, s, kept, { org: org.id, login, key: 'required' });
    try {
      await s.developers.organisations.addMember(org.id, login, developerOf(ctx).id);
      seeOther(ctx, `/developers/organisations/${org.id}`);
    } catch (err) {
      if (!(err instanceof DeveloperError)) throw err;
      await refuse(ctx, s, kept, { org: org.id, login, key: err.key });
    }
  };
}

export function removeMember(s: Services, kept: KeptInputs) {
  return async (ctx: Context) => {
    const org = await ownOrganisation(s, ctx, ctx.params.org);
    const person = String(ctx.params.person ?? '');
    try {
      await s.developers.organisations.removeMember(org.id, person, developerOf(ctx).id);
      seeOther(ctx, `/developers/organisations/${org.id}`);
    } catch (err) {
      if (!(err instanceof DeveloperError)) throw err;
      await refuse(ctx, s, kept, { org: org.id, key: err.key });
    }
  };
}

export function newRegistrationToken(s: Services, reveals: DeveloperReveals, kept: KeptInputs) {
  return async (ctx: Context) => {
    const org = await ownOrganisation(s, ctx, ctx.params.org);
    if (org.role !== 'owner') return refuse(ctx, s, kept, { org: org.id, key: 'ownersOnly', status: 403 });
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

/** An owner ends every registration token of the organisation: they register nothing more (a leaked one, say). */
export function endRegistrationTokens(s: Services, kept: KeptInputs) {
  return async (ctx: Context) => {
    const org = await ownOrganisation(s, ctx, ctx.params.org);
    if (org.role !== 'owner') return refuse(ctx, s, kept, { org: org.id, key: 'ownersOnly', status: 403 });
    const ended = await s.developers.organisations.endTokens(org.id, developerOf(ctx).id);
    seeOther(ctx, `/developers/organisations/${org.id}?ended=${ended}`);
  };
}
