// Rate limits of reset requests, in the shared store: per target (email or mobile) and per network address.
import crypto from 'node:crypto';
import type { SharedStore } from '../../platform/shared-store/types.ts';

export const FORGOT_LIMIT = { windowSeconds: 3600, perTarget: 3, perAddress: 50 } as const;

const digest = (value: string) => crypto.createHash('sha256').update(value).digest('base64url').slice(0, 22);

/** Keys carry a digest, never the address or target itself. */
export const forgotLimitKeys = {
  target: (target: string) => `pwreset:rate:target:${digest(target)}`,
  address: (address: string) => `pwreset:rate:addr:${digest(address)}`,
};

/** Counts one request; false once either count is over its limit within the window. */
export async function allowResetRequest(store: SharedStore, target: string, address: string): Promise<boolean> {
  const [byTarget, byAddress] = await Promise.all([
    store.increment(forgotLimitKeys.target(target), FORGOT_LIMIT.windowSeconds),
    store.increment(forgotLimitKeys.address(address), FORGOT_LIMIT.windowSeconds),
  ]);
  return byTarget <= FORGOT_LIMIT.perTarget && byAddress <= FORGOT_LIMIT.perAddress;
}
