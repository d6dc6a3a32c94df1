// Loads the interaction a request belongs to and checks it is at the expected prompt.
import type { Context } from 'koa';
import { errors } from '../../oidc/provider-errors.ts';
import { AppError } from '../../web/errors.ts';
import type { InteractionDeps } from './deps.ts';

export async function loadInteraction(ctx: Context, deps: InteractionDeps, prompt?: string) {
  let details;
  try {
    details = await deps.provider().interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    if (err instanceof errors.SessionNotFound) throw new AppError('session_not_found', 400);
    throw err;
  }
  if (details.uid !== ctx.params.uid) throw new AppError('session_not_found', 400);
  if (prompt && details.prompt.name !== prompt) throw new AppError('session_not_found', 400);
  const clientId = String(details.params.client_id);
  const client = await deps.provider().Client.find(clientId);
  return { details, client, clientName: client?.clientName ?? clientId };
}

export type LoadedInteraction = Awaited<ReturnType<typeof loadInteraction>>['details'];

/**
 * Finishes the interaction this request loaded and sends the browser back to the authorization endpoint.
 * What `provider.interactionResult` does, without reading the interaction and its session a second time.
 */
export async function finishInteraction(ctx: Context, interaction: LoadedInteraction, result: Record<string, unknown>, merge: boolean) {
  interaction.result = merge && !('error' in result) ? { ...interaction.lastSubmission, ...result } : result;
  await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
  ctx.status = 303;
  ctx.redirect(interaction.returnTo);
}
