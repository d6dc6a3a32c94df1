// The hand-off between the school-affairs push and the browser, in the one-use store. The handle is used once: its
// first use binds the hand-off to that browser (a flow token in a cookie on /register/sis) and leaves a marker, so a
// second use — in any browser — is told apart from an expired handle.
import type { Context } from 'koa';
import { z } from 'zod';
import { signedCookie } from '../../web/cookies.ts';
import type { Services } from '../../web/services.ts';
import { Handoff } from './payload.ts';

export const HANDLE_TTL_SECONDS = 600;
export const FLOW_TTL_SECONDS = 30 * 60;

/** A hand-off bound to one browser, with the handle it came from. */
const FlowSchema = Handoff.extend({ handle: z.string() });
export type Flow = z.infer<typeof FlowSchema>;

/** `otherBrowser`: the handle is bound to a browser whose flow is still open; `used`: that flow ended. */
export type BindResult = { state: 'bound'; flow: Flow } | { state: 'used' | 'otherBrowser' | 'expired' };

const cookie = signedCookie({ name: 'sis_flow', path: '/register/sis', maxAgeSeconds: FLOW_TTL_SECONDS });

export function handoffs(s: Services) {
  const handles = s.oneUse.kind({ name: 'sis-handle', schema: Handoff, ttlSeconds: HANDLE_TTL_SECONDS });
  const markers = s.oneUse.kind({
    name: 'sis-handle-used',
    schema: z.enum(['bound', 'done']),
    ttlSeconds: FLOW_TTL_SECONDS,
  });
  const flows = s.oneUse.kind({ name: 'sis-flow', schema: FlowSchema, ttlSeconds: FLOW_TTL_SECONDS });

  return {
    issue: (handoff: Handoff) => handles.issue(handoff),

    /** This browser's flow, if it holds one. */
    current: async (ctx: Context) => flows.peek(cookie.get(ctx)),

    /** Uses the handle up and binds its hand-off to this browser. */
    async bind(ctx: Context, handle: string): Promise<BindResult> {
      const handoff = await handles.take(handle);
      if (!handoff) {
        const marker = await markers.peek(handle);
        return { state: marker === 'bound' ? 'otherBrowser' : marker === 'done' ? 'used' : 'expired' };
      }
      await markers.save(handle, 'bound');
      const flow: Flow = { ...handoff, handle };
      cookie.set(ctx, await flows.issue(flow));
      return { state: 'bound', flow };
    },

    /** Ends this browser's flow: the person decided, and the hand-off is spent. */
    async end(ctx: Context, flow: Flow): Promise<void> {
      await markers.save(flow.handle, 'done');
      await flows.take(cookie.get(ctx));
      cookie.clear(ctx);
    },
  };
}
export type Handoffs = ReturnType<typeof handoffs>;
