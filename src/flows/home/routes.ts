// The home page (what this is, the demo accounts) and the stylesheet.
import fs from 'node:fs';
import type Router from '@koa/router';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { renderPage } from '../../web/render.ts';
import type { Services } from '../../web/services.ts';
import './texts.ts';

const css = fs.readFileSync(new URL('../../../public/app.css', import.meta.url));
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M8 1l7 7-7 7-7-7z" fill="#0b5cad"/></svg>';

export function homeRoutes(router: Router, s: Services) {
  router.get('/', (ctx) => {
    const t = translator(chooseLocale(ctx));
    renderPage(ctx, 'home/home', { pageTitle: t('home.title'), demo: s.demo });
  });
  router.get('/favicon.ico', (ctx) => {
    ctx.type = 'image/svg+xml';
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = FAVICON;
  });
  router.get('/static/app.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = css;
  });
}
