// Our own cookies: signed (with the provider's rotating cookie keys), http-only, SameSite=Lax, Secure behind TLS.
// A cookie holding JSON is read back through its schema, never trusted as it is.
import type { Context } from 'koa';
import type { z } from 'zod';
import { parseStoredJson } from '../platform/stored-json.ts';

export type CookieSpec = { name: string; path?: string; maxAgeSeconds?: number };

const options = (ctx: Context, spec: CookieSpec) =>
  ({
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secure,
    path: spec.path ?? '/',
    overwrite: true,
  }) as const;

export type SignedCookie = {
  get(ctx: Context): string | undefined;
  set(ctx: Context, value: string): void;
  clear(ctx: Context): void;
};

export function signedCookie(spec: CookieSpec): SignedCookie {
  return {
    get: (ctx) => ctx.cookies.get(spec.name, { signed: true }) ?? undefined,
    set: (ctx, value) =>
      ctx.cookies.set(spec.name, value, {
        ...options(ctx, spec),
        ...(spec.maxAgeSeconds ? { maxAge: spec.maxAgeSeconds * 1000 } : {}),
      }),
    clear: (ctx) => ctx.cookies.set(spec.name, null, options(ctx, spec)),
  };
}

export type JsonCookie<T> = {
  read(ctx: Context): T | undefined;
  write(ctx: Context, value: T): void;
  clear(ctx: Context): void;
};

/** A signed cookie holding a small JSON value (base64url), at most `maxLength` characters. */
export function jsonCookie<S extends z.ZodType>(
  spec: CookieSpec & { schema: S; maxLength?: number },
): JsonCookie<z.infer<S>> {
  const cookie = signedCookie(spec);
  return {
    read(ctx) {
      const raw = cookie.get(ctx);
      if (!raw || raw.length > (spec.maxLength ?? 2000)) return undefined;
      return parseStoredJson(spec.schema, Buffer.from(raw, 'base64url').toString());
    },
    write: (ctx, value) => cookie.set(ctx, Buffer.from(JSON.stringify(value)).toString('base64url')),
    clear: cookie.clear,
  };
}
