// Static files of our pages (stylesheets, small scripts), read once at start-up and kept by browsers for an hour.
import fs from 'node:fs';
import type Router from '@koa/router';

const root = new URL('../../', import.meta.url);

/** Serves `file` (a path from the project's root) at `route`. */
export function serveFile(router: Router, route: string, file: string, type: string, maxAgeSeconds = 3600): void {
  const body = fs.readFileSync(new URL(file, root));
  router.get(route, (ctx) => {
    ctx.type = type;
    ctx.set('Cache-Control', `public, max-age=${maxAgeSeconds}`);
    ctx.body = body;
  });
}
