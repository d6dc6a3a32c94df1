// Links that let a person set their password (the reset mail, a right SMS code, and the welcome of an account made
// for someone else, such as a parent whose binding was approved): one use, kept in the one-use store.
import { z } from 'zod';
import type { OneUseStore } from '../../platform/one-use.ts';

const INTERACTION_UID = /^[A-Za-z0-9_-]{1,64}$/;

/** Behind a link: whose password may be set, how the person proved it, where to go back to. */
export const PasswordGrant = z.object({
  personId: z.uuid(),
  /** `welcome`: an account made for the person (no password of theirs yet), its link mailed to them. */
  via: z.enum(['email', 'sms', 'welcome']),
  interaction: z.string().regex(INTERACTION_UID).optional(),
  issuedAt: z.number().int(),
});
export type PasswordGrant = z.infer<typeof PasswordGrant>;

/** A reset link's lifetime (the welcome link of a new account gets longer: WELCOME_LINK_TTL_SECONDS). */
export const EMAIL_TOKEN_TTL_SECONDS = 3600;
export const WELCOME_LINK_TTL_SECONDS = 7 * 86_400;

export function passwordLinks(oneUse: OneUseStore) {
  return oneUse.kind({ name: 'password-reset', schema: PasswordGrant, ttlSeconds: EMAIL_TOKEN_TTL_SECONDS });
}
export type PasswordLinks = ReturnType<typeof passwordLinks>;

/** A link from before the last password change is void (the change may have been another reset). */
export function stillValid(grant: PasswordGrant, passwordChangedAt: Date | null): boolean {
  return !passwordChangedAt || new Date(passwordChangedAt).getTime() <= grant.issuedAt;
}
