// Draws the sign-in page, with the person check (platform/challenge.ts) when the guard asks for one, the other
// accounts one may sign in with (issue 13), and the upstream account this sign-in will link, when there is one. A
// person signed in on this browser whom the app asks to sign in again is told why, their account name filled in.
import type { Context } from 'koa';
import { maskEmail } from '../../domain/people/masks.ts';
import type { Interaction } from '../../oidc/internals.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { renderPage, withMistakes } from '../../web/render.ts';
import type { Services } from '../../web/services.ts';

export type LoginPage = {
  uid: string;
  clientName: string;
  login?: string;
  remember?: boolean;
  error?: string;
  /** What a field lacks, shown under it (an empty or overlong account name or password). */
  fieldErrors?: { login?: string; password?: string };
  /** Show the person check (after failures), and what went wrong with it last time. */
  challenge?: boolean;
  challengeError?: string;
  /** The check is shown because the account typed needs it and the page had none yet: say so, not as a mistake. */
  checkFirst?: boolean;
  /** A one-use ticket for "send the activation mail again" (pending accounts). */
  resendTicket?: string;
  /** A message about signing in with another account (why it did not work), by its key under `federation.notice`. */
  notice?: string;
  /** The upstream the notice is about (its id, from the address: only a configured upstream's name is shown). */
  noticeUpstream?: string;
  /** An upstream account met in this sign-in waits to be linked: signing in with the password links it. */
  linking?: boolean;
  /** Signed in already and asked again (signInAgain): the key of the words saying why. */
  again?: string;
  status?: number;
};

/** The notices that name the upstream when the page knows which (`…At`: "you cancelled at {{provider}}"). */
const NAMED_NOTICES = new Set(['cancelled', 'unavailable']);

const federationNotice = (
  t: (key: string, vars?: Record<string, string>) => string,
  notice: string,
  provider?: string,
) =>
  provider && NAMED_NOTICES.has(notice)
    ? t(`federation.notice.${notice}At`, { provider })
    : t(`federation.notice.${notice}`);

/** The notices a redirect to the sign-in page may ask for (nothing else from the address is shown). */
export const FEDERATION_NOTICES = ['cancelled', 'failed', 'unavailable', 'disabled', 'pending', 'inactive'] as const;

/** The prompt's reasons that ask a person already signed in on this browser to sign in again. */
const AGAIN_REASONS = new Set(['login_prompt', 'max_age']);

/**
 * The person signed in on this browser whom the app asks to sign in again (prompt=login: the account pages before an
 * email, mobile or link change; a sign-in older than max_age: the administrators' pages): the words saying why (their
 * password, or their linked account when they have no password) and their account name, to fill in.
 */
export async function signInAgain(
  s: Services,
  details: Interaction,
): Promise<{ key: string; login: string } | undefined> {
  const { session, prompt } = details;
  if (prompt.name !== 'login' || !session?.accountId || !prompt.reasons.some((r) => AGAIN_REASONS.has(r)))
    return undefined;
  const person = await s.people.findById(session.accountId);
  if (person?.status !== 'active') return undefined;
  return {
    key: person.password_hash ? 'login.again.password' : 'login.again.linked',
    login: person.username ?? person.email ?? person.mobile ?? '',
  };
}

export async function renderLogin(ctx: Context, s: Services, page: LoginPage) {
  const t = translator(chooseLocale(ctx));
  const pending = page.linking ? await s.federatedLinks.pending.peek(page.uid) : undefined;
  const upstreams = await s.upstreams.enabled();
  renderPage(
    ctx,
    'sign-in/login',
    {
      pageTitle: withMistakes(t, !!(page.error || page.challengeError), t('login.title')),
      uid: page.uid,
      clientName: page.clientName,
      login: page.login ?? '',
      remember: page.remember ?? false,
      error: page.error,
      fieldErrors: page.fieldErrors ?? {},
      challenge: page.challenge ? s.challenges.question() : undefined,
      challengeError: page.challengeError,
      // Without scripts: the question's words; public/challenge.js says the widget's while it runs and once done.
      challengeNotice: page.checkFirst && {
        text: t('login.checkFirst.question'),
        running: t('login.checkFirst.running'),
        done: t('login.checkFirst.done'),
      },
      resendTicket: page.resendTicket,
      csrfToken: csrfToken(ctx),
      // A wrong password's page stands for the sign-in page: Back, reload and the language link ask for it (render.ts).
      formPage: `/interaction/${page.uid}`,
      upstreams: upstreams.map((u) => ({ id: u.id, name: u.name, icon: u.icon ?? u.id })),
      again: page.again && t(page.again),
      notice: page.notice,
      noticeText:
        page.notice && federationNotice(t, page.notice, upstreams.find((u) => u.id === page.noticeUpstream)?.name),
      linking: pending && {
        providerName: pending.providerName,
        email: pending.email ? maskEmail(pending.email) : undefined,
      },
    },
    page.status,
  );
}
