// GET /account/identities — the person's identities at schools and, for parents, their children; the ways to bind a
// child (/binding) and, for homeroom teachers and school administrators, to review bindings (/binding/review); the
// contact phone (聯絡電話) the person gave when registering or applying for a binding, as the profile shows numbers: in
// full, to its owner, with the way to change or remove it (/account/contact-phone).
import type { Context } from 'koa';
import { classNameIn } from '../../domain/schools/classes.ts';
import { chooseLocale } from '../../platform/i18n/index.ts';
import { accountOf } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { renderAccount } from './pages.ts';

export function showIdentities(s: Services) {
  return async (ctx: Context) => {
    const { person } = accountOf(ctx);
    const [mine, reviewer] = await Promise.all([s.identities.withChildren(person.id), s.binding.isReviewer(person.id)]);
    // A class as this page's language names it ("Grade 7, Class 1" on English pages; a school's own name as it is).
    const locale = chooseLocale(ctx);
    const classIn = (cls: { code: string; name?: string | null }) => classNameIn(locale, cls);
    renderAccount(ctx, 'identities', 'identities', {
      ...mine,
      reviewer,
      classIn,
      contactPhone: person.contact_phone ?? undefined,
      // Not a login and never texted: a person without a mobile number of their own is told where to add one.
      hasMobile: !!person.mobile,
    });
  };
}
