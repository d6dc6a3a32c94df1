// GET/POST /account/contact-phone — the contact phone (聯絡電話) the school calls, kept by registration or a binding's
// approval: a new one is read as registration reads it and saved at once (no code: it is not a login and gets no
// texts); POST /account/contact-phone/remove — removes it. Each change is audited and told to the account's email
// address, never the number.
import type { Context } from 'koa';
import { z } from 'zod';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { accountOf } from '../../web/require-account.ts';
import type { Services } from '../../web/services.ts';
import { parseContactPhone } from './contact-input.ts';
import { changeNotice } from './messages.ts';
import { redirectDone } from './notices.ts';
import { renderAccount } from './pages.ts';

const Body = z.object({ contact_phone: z.string().max(1000).optional() });

function renderForm(ctx: Context, locals: { value?: string; error?: string } = {}, status?: number) {
  const t = translator(chooseLocale(ctx));
  const { person } = accountOf(ctx);
  renderAccount(
    ctx,
    'contact-phone',
    'profile',
    {
      // None yet: the page adds one (新增), as the profile's link said.
      heading: t(person.contact_phone ? 'account.contactPhone.title' : 'account.contactPhone.addLabel'),
      current: person.contact_phone ?? undefined,
      value: locals.value ?? '',
      error: locals.error,
      // Not a login: someone without a mobile number of their own is told where one is added.
      hasMobile: !!person.mobile,
      switchPath: '/account/contact-phone',
      // A mistake's page stands for the form's own (render.ts `formPage`): reload and Back ask for it, never to send the
      // number again; the number typed stays in the field here.
      formPage: '/account/contact-phone',
    },
    status,
  );
}

export function contactPhonePages(s: Services) {
  return {
    async show(ctx: Context) {
      renderForm(ctx);
    },

    async save(ctx: Context) {
      const { person } = accountOf(ctx);
      const locale = chooseLocale(ctx);
      const t = translator(locale);
      const parsed = Body.safeParse(ctx.request.body ?? {});
      const typed = parsed.success ? (parsed.data.contact_phone ?? '') : '';
      const phone = parseContactPhone(typed, !!person.contact_phone);
      if ('error' in phone) return renderForm(ctx, { value: typed, error: t(phone.error) }, 400);
      if (phone.value === person.contact_phone)
        return renderForm(ctx, { value: typed, error: t('account.contactPhone.same') }, 400);
      // The account is told, as of every other change here (never the number), in the same transaction.
      await s.people.setContactPhone(person.id, phone.value, (previous) =>
        changeNotice(t, locale, previous, 'contactPhone', (c) => s.outbox.offers(c)),
      );
      redirectDone(ctx, '/account', 'contactPhone');
    },

    async remove(ctx: Context) {
      const { person } = accountOf(ctx);
      const locale = chooseLocale(ctx);
      const t = translator(locale);
      // None to remove (a page left open after removing it elsewhere): gone all the same, nothing is written or sent.
      if (person.contact_phone)
        await s.people.setContactPhone(person.id, null, (previous) =>
          changeNotice(t, locale, previous, 'contactPhoneRemoved', (c) => s.outbox.offers(c)),
        );
      redirectDone(ctx, '/account', 'contactPhoneRemoved');
    },
  };
}
