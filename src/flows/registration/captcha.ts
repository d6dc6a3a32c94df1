// GET /register/captcha — a fresh captcha as JSON, so the page's script can swap the image without losing what
// was typed (without the script, the "show another" link reloads step 1).
import type { Context } from 'koa';
import { z } from 'zod';
import type { Services } from '../../web/services.ts';

const Response = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  image: z.string().startsWith('data:image/svg+xml;base64,'),
});

export function freshCaptcha(s: Services) {
  return async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = Response.parse(await s.captchas.create(ctx.ip));
  };
}
