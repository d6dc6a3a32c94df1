// Which apps and organisations a developer may open: only their organisations' (another's are not found, 404).
import type { Context } from 'koa';
import type { Application } from '../../domain/developers/applications.ts';
import type { Organisation } from '../../domain/developers/organisations.ts';
import { AppError } from '../../web/errors.ts';
import type { Services } from '../../web/services.ts';
import { developerOf } from './session.ts';

export async function ownOrganisation(s: Services, ctx: Context, orgId: unknown): Promise<Organisation> {
  const org = await s.developers.organisations.membership(String(orgId ?? ''), developerOf(ctx).id);
  if (!org) throw new AppError('not_found', 404);
  return org;
}

export async function ownApplication(s: Services, ctx: Context): Promise<Application> {
  const app = await s.developers.applications.get(String(ctx.params.id ?? ''));
  if (!app || !(await s.developers.organisations.membership(app.orgId, developerOf(ctx).id)))
    throw new AppError('not_found', 404);
  return app;
}
