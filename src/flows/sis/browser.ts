// GET /register/sis?handle=… binds the hand-off to this browser; GET/POST /register/sis/consent shows the consent
// and acts on the answer: decline → back to the SIS; register → the wizard, prefilled; add identity → (signed in)
// the identity is added and the browser returns to the SIS with the result.
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { accountOf, requireAccount } from '../../web/require-account.ts';
import { keepDraftSecret } from '../registration/draft-cookie.ts';
import { saveDraft } from '../registration/draft.ts';
import { seeOther } from '../registration/see-other.ts';
import { addSisIdentity } from './add-identity.ts';
import type { SisDeps } from './deps.ts';
import { flowSecret, forgetFlowSecret, keepFlowSecret } from './flow-cookie.ts';
import { bindHandle, endFlow, type Flow, loadFlow, sameHandle } from './handoff-store.ts';
import { renderConsent, renderRefusal } from './pages.ts';

const StartQuery = z.object({ handle: z.string().max(100).catch('') });
const Decision = z.object({ decision: z.enum(['agree', 'decline']).catch('decline') });
const CONSENT = '/register/sis/consent';

export function returnTo(flow: Flow, result: string): string {
  const url = new URL(flow.person.return_url);
  url.searchParams.set('result', result);
  return url.href;
}

export function startHandoff(deps: SisDeps) {
  return async (ctx: Context) => {
    const { handle } = StartQuery.parse(ctx.query);
    const secret = flowSecret(ctx);
    const current = await loadFlow(deps.shared, deps.keyring, secret);
    // This browser already holds this hand-off (a reload, or back from signing in).
    if (secret && current && sameHandle(current, handle)) return seeOther(ctx, CONSENT);
    const bound = await bindHandle(deps.shared, deps.keyring, handle);
    if (bound.state !== 'bound') return renderRefusal(ctx, bound.state);
    keepFlowSecret(ctx, bound.secret);
    seeOther(ctx, CONSENT);
  };
}

/** Loads this browser's flow; in add-identity mode the person must be signed in (the account portal's session). */
function withFlow(deps: SisDeps) {
  const signedIn = requireAccount(deps);
  return async (ctx: Context, next: Next) => {
    const secret = flowSecret(ctx);
    const flow = await loadFlow(deps.shared, deps.keyring, secret);
    if (!secret || !flow) return renderRefusal(ctx, 'noFlow');
    ctx.state.sisFlow = { secret, flow };
    if (flow.person.mode === 'add_identity') return signedIn(ctx, next);
    await next();
  };
}

const flowOf = (ctx: Context) => ctx.state.sisFlow as { secret: string; flow: Flow };

async function schoolName(deps: SisDeps, code: string): Promise<string> {
  return (await deps.db('schools').where({ code }).first('name'))?.name ?? code;
}

export function showConsent(deps: SisDeps) {
  return [withFlow(deps), async (ctx: Context) => {
    const { flow } = flowOf(ctx);
    const account = flow.person.mode === 'add_identity' ? accountOf(ctx).person : undefined;
    await renderConsent(ctx, flow, await schoolName(deps, flow.person.school_code), account ? (account.email ?? account.name) : undefined);
  }];
}

export function submitConsent(deps: SisDeps) {
  return [withFlow(deps), async (ctx: Context) => {
    const { secret, flow } = flowOf(ctx);
    const { decision } = Decision.parse(ctx.request.body ?? {});
    const p = flow.person;
    if (decision === 'decline') {
      await endFlow(deps.shared, secret, flow);
      forgetFlowSecret(ctx);
      return seeOther(ctx, returnTo(flow, 'declined'));
    }
    if (p.mode === 'register') {
      const draftSecret = await saveDraft(deps.shared, undefined, {
        values: { school: p.school_code, kind: p.role, email: p.email ?? '', name: p.name, nationalId: p.national_id, phone: p.mobile ?? '', gender: p.gender ?? '' },
        ready: false,
        sis: { clientId: flow.clientId, returnUrl: p.return_url, classCode: p.class, seat: p.seat, studentNumber: p.student_number, birthdate: p.birthdate },
      });
      await endFlow(deps.shared, secret, flow);
      forgetFlowSecret(ctx);
      keepDraftSecret(ctx, draftSecret);
      return seeOther(ctx, '/register');
    }
    const result = await addSisIdentity(deps.db, deps.keyring, { personId: accountOf(ctx).person.id, clientId: flow.clientId, person: p });
    if (result === 'mismatch') return renderRefusal(ctx, 'mismatch', returnTo(flow, 'mismatch'));
    await endFlow(deps.shared, secret, flow);
    forgetFlowSecret(ctx);
    seeOther(ctx, returnTo(flow, result));
  }];
}
