// Signed cookies' signatures, as Koa's cookies module makes and checks them with Keygrip: an HMAC-SHA1 of
// `name=value` in base64url, made with the first key, accepted from any key, so cookies signed before stay good. What
// differs is the check: one HMAC per key and a constant-time compare, where Keygrip's compare (tsscmp) draws 32 random
// bytes and computes two more HMACs with them for every cookie it checks (issue 16: a sign-in checks a dozen).
import crypto from 'node:crypto';

/** What Koa's `app.keys` and oidc-provider's `cookies.keys` accept in place of a list of keys (Keygrip's methods). */
export type CookieSigner = {
  sign(data: string): string;
  verify(data: string, digest: string): boolean;
  /** Which key made `digest` for `data`, or -1. */
  index(data: string, digest: string): number;
};

export function cookieSigner(keys: readonly string[]): CookieSigner {
  if (!keys.length) throw new Error('cookie keys are required');
  const mac = (data: string, key: string) => crypto.createHmac('sha1', key).update(data).digest('base64url');
  const index = (data: string, digest: string) => {
    if (typeof digest !== 'string') return -1;
    const given = Buffer.from(digest);
    for (const [i, key] of keys.entries()) {
      const expected = Buffer.from(mac(data, key));
      if (expected.length === given.length && crypto.timingSafeEqual(expected, given)) return i;
    }
    return -1;
  };
  return { sign: (data) => mac(data, keys[0]!), verify: (data, digest) => index(data, digest) > -1, index };
}
