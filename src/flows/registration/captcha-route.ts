// GET /register/captcha — a fresh captcha as JSON, so the page's script can swap the image without losing what
// was typed (without the script, the "show another" link reloads step 1).
import type { Context } from 'koa';
import { z } from 'zod';
import { newCaptcha } from '../../platform/captcha.ts';
import type { RegistrationDeps } from './deps.ts';

const Response = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{22}$/), image: z.string().startsWith('data:image/svg+xml;base64,') });

export function freshCaptcha(deps: RegistrationDeps) {
  return async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = Response.parse(await newCaptcha(deps.shared));
  };
}
