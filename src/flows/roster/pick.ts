// GET/POST /register/roster — pick school and identity, enter the school-issued verification account and password
// (seed 000 §9). A match earns a one-use ticket and the choice page; anything else one generic message.
import type { Context } from 'koa';
import { z } from 'zod';
import { newCaptcha, solveCaptcha } from '../../platform/captcha.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { renderPage } from '../../web/render.ts';
import { schoolsWithCredentials } from './credentials.ts';
import { ROSTER_ROLES, type RosterDeps, type RosterRole } from './deps.ts';
import { issueTicket } from './ticket.ts';
import { captchaNeeded, verifyCredential } from './verify.ts';

const field = z.string().max(200).catch('').transform((s) => s.trim());
const Body = z.object({
  school: field, kind: field, account: field, password: z.string().max(200).catch(''), captcha: field, captcha_id: field,
});
type Values = { school: string; kind: string; account: string };

async function render(ctx: Context, deps: RosterDeps, values: Values, alert?: string, status?: number) {
  const t = translator(chooseLocale(ctx));
  ctx.set('Cache-Control', 'no-store');
  renderPage(ctx, 'roster/pick', {
    pageTitle: t('roster.title'),
    values,
    alert: alert && t(alert),
    schools: await schoolsWithCredentials(deps.db),
    kinds: ROSTER_ROLES,
    captcha: (await captchaNeeded(deps.shared, ctx.ip)) ? await newCaptcha(deps.shared) : undefined,
    csrfToken: csrfToken(ctx),
    switchPath: '/register/roster',
  }, status);
}

export function showPick(deps: RosterDeps) {
  return (ctx: Context) => render(ctx, deps, { school: '', kind: '', account: '' });
}

export function submitPick(deps: RosterDeps) {
  return async (ctx: Context) => {
    const body = Body.parse(ctx.request.body ?? {});
    const values = { school: body.school, kind: body.kind, account: body.account };
    if (await captchaNeeded(deps.shared, ctx.ip)) {
      if (!(await solveCaptcha(deps.shared, body.captcha_id, body.captcha))) {
        return render(ctx, deps, values, body.captcha ? 'roster.errors.captchaWrong' : 'roster.errors.captchaRequired', 400);
      }
    }
    const schools = await schoolsWithCredentials(deps.db);
    if (!schools.some((s) => s.code === body.school) || !ROSTER_ROLES.includes(body.kind as RosterRole) || !body.account || !body.password) {
      return render(ctx, deps, values, 'roster.errors.missing', 400);
    }
    const result = await verifyCredential(deps, { ip: ctx.ip, schoolCode: body.school, role: body.kind, account: body.account, password: body.password });
    if (!result.ok) {
      return render(ctx, deps, values, result.reason === 'limited' ? 'roster.errors.limited' : 'roster.errors.wrong', result.reason === 'limited' ? 429 : 400);
    }
    await issueTicket(ctx, deps.shared, result.credentialId);
    ctx.status = 303;
    ctx.redirect('/register/roster/choose');
  };
}
