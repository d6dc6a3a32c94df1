// POST /interaction/:uid/confirm — records the grant the person agreed to.
import type { Context } from 'koa';
import type { Services } from '../../web/services.ts';
import { finishInteraction, loadInteraction } from './interaction.ts';

export function submitConsent(s: Services) {
  return async (ctx: Context) => {
    const { details, clientId } = await loadInteraction(ctx, s, 'consent');
    const provider = s.provider();
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session!.accountId, clientId });
    if (!grant) throw new Error('grant of the interaction disappeared');
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    // An identity chosen earlier in this flow, before the grant existed, now belongs to it.
    const chosen = (details.lastSubmission as { select_account?: { identityId?: string } } | undefined)?.select_account
      ?.identityId;
    if (chosen && !details.grantId) {
      await s.identities.attachChoice({ personId: details.session!.accountId, clientId, identityId: chosen, grantId });
    }
    await finishInteraction(ctx, details, { consent: { grantId } }, true);
  };
}
