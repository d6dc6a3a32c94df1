// Draws an account page: the section tabs, the person's name, the sign-out form and a notice after a change.
import type { Context } from 'koa';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { renderPage, withMistakes } from '../../web/render.ts';
import { accountOf } from '../../web/require-account.ts';

export const SECTIONS = [
  { id: 'profile', href: '/account' },
  { id: 'password', href: '/account/password' },
  { id: 'identities', href: '/account/identities' },
  { id: 'links', href: '/account/links' },
  { id: 'apps', href: '/account/apps' },
  { id: 'sessions', href: '/account/sessions' },
  { id: 'signIns', href: '/account/sign-ins' },
] as const;

export type SectionId = (typeof SECTIONS)[number]['id'];

export function renderAccount(
  ctx: Context,
  view: string,
  section: SectionId,
  locals: Record<string, unknown> & {
    heading?: string;
    notice?: string;
    /** A form's mistakes, listed above it (and said first in the title). */
    mistakes?: { id: string; label: string; message: string }[];
  },
  status?: number,
): void {
  const t = translator(chooseLocale(ctx));
  const { person } = accountOf(ctx);
  const href = SECTIONS.find((s) => s.id === section)!.href;
  const heading = locals.heading ?? t(`account.${section}.title`);
  renderPage(
    ctx,
    `account/${view}`,
    {
      // A page drawn in answer to a form switches language through the section's own page.
      switchPath: ctx.method === 'GET' ? ctx.path : href,
      ...locals,
      pageTitle: withMistakes(t, !!locals.mistakes?.length, heading),
      heading,
      sections: SECTIONS.map((s) => ({ href: s.href, label: t(`account.${s.id}.nav`), current: s.id === section })),
      personName: person.name,
      csrfToken: csrfToken(ctx),
    },
    status,
  );
}
