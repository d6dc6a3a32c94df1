// GET /admin — the console's overview: how many applications wait for review, and its sections.
import type { Context } from 'koa';
import type { Services } from '../../web/services.ts';
import { renderAdmin } from './pages.ts';

export function showHome(s: Services) {
  return async (ctx: Context) => {
    const waiting = await s.developers.applications.waitingCount();
    renderAdmin(ctx, 'home', { title: 'admin.home.title', waiting });
  };
}
