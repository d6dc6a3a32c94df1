// Loads the interaction a request belongs to and checks it is at the expected prompt.
import type { Context } from 'koa';
import { errors } from '../oidc/provider-errors.ts';
import { AppError } from '../errors/app-error.ts';
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

/** Finishes the interaction and sends the browser back to the authorization endpoint. */
export async function finishInteraction(ctx: Context, deps: InteractionDeps, result: Record<string, unknown>, merge: boolean) {
  const url = await deps.provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
  ctx.status = 303;
  ctx.redirect(url);
}
