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
}
