// The forced password change at sign-in (`must_change_password`): login.ts hands over here instead of finishing;
// GET/POST /interaction/:uid/password draw and take the new password, then finish the login as login.ts would.
import type { Context } from 'koa';
import { z } from 'zod';
import { findPersonById, type Person } from '../../domain/people/persons.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { newPasswordErrors, type NewPasswordErrors } from '../password-reset/new-password.ts';
import { storeNewPassword } from '../password-reset/store-password.ts';
import type { SharedStore } from '../../platform/shared-store/types.ts';
import { csrfToken } from '../../web/csrf.ts';
import { renderPage } from '../../web/render.ts';
import type { InteractionDeps } from './deps.ts';
import { finishInteraction, loadInteraction } from './details.ts';
import { parseStoredJson } from '../../platform/stored-json.ts';

const TTL_SECONDS = 600;
const key = (uid: string) => `pwchange:${uid}`;

/** Who signed in with the right password and must now change it, and their "remember me" choice. */
const Pending = z.object({ personId: z.uuid(), remember: z.boolean() });
type Pending = z.infer<typeof Pending>;

const NewPasswordForm = z.object({ password: z.string().max(1024).catch(''), confirm: z.string().max(1024).catch('') });

async function pending(store: SharedStore, uid: string): Promise<Pending | undefined> {
  const raw = await store.peek(key(uid));
  if (!raw) return undefined;
  return parseStoredJson(Pending, raw);
}

/** Called by login.ts once the password is right: remembers who it was and sends the browser to the form. */
export async function startForcedChange(ctx: Context, deps: InteractionDeps, uid: string, who: Pending) {
  await deps.shared.put(key(uid), JSON.stringify(who), TTL_SECONDS);
  ctx.status = 303;
  ctx.redirect(`/interaction/${uid}/password`);
}

function render(ctx: Context, page: { uid: string; clientName: string; person: Person; errors?: NewPasswordErrors }) {
  const t = translator(chooseLocale(ctx));
  const errors = Object.fromEntries(Object.entries(page.errors ?? {}).map(([field, k]) => [field, t(k)]));
  ctx.set('Cache-Control', 'no-store');
  renderPage(ctx, 'sign-in/password-change', {
    pageTitle: t('password.change.title'), uid: page.uid, clientName: page.clientName, csrfToken: csrfToken(ctx),
    accountName: page.person.username ?? page.person.email ?? page.person.mobile ?? undefined, errors,
  }, page.errors ? 400 : undefined);
}

/** The pending change and its person; without one (expired, or never signed in) back to the sign-in page. */
async function load(ctx: Context, deps: InteractionDeps) {
  const loaded = await loadInteraction(ctx, deps, 'login');
  const who = await pending(deps.shared, loaded.details.uid);
  const person = who ? await findPersonById(deps.db, who.personId) : undefined;
  if (!who || !person || person.status !== 'active') {
    ctx.status = 303;
    ctx.redirect(`/interaction/${loaded.details.uid}`);
    return undefined;
  }
  return { ...loaded, who, person };
}

export function showForcedChange(deps: InteractionDeps) {
  return async (ctx: Context) => {
    const state = await load(ctx, deps);
    if (state) render(ctx, { uid: state.details.uid, clientName: state.clientName, person: state.person });
  };
}

export function submitForcedChange(deps: InteractionDeps) {
  return async (ctx: Context) => {
    const state = await load(ctx, deps);
    if (!state) return;
    const { details, clientName, who, person } = state;
    const form = NewPasswordForm.parse(ctx.request.body ?? {});
    const errors = await newPasswordErrors(person, form.password, form.confirm);
    if (errors.password || errors.confirm) return render(ctx, { uid: details.uid, clientName, person, errors });
    // One use: a second submission (another tab) starts the sign-in again.
    if (!(await deps.shared.take(key(details.uid)))) {
      ctx.status = 303;
      return ctx.redirect(`/interaction/${details.uid}`);
    }
    await storeNewPassword(deps.db, {
      personId: person.id, password: form.password, bcryptCost: deps.bcryptCost, changedAt: new Date(),
      audit: { actor: person.id, action: 'password.changed', subject: person.id, detail: { reason: 'forced', client: String(details.params.client_id) } },
    });
    await finishInteraction(ctx, details, { login: { accountId: person.id, remember: who.remember, amr: ['pwd'] } }, false);
  };
}
