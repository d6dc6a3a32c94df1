// Loads the interaction a request belongs to and checks it is at the expected prompt; finishes it (the sign-in pages
// and the sign-in with another account both finish interactions).
import type { Context } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import { ownPagesName } from '../domain/clients/own-pages.ts';
import { menuFollowsSignIn } from '../domain/identities/choice.ts';
import { asksForSecondFactor, type FirstFactor } from '../domain/people/second-factor.ts';
import { errors, findInteraction, type Interaction, saveInteractionResult } from '../oidc/internals.ts';
import { chooseLocale } from '../platform/i18n/index.ts';
import { renewCsrfToken } from './csrf.ts';
import { AppError } from './errors.ts';
import type { Services } from './services.ts';
import { signInFinished } from './sign-in-restart.ts';

export async function loadInteraction(ctx: Context, s: Services, prompt?: string) {
  let details: Interaction;
  try {
    details = await s.provider().interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    if (err instanceof errors.SessionNotFound) throw new AppError('session_not_found', 400);
    throw err;
  }
  if (details.uid !== ctx.params.uid) throw new AppError('session_not_found', 400);
  if (prompt && details.prompt.name !== prompt) throw new AppError('session_not_found', 400);
  // The app's language wish (ui_locales) for every page of this sign-in (platform/i18n chooseLocale).
  ctx.state.uiLocales = details.params.ui_locales;
  const clientId = String(details.params.client_id);
  const client = await s.provider().Client.find(clientId);
  const clientName = ownPagesName(clientId, chooseLocale(ctx)) ?? client?.clientName ?? clientId;
  return { details, client, clientId, clientName };
}

export type LoadedInteraction = Awaited<ReturnType<typeof loadInteraction>>;

/** Finishes the interaction this request loaded and sends the browser back to the authorization endpoint. */
export async function finishInteraction(
  ctx: Context,
  interaction: Interaction,
  result: InteractionResults,
  merge: boolean,
) {
  const returnTo = await saveInteractionResult(interaction, result, merge);
  if (!('error' in result)) signInFinished(ctx);
  ctx.status = 303;
  ctx.redirect(returnTo);
}

/**
 * What the sign-in knows of the person's identities and the app, to tell whether the identity menu follows; `show`
 * draws the menu in answer to this request (else the browser is sent to it).
 */
export type MenuHint = {
  identityRoles: string[];
  allowedRoles: unknown;
  show?: (interaction: Interaction) => Promise<void>;
};

/**
 * The person passed the first factor (the password, or a linked upstream account): the sign-in is finished, or, when
 * the app asked for a second factor, the second-factor step comes first (flows/sign-in/second-factor.ts). A fresh
 * sign-in whose person will meet the identity menu (`menu`, when known) goes straight to it: the sign-in is kept in the
 * interaction (pendingSignIn) and the choice finishes both, one trip through the authorization endpoint fewer; the
 * menu is the answer to the form post itself when `menu.show` draws it (one request fewer again).
 */
export async function signedIn(
  ctx: Context,
  s: Services,
  interaction: Interaction,
  first: FirstFactor,
  menu?: MenuHint,
): Promise<void> {
  renewCsrfToken(ctx);
  if (asksForSecondFactor(interaction.params)) {
    await s.secondFactor.firstFactors.save(interaction.uid, {
      personId: first.personId,
      remember: first.remember,
      amr: first.amr,
      ts: first.ts,
    });
    ctx.status = 303;
    ctx.redirect(`/interaction/${interaction.uid}/second-factor`);
    return;
  }
  // Signed in now (auth_time), or when the password was checked (`first.ts`, People.checkPassword's signedInAt), not
  // when the sign-in resumes after the identity menu or the consent page: a sign-in older than a password change made
  // meanwhile then ends there (oidc/configuration.ts findAccount).
  const ts = first.ts ?? Math.floor(Date.now() / 1000);
  const login = { login: { accountId: first.personId, remember: first.remember, amr: first.amr, ts } };
  if (
    menu &&
    !interaction.session?.accountId &&
    menuFollowsSignIn(menu.identityRoles, menu.allowedRoles, String(interaction.params.scope ?? ''))
  ) {
    await saveInteractionResult(interaction, login, false);
    if (menu.show) return menu.show(interaction);
    ctx.status = 303;
    ctx.redirect(`/interaction/${interaction.uid}`);
    return;
  }
  await finishInteraction(ctx, interaction, login, false);
}

/**
 * The person who signed in at this interaction and is still to choose an identity before it resumes (see signedIn);
 * undefined when the interaction waits for no choice of that kind.
 */
export function pendingSignIn(interaction: Interaction): string | undefined {
  if (interaction.prompt.name !== 'login' || interaction.session?.accountId) return undefined;
  const accountId = (interaction.result as { login?: { accountId?: unknown } } | undefined)?.login?.accountId;
  return typeof accountId === 'string' ? accountId : undefined;
}

/**
 * `signedIn` for an interaction known by its uid only (the upstream callback: see findInteraction), when it still
 * waits for a sign-in: the app it was for; none when it ended or expired meanwhile.
 */
export async function signedInByUid(
  ctx: Context,
  s: Services,
  uid: string,
  first: FirstFactor,
): Promise<{ clientId: string } | undefined> {
  const interaction = await findInteraction(s.provider(), uid);
  if (interaction?.prompt.name !== 'login') return undefined;
  await signedIn(ctx, s, interaction, first);
  return { clientId: String(interaction.params.client_id) };
}

/**
 * "Not you?": the same authorization request with prompt=login, so another person signs in on this browser. None when
 * the request cannot be repeated (pushed or signed request objects).
 */
export function switchAccountUrl(params: Record<string, unknown>): string | undefined {
  if (params.request_uri || params.request) return undefined;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (typeof value === 'string') query.set(key, value);
  query.set('prompt', 'login');
  return `/auth?${query}`;
}
