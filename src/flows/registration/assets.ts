// The wizard's stylesheet and its small script (captcha refresh, no double submission), next to its views.
import fs from 'node:fs';
import type Router from '@koa/router';

const read = (name: string) => fs.readFileSync(new URL(`../../../views/registration/${name}`, import.meta.url));

export function registrationAssets(router: Router) {
  const css = read('registration.css');
  const js = read('registration.js');
  router.get('/static/registration.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = css;
  });
  router.get('/static/registration.js', (ctx) => {
    ctx.type = 'text/javascript';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = js;
  });
}
