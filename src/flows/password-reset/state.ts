// What a reset keeps between its pages, in the one-use store: the reset token (mailed as a link, or earned with a
// right SMS code) and the SMS code itself. Unknown numbers get an SMS ticket too (no person, a code nobody receives),
// so the pages that follow look the same whether an account exists or not.
import { z } from 'zod';
import type { Services } from '../../web/services.ts';

export const INTERACTION_UID = /^[A-Za-z0-9_-]{1,64}$/;

/** Behind a reset token: whose password may be set, how the person proved it, where to go back to. */
export const ResetGrant = z.object({
  personId: z.uuid(),
  via: z.enum(['email', 'sms']),
  interaction: z.string().regex(INTERACTION_UID).optional(),
  issuedAt: z.number().int(),
});
export type ResetGrant = z.infer<typeof ResetGrant>;

const SmsTicket = z.object({
  personId: z.uuid().nullable(),
  interaction: z.string().regex(INTERACTION_UID).optional(),
  issuedAt: z.number().int(),
});

export const EMAIL_TOKEN_TTL_SECONDS = 3600;
/** After a right SMS code, the new-password form has this long. */
export const SMS_TOKEN_TTL_SECONDS = 900;

export function resetState(s: Services) {
  return {
    tokens: s.oneUse.kind({ name: 'password-reset', schema: ResetGrant, ttlSeconds: EMAIL_TOKEN_TTL_SECONDS }),
    /** 6 digits, 10 minutes, 5 tries. */
    codes: s.oneUse.codes({ name: 'password-reset-sms', schema: SmsTicket, ttlSeconds: 600, maxTries: 5 }),
  };
}
export type ResetState = ReturnType<typeof resetState>;

/** A token from before the last password change is void (the change may have been another reset). */
export function stillValid(grant: ResetGrant, passwordChangedAt: Date | null): boolean {
  return !passwordChangedAt || new Date(passwordChangedAt).getTime() <= grant.issuedAt;
}
