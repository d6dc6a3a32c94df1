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

export function buildForms(maxBodyBytes: number): Forms {
  const limit = String(maxBodyBytes);
  return {
    post: compose([bodyParser({ enableTypes: ['form'], formLimit: limit }) as Middleware, storable, verifyCsrf]),
    json: compose([bodyParser({ enableTypes: ['json'], jsonLimit: limit }) as Middleware, storable]),
    upload: compose([bodyParser({ enableTypes: ['json'], jsonLimit: UPLOAD_LIMIT }) as Middleware, storable]),
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
