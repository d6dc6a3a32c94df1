// The hand-off's pages: the consent (seed 000 §2.1 / §3.1 「申請酷課雲帳號」) and its clear refusals.
import type { Context } from 'koa';
import { maskNationalId } from '../../domain/people/national-id.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { renderPage } from '../../web/render.ts';
import type { Flow } from './handoff.ts';

export type Refusal = 'expired' | 'used' | 'otherBrowser' | 'mismatch' | 'noFlow';
const STATUS: Record<Refusal, number> = { expired: 410, used: 409, otherBrowser: 409, mismatch: 403, noFlow: 400 };

export function renderRefusal(ctx: Context, reason: Refusal, returnUrl?: string): void {
  const t = translator(chooseLocale(ctx));
  renderPage(
    ctx,
    'sis/refusal',
    { pageTitle: t('sis.title'), message: t(`sis.refusal.${reason}`), reason, returnUrl },
    STATUS[reason],
  );
}

export async function renderConsent(ctx: Context, flow: Flow, school: string, signedInAs?: string): Promise<void> {
  const t = translator(chooseLocale(ctx));
  const p = flow.person;
  renderPage(ctx, 'sis/consent', {
    pageTitle: t('sis.title'),
    heading: t(p.mode === 'register' ? 'sis.consent.heading' : 'sis.consent.headingAdd'),
    intro: t(p.mode === 'register' ? 'sis.consent.introRegister' : 'sis.consent.introAdd', { brand: t('brand') }),
    rows: [
      { label: t('sis.field.nationalId'), value: maskNationalId(p.national_id) },
      { label: t('sis.field.name'), value: p.name },
      { label: t('sis.field.email'), value: p.email ?? '' },
      { label: t('sis.field.birthdate'), value: p.birthdate ?? '' },
      { label: t('sis.field.mobile'), value: p.mobile ?? '' },
      { label: t('sis.field.gender'), value: p.gender ? t(`gender.${p.gender}`) : '' },
      { label: t('sis.field.role'), value: t(`role.${p.role}`) },
      { label: t('sis.field.school'), value: school },
      ...(p.class ? [{ label: t('sis.field.class'), value: p.class + (p.seat ? ` / ${p.seat}` : '') }] : []),
    ],
    consent: t('sis.consent.text', { brand: t('brand'), client: flow.clientName }),
    next: t(p.mode === 'register' ? 'sis.consent.nextRegister' : 'sis.consent.nextAdd', { brand: t('brand') }),
    signedInAs,
    csrfToken: csrfToken(ctx),
  });
}
