// The home page (what this is, the demo accounts), the icon and the stylesheet every page uses.
import type Router from '@koa/router';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { renderPage } from '../../web/render.ts';
import type { Services } from '../../web/services.ts';
import { serveFile } from '../../web/static.ts';
import './texts.ts';

export function homeRoutes(router: Router, s: Services) {
  router.get('/', (ctx) => {
    const t = translator(chooseLocale(ctx));
    renderPage(ctx, 'home/home', { pageTitle: t('home.title'), demo: s.demo });
  });
  serveFile(router, '/favicon.ico', 'public/favicon.svg', 'image/svg+xml', 86_400);
  serveFile(router, '/static/app.css', 'public/app.css', 'text/css');
  serveFile(router, '/static/password-toggle.js', 'public/password-toggle.js', 'text/javascript');
  // Passkeys at the second-factor step: our button, and @simplewebauthn/browser from this site.
  serveFile(router, '/static/passkey.js', 'public/passkey.js', 'text/javascript');
  serveFile(
    router,
    '/static/simplewebauthn/browser.js',
    'node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js',
    'text/javascript',
  );
  // The person check (platform/challenge.ts): its widget and worker from this site, and fresh challenges.
  serveFile(router, '/static/challenge.js', 'public/challenge.js', 'text/javascript');
  serveFile(router, '/static/altcha/altcha.js', 'node_modules/altcha/dist/external/altcha.min.js', 'text/javascript');
  serveFile(router, '/static/altcha/altcha.css', 'node_modules/altcha/dist/external/altcha.css', 'text/css');
  serveFile(
    router,
    '/static/altcha/workers/pbkdf2.js',
    'node_modules/altcha/dist/workers/pbkdf2.js',
    'text/javascript',
  );
  router.get('/challenge', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await s.challenges.create();
  });
}
