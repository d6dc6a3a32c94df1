// Body parsing, built once: form posts (parsed, then their CSRF token checked), JSON API calls, and the larger JSON
// of roster uploads. Nothing else parses bodies: oidc-provider parses its own.
import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import compose from 'koa-compose';
import { z } from 'zod';
import { hasNul } from '../platform/stored-json.ts';
import { verifyCsrf } from './csrf.ts';
import { AppError } from './errors.ts';

/** A roster upload is larger than a form: a few thousand rows. */
const UPLOAD_LIMIT = '4mb';

export type Forms = {
  /** A form post of one of our pages: parsed (at most MAX_BODY_BYTES), then its CSRF token checked. */
  post: Middleware;
  /** A JSON API call (at most MAX_BODY_BYTES). */
  json: Middleware;
  /** A JSON upload of many rows (at most 4 MB). */
  upload: Middleware;
};

/** A body with a NUL character anywhere is refused: no person types one, and PostgreSQL cannot store it. */
const storable: Middleware = async (ctx, next) => {
  if (hasNul((ctx.request as { body?: unknown }).body)) throw new AppError('bad_characters', 400);
  await next();
};

/**
 * Bodies come as they are: a compressed one (Content-Encoding) is refused before anything reads it (no browser sends
 * one, and a broken one must not reach a decompressor), and a body of another type than the route takes gets 415.
 */
const accepting =
  (type: 'urlencoded' | 'json'): Middleware =>
  async (ctx, next) => {
    const encoding = ctx.get('content-encoding').trim().toLowerCase();
    if (encoding && encoding !== 'identity') throw new AppError('unsupported_encoding', 415);
    const hasBody = Number(ctx.get('content-length') || 0) > 0 || ctx.get('transfer-encoding') !== '';
    if (hasBody && !ctx.is(type)) throw new AppError('unsupported_media_type', 415);
    await next();
  };

export function buildForms(maxBodyBytes: number): Forms {
  const limit = String(maxBodyBytes);
  const parse = (type: 'form' | 'json', max: string) =>
    compose([
      accepting(type === 'form' ? 'urlencoded' : 'json'),
      bodyParser({ enableTypes: [type], formLimit: max, jsonLimit: max }) as Middleware,
      storable,
    ]);
  return {
    post: compose([parse('form', limit), verifyCsrf]),
    json: parse('json', limit),
    upload: parse('json', UPLOAD_LIMIT),
  };
}

/** A text field as typed, trimmed; anything that is not a string (missing, repeated, too long to be real) arrives as ''. */
export const formText = (max = 1024) =>
  z
    .string()
    .max(max)
    .catch('')
    .transform((v) => v.trim());

/** A password field: never trimmed, never written back into a page. */
export const formSecret = (max = 1024) => z.string().max(max).catch('');

/** A new password typed twice (the forced change, a reset, the account page). */
export const NewPasswordForm = z.object({ password: formSecret(), confirm: formSecret() });

/** A person's data as the registration forms name it (the wizard, roster registration). */
export const PersonForm = z.object({
  email: formText(),
  name: formText(),
  national_id: formText(),
  phone: formText(),
  gender: formText(),
  password: formSecret(),
  password_confirm: formSecret(),
});

/** `?ticket=…` of a page that asks for a code sent by mail or SMS (anything else is no ticket). */
export const TicketQuery = z.object({
  ticket: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,64}$/)
    .optional()
    .catch(undefined),
});

/**
 * A typed code: full-width digits (`１２３４５６`, a Chinese input method's) made ASCII (NFKC), spaces and dashes taken
 * out (`123 456`, `123-456`, `１２３－４５６`).
 */
export const CodeForm = z.object({
  code: z
    .string()
    .catch('')
    .transform((v) => v.normalize('NFKC').replace(/[\s-]/g, '')),
});
