// POST /interaction/:uid/abort — the person declined; the app receives access_denied.
import type { Context } from 'koa';
import { finishInteraction, loadInteraction } from '../../web/interaction.ts';
import type { Services } from '../../web/services.ts';

export function abortInteraction(s: Services) {
  return async (ctx: Context) => {
    const { details } = await loadInteraction(ctx, s);
    await finishInteraction(
      ctx,
      details,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      false,
    );
  };
}
