// GET/POST /register/roster — pick school and identity, enter the school-issued verification account and password
// (seed 000 §9). A match earns a one-use ticket and the choice page; anything else one generic message.
import type { Context } from 'koa';
import { z } from 'zod';
import { SELF_KINDS, type SelfKind } from '../../domain/enrolment/person-input.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { passedChallenge, triedChallenge } from '../../web/challenge.ts';
import { csrfToken } from '../../web/csrf.ts';
import { formSecret, formText } from '../../web/forms.ts';
import { renderPage } from '../../web/render.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import type { RosterTickets } from './ticket.ts';

const field = formText(200);
const Body = z.object({
  school: field,
  kind: field,
  account: field,
  password: formSecret(200),
});
type Values = { school: string; kind: string; account: string };
/** What is missing, field by field (i18n keys). */
type FieldErrors = Partial<Record<'school' | 'kind' | 'account' | 'password', string>>;

async function render(
  ctx: Context,
  s: Services,
  values: Values,
  alert?: string,
  status?: number,
  challengeError?: string,
  errors: FieldErrors = {},
) {
  const t = translator(chooseLocale(ctx));
  const schools = await s.enrolment.schoolsWithCredentials();
  renderPage(
    ctx,
    'roster/pick',
    {
      pageTitle: t('roster.title'),
      values,
      alert: alert && t(alert),
      errors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, t(v)])),
      // No school has given out verification accounts yet: nothing to choose, so no form — the way elsewhere.
      none: schools.length === 0,
      schools,
      kinds: SELF_KINDS,
      challenge: (await s.enrolment.rosterChallengeNeeded(ctx.ip)) ? s.challenges.question() : undefined,
      challengeError: challengeError && t(challengeError),
      csrfToken: csrfToken(ctx),
      switchPath: '/register/roster',
    },
    status,
  );
}

export function showPick(s: Services) {
  return (ctx: Context) =>
    render(
      ctx,
      s,
      { school: '', kind: '', account: '' },
      ctx.query.again === '1' ? 'roster.errors.startAgain' : undefined,
    );
}

export function submitPick(s: Services, tickets: RosterTickets) {
  return async (ctx: Context) => {
    const body = Body.parse(ctx.request.body ?? {});
    const values = { school: body.school, kind: body.kind, account: body.account };
    const raw = ctx.request.body ?? {};
    const schools = await s.enrolment.schoolsWithCredentials();
    // A form from before the last school's accounts were withdrawn (or sent by hand): the page says there is none.
    if (schools.length === 0) return render(ctx, s, { school: '', kind: '', account: '' }, undefined, 409);
    const missing: FieldErrors = {};
    if (!schools.some((c) => c.code === body.school)) missing.school = 'roster.errors.school';
    if (!SELF_KINDS.includes(body.kind as SelfKind)) missing.kind = 'roster.errors.kind';
    if (!body.account) missing.account = 'roster.errors.account';
    if (!body.password) missing.password = 'roster.errors.password';
    if (Object.keys(missing).length) return render(ctx, s, values, 'roster.errors.missing', 400, undefined, missing);
    const result = await s.enrolment.verifyCredential({
      address: ctx.ip,
      schoolCode: body.school,
      role: body.kind,
      account: body.account,
      password: body.password,
      // Asked for (and used up) only when this try needs it: counted first, so tries sent at once are asked too.
      personCheck: () => passedChallenge(s, raw),
    });
    if (!result.ok && result.reason === 'challenge')
      return render(ctx, s, values, undefined, 400, triedChallenge(raw) ? 'challenge.failed' : 'challenge.required');
    if (!result.ok) {
      return render(
        ctx,
        s,
        values,
        result.reason === 'limited' ? 'roster.errors.limited' : 'roster.errors.wrong',
        result.reason === 'limited' ? 429 : 400,
      );
    }
    await tickets.issue(ctx, result.credentialId);
    seeOther(ctx, '/register/roster/choose');
  };
}
