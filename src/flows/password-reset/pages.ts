// Draws the password pages: every page no-store, texts translated here.
import type { Context } from 'koa';
import type { NewPasswordProblems as NewPasswordErrors } from '../../domain/people/password-policy.ts';
import type { Question } from '../../platform/challenge.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { renderPage, withMistakes } from '../../web/render.ts';
import type { BackLink } from './back-link.ts';

const t = (ctx: Context) => translator(chooseLocale(ctx));

/** Field errors arrive as i18n keys and leave as texts. */
function texts(
  ctx: Context,
  errors: Record<string, string | undefined>,
  vars: Record<string, Record<string, unknown> | undefined> = {},
): Record<string, string> {
  const tr = t(ctx);
  return Object.fromEntries(
    Object.entries(errors)
      .filter(([, v]) => v)
      .map(([k, v]) => [k, tr(v!, vars[k])]),
  );
}

export type ForgotPage = {
  interaction?: string;
  target?: string;
  errors?: { target?: string; challenge?: string };
  /** What the target's message names (the end of a wait). */
  targetVars?: Record<string, unknown>;
  alert?: string;
  /** The person check's question for browsers without scripts. */
  challenge: Question;
  back: BackLink;
  /** Whether SMS codes can be sent here (an SMS gateway, or the development mailbox): if not, email only. */
  sms: boolean;
  status?: number;
};

export function renderForgot(ctx: Context, page: ForgotPage) {
  const tr = t(ctx);
  const query = page.interaction ? `?interaction=${encodeURIComponent(page.interaction)}` : '';
  renderPage(
    ctx,
    'password-reset/forgot',
    {
      pageTitle: withMistakes(
        tr,
        !!page.alert || Object.values(page.errors ?? {}).some(Boolean),
        tr('password.forgot.title'),
      ),
      intro: tr(page.sms ? 'password.forgot.intro' : 'password.forgot.introEmailOnly'),
      targetLabel: tr(page.sms ? 'password.forgot.target' : 'password.forgot.targetEmailOnly'),
      targetHint: tr(page.sms ? 'password.forgot.targetHint' : 'password.forgot.targetHintEmailOnly'),
      interaction: page.interaction,
      target: page.target ?? '',
      errors: texts(ctx, page.errors ?? {}, { target: page.targetVars }),
      alert: page.alert ? tr(page.alert) : undefined,
      challenge: page.challenge,
      challengeError: page.errors?.challenge ? tr(page.errors.challenge) : undefined,
      formAction: `/password/forgot${query}`,
      back: page.back,
      csrfToken: csrfToken(ctx),
      // A refused request's page stands for the form's (render.ts): Back and reload ask for it, sending nothing again.
      formPage: `/password/forgot${query}`,
    },
    page.status,
  );
}

export function renderCode(
  ctx: Context,
  page: {
    ticket: string;
    error?: string;
    errorVars?: Record<string, unknown>;
    back: BackLink;
    againUrl: string;
    status?: number;
  },
) {
  const tr = t(ctx);
  renderPage(
    ctx,
    'password-reset/code',
    {
      pageTitle: withMistakes(tr, !!page.error, tr('password.code.title')),
      ticket: page.ticket,
      error: page.error ? tr(page.error, page.errorVars) : undefined,
      back: page.back,
      againUrl: page.againUrl,
      csrfToken: csrfToken(ctx),
      // A refused code's page stands for the code page (render.ts): a reload asks for it and sends no code again, so
      // it uses up no try; Back to it from the next page asks for it too.
      formPage: `/password/reset/code?ticket=${page.ticket}`,
    },
    page.status,
  );
}

export function renderResetForm(
  ctx: Context,
  page: { token: string; accountName?: string; errors?: NewPasswordErrors; status?: number; welcome?: boolean },
) {
  // A new account's first password (the link in a welcome mail) is set, not reset.
  const words = page.welcome ? 'password.welcome' : 'password.reset';
  renderPage(
    ctx,
    'password-reset/reset',
    {
      pageTitle: withMistakes(t(ctx), !!page.errors, t(ctx)(`${words}.title`)),
      words,
      token: page.token,
      accountName: page.accountName,
      errors: texts(ctx, page.errors ?? {}),
      csrfToken: csrfToken(ctx),
      // A refused password's page stands for the form's (render.ts): Back from the done page and reload ask for it,
      // never to send the passwords again.
      formPage: `/password/reset?token=${page.token}`,
    },
    page.status,
  );
}

export type MessagePage = {
  title: string;
  message: string;
  messageVars?: Record<string, unknown>;
  hint?: string;
  tone: 'info' | 'error';
  links: { href: string; label: string }[];
  status?: number;
  /** Drawn in answer to a form: the page Back and reload ask for instead (render.ts). */
  formPage?: string;
};

export function renderMessage(ctx: Context, page: MessagePage) {
  const tr = t(ctx);
  renderPage(
    ctx,
    'password-reset/message',
    {
      pageTitle: tr(page.title),
      title: tr(page.title),
      message: tr(page.message, page.messageVars),
      hint: page.hint ? tr(page.hint) : undefined,
      tone: page.tone,
      links: page.links.map((l) => ({ href: l.href, label: tr(l.label) })),
      formPage: page.formPage,
    },
    page.status,
  );
}
