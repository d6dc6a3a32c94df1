// The forced password change at sign-in (`must_change_password`): login.ts hands over here instead of finishing;
// GET/POST /interaction/:uid/password draw and take the new password, then finish the login as login.ts would.
import type { Context } from 'koa';
import { z } from 'zod';
import type { Person } from '../../domain/people/persons.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { csrfToken } from '../../web/csrf.ts';
import { NewPasswordForm } from '../../web/forms.ts';
import { loadInteraction, signedIn } from '../../web/interaction.ts';
import { renderPage, withMistakes } from '../../web/render.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import type { LinkByPassword } from './link-by-password.ts';

/**
 * Who signed in with the right password and must now change it, and their "remember me" choice (by interaction);
 * `secondFactor`: an upstream account waits to be linked after the account's second factor, asked after the change
 * even if the app did not ask for it (link-by-password.ts).
 */
const Pending = z.object({ personId: z.uuid(), remember: z.boolean(), secondFactor: z.boolean().optional() });
type Pending = z.infer<typeof Pending>;

function render(
  ctx: Context,
  page: { uid: string; clientName: string; person: Person; errors?: Record<string, string | undefined> },
) {
  const t = translator(chooseLocale(ctx));
  const errors = Object.fromEntries(
    Object.entries(page.errors ?? {})
      .filter(([, k]) => k)
      .map(([field, k]) => [field, t(k!)]),
  );
  renderPage(
    ctx,
    'sign-in/password-change',
    {
      pageTitle: withMistakes(t, !!page.errors, t('password.change.title')),
      uid: page.uid,
      clientName: page.clientName,
      csrfToken: csrfToken(ctx),
      accountName: page.person.username ?? page.person.email ?? page.person.mobile ?? undefined,
      errors,
    },
    page.errors ? 400 : undefined,
  );
}

export type ForcedChange = ReturnType<typeof forcedPasswordChange>;

export function forcedPasswordChange(s: Services, linker: LinkByPassword) {
  const pending = s.oneUse.kind({ name: 'forced-password-change', schema: Pending, ttlSeconds: 600 });

  /** Called by login.ts once the password is right: remembers who it was and sends the browser to the form. */
  async function start(ctx: Context, uid: string, who: Pending) {
    await pending.save(uid, who);
    seeOther(ctx, `/interaction/${uid}/password`);
  }

  /** The pending change and its person; without one (expired, or never signed in) back to the sign-in page. */
  async function load(ctx: Context) {
    const loaded = await loadInteraction(ctx, s, 'login');
    const who = await pending.peek(loaded.details.uid);
    const person = who ? await s.people.findById(who.personId) : undefined;
    if (!who || !person || person.status !== 'active') {
      seeOther(ctx, `/interaction/${loaded.details.uid}`);
      return undefined;
    }
    return { ...loaded, who, person };
  }

  async function show(ctx: Context) {
    const state = await load(ctx);
    if (state) render(ctx, { uid: state.details.uid, clientName: state.clientName, person: state.person });
  }

  async function submit(ctx: Context) {
    const state = await load(ctx);
    if (!state) return;
    const { details, clientId, clientName, who, person } = state;
    const form = NewPasswordForm.parse(ctx.request.body ?? {});
    const errors = await s.people.checkNewPassword(person, form.password, form.confirm);
    if (errors.password || errors.confirm) return render(ctx, { uid: details.uid, clientName, person, errors });
    // One use: a second submission (another tab) starts the sign-in again.
    if (!(await pending.take(details.uid))) return seeOther(ctx, `/interaction/${details.uid}`);
    const signOut = await s.people.setPassword(person, form.password, {
      audit: {
        actor: person.id,
        action: 'password.changed',
        subject: person.id,
        detail: { reason: 'forced', client: clientId },
      },
      signOut: { reason: 'password_changed' },
    });
    await s.personAccess.endPending(signOut);
    const first = { personId: person.id, remember: who.remember, amr: ['pwd'] };
    if (who.secondFactor) return linker.toSecondFactor(ctx, details, first);
    await signedIn(ctx, s, details, first);
  }

  return { start, show, submit };
}
