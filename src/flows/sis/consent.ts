// GET /register/sis?handle=… binds the hand-off to this browser; GET/POST /register/sis/consent shows the consent
// and acts on the answer: decline → back to the SIS; register → the wizard, filled in; add identity → (signed in)
// the identity is added and the browser returns to the SIS with the result.
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { handPrefill } from '../../web/prefill.ts';
import { accountOf, requireAccount } from '../../web/require-account.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import type { Flow, Handoffs } from './handoff.ts';
import { renderConsent, renderRefusal } from './pages.ts';

const StartQuery = z.object({ handle: z.string().max(100).catch('') });
const Decision = z.object({ decision: z.enum(['agree', 'decline']).catch('decline') });
const CONSENT = '/register/sis/consent';

export function returnTo(flow: Flow, result: string): string {
  const url = new URL(flow.person.return_url);
  url.searchParams.set('result', result);
  return url.href;
}

export function startHandoff(handoffs: Handoffs) {
  return async (ctx: Context) => {
    const { handle } = StartQuery.parse(ctx.query);
    // This browser already holds this hand-off (a reload, or back from signing in).
    if ((await handoffs.current(ctx))?.handle === handle) return seeOther(ctx, CONSENT);
    const bound = await handoffs.bind(ctx, handle);
    if (bound.state !== 'bound') return renderRefusal(ctx, bound.state);
    seeOther(ctx, CONSENT);
  };
}

/** Loads this browser's flow; in add-identity mode the person must be signed in (the account portal's session). */
function withFlow(s: Services, handoffs: Handoffs): Middleware {
  const signedIn = requireAccount(s);
  return async (ctx, next) => {
    const flow = await handoffs.current(ctx);
    if (!flow) return renderRefusal(ctx, 'noFlow');
    ctx.state.sisFlow = flow;
    if (flow.person.mode === 'add_identity') return signedIn(ctx, next);
    await next();
  };
}

const flowOf = (ctx: Context) => ctx.state.sisFlow as Flow;

export function showConsent(s: Services, handoffs: Handoffs) {
  return [
    withFlow(s, handoffs),
    async (ctx: Context) => {
      const flow = flowOf(ctx);
      const account = flow.person.mode === 'add_identity' ? accountOf(ctx).person : undefined;
      await renderConsent(
        ctx,
        flow,
        await s.schools.name(flow.person.school_code),
        account ? (account.email ?? account.name) : undefined,
      );
    },
  ];
}

export function submitConsent(s: Services, handoffs: Handoffs) {
  return [
    withFlow(s, handoffs),
    async (ctx: Context) => {
      const flow = flowOf(ctx);
      const { decision } = Decision.parse(ctx.request.body ?? {});
      const p = flow.person;
      if (decision === 'decline') {
        await handoffs.end(ctx, flow);
        return seeOther(ctx, returnTo(flow, 'declined'));
      }
      if (p.mode === 'register') {
        await handoffs.end(ctx, flow);
        return handPrefill(ctx, s, {
          values: {
            school: p.school_code,
            kind: p.role,
            email: p.email ?? '',
            name: p.name,
            nationalId: p.national_id,
            phone: p.mobile ?? '',
            gender: p.gender ?? '',
          },
          sis: {
            clientId: flow.clientId,
            returnUrl: p.return_url,
            classCode: p.class,
            seat: p.seat,
            studentNumber: p.student_number,
            birthdate: p.birthdate,
          },
        });
      }
      const result = await s.enrolment.addPushedIdentity(accountOf(ctx).person.id, flow.clientId, p);
      if (result === 'mismatch') return renderRefusal(ctx, 'mismatch', returnTo(flow, 'mismatch'));
      await handoffs.end(ctx, flow);
      seeOther(ctx, returnTo(flow, result));
    },
  ];
}
