// What a reset keeps between its pages, in the one-use store: the password link (domain/people/password-links.ts:
// mailed, or earned with a right SMS code) and the SMS code itself. Unknown numbers get an SMS ticket too (no person, a code nobody receives),
// so the pages that follow look the same whether an account exists or not.
import { z } from 'zod';
import { type PasswordGrant, stillValid } from '../../domain/people/password-links.ts';
import type { Services } from '../../web/services.ts';

export const INTERACTION_UID = /^[A-Za-z0-9_-]{1,64}$/;

export type ResetGrant = PasswordGrant;
export { stillValid };

const SmsTicket = z.object({
  personId: z.uuid().nullable(),
  interaction: z.string().regex(INTERACTION_UID).optional(),
  issuedAt: z.number().int(),
});

/** After a right SMS code, the new-password form has this long. */
export const SMS_TOKEN_TTL_SECONDS = 900;

export function resetState(s: Services) {
  return {
    tokens: s.passwordLinks,
    /** 6 digits, 10 minutes, 5 tries. */
    codes: s.oneUse.codes({ name: 'password-reset-sms', schema: SmsTicket, ttlSeconds: 600, maxTries: 5 }),
  };
}
export type ResetState = ReturnType<typeof resetState>;
