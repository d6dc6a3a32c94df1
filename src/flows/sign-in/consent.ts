// The consent page (drawn by show.ts) and POST /interaction/:uid/confirm, which records the grant agreed to.
import type { Context } from 'koa';
import type { IdentityClaim } from '../../domain/identities/identities.ts';
import { scopesShared } from '../../domain/identities/shared-scopes.ts';
import { classNameIn } from '../../domain/schools/classes.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { finishInteraction, type LoadedInteraction, loadInteraction, switchAccountUrl } from '../../web/interaction.ts';
import { renderPage } from '../../web/render.ts';
import type { Services } from '../../web/services.ts';

/** The identity as a person reads it: 學生 · 臺北市立示範國民中學 · 7年1班 · 7 號 (Grade 7, Class 1 in English). */
function describeIdentity(t: ReturnType<typeof translator>, locale: string, identity: IdentityClaim): string {
  return [
    t(`role.${identity.role}`),
    identity.school?.name,
    identity.class && classNameIn(locale, identity.class),
    identity.seat ? t('identity.seat', { seat: identity.seat }) : undefined,
    identity.title,
  ]
    .filter(Boolean)
    .join(' · ');
}

/**
 * Who is signed in (name and the identity chosen for this app), who offers the app (its organisation, privacy policy
 * and terms), and only what this person would share: no children for a pupil, no national ID for someone without one.
 */
export async function renderConsent(ctx: Context, s: Services, loaded: LoadedInteraction) {
  const { details, client, clientName } = loaded;
  const locale = chooseLocale(ctx);
  const t = translator(locale);
  const personId = details.session!.accountId;
  const person = await s.people.findById(personId);
  const metadata = (client?.metadata() ?? {}) as Record<string, unknown>;
  const identities = await s.identities.accepted(personId, metadata.allowed_roles);
  const chosenId = (details.lastSubmission as { select_account?: { identityId?: string } } | undefined)?.select_account
    ?.identityId;
  const identity = identities.find((i) => i.id === chosenId) ?? (identities.length === 1 ? identities[0] : undefined);
  const children = identities.some((i) => i.role === 'parent') ? await s.identities.children(personId) : [];

  const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
  const requested = String(details.params.scope ?? '')
    .split(' ')
    .filter(Boolean);
  // What this person has to share of each scope (the account's list of apps shows the same: domain/identities).
  const scopes = scopesShared(missing.length ? missing : requested, {
    email: !!person?.email,
    phone: !!person?.mobile,
    identity: !!identity,
    identities: identities.length > 0,
    children: children.length > 0,
    idno: !!person?.national_id_sealed,
  });
  const link = (value: unknown) => (typeof value === 'string' && /^https?:\/\//.test(value) ? value : undefined);
  renderPage(ctx, 'sign-in/consent', {
    pageTitle: t('consent.title', { client: clientName }),
    uid: details.uid,
    clientName,
    organization: typeof metadata.organization === 'string' ? metadata.organization : undefined,
    policyUri: link(metadata.policy_uri),
    tosUri: link(metadata.tos_uri),
    personName: person?.name,
    identityText: identity ? describeIdentity(t, locale, identity) : undefined,
    otherAccountUrl: switchAccountUrl(details.params),
    csrfToken: csrfToken(ctx),
    scopes,
  });
}

export function submitConsent(s: Services) {
  return async (ctx: Context) => {
    const { details, clientId } = await loadInteraction(ctx, s, 'consent');
    const provider = s.provider();
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session!.accountId, clientId });
    if (!grant) throw new Error('grant of the interaction disappeared');
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    // An identity chosen earlier in this flow belongs to the grant agreed to (one made for a first-party app on the way
    // to a consent it asked for, prompt=consent, included).
    const chosen = (details.lastSubmission as { select_account?: { identityId?: string } } | undefined)?.select_account
      ?.identityId;
    if (chosen) {
      await s.identities.attachChoice({ personId: details.session!.accountId, clientId, identityId: chosen, grantId });
    }
    await finishInteraction(ctx, details, { consent: { grantId } }, true);
  };
}
