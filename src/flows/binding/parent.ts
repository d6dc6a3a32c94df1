// GET/POST /binding/parent — step 4 of the seed's four: the parent's national ID → "驗證"; an account that holds it is
// shown masked and confirmed with its password, else name, email (the future login) and mobile, the one the code went
// to in the first step filled in already; then the electronic signature (the typed full name and a tick, kept with
// the time, the address, the browser and a SHA-256 of the application as shown) and "送出資料".
import crypto from 'node:crypto';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Contact, ExistingParent, ParentData, SubmitProblem } from '../../domain/binding/service.ts';
import { isValidNationalId, maskNationalId, normaliseNationalId } from '../../domain/people/national-id.ts';
import { normaliseMobile } from '../../domain/people/persons.ts';
import { signInSubject } from '../../domain/people/sign-in-guard.ts';
import { BINDING } from '../../platform/limits.ts';
import { formSecret, formText } from '../../web/forms.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { errorTexts, type Fields, renderBinding, tr } from './pages.ts';
import { showSent } from './sent.ts';
import { type BindingState, bindingOf, countLookup, saveSession } from './state.ts';

const ParentForm = z.object({
  action: z.enum(['verify', 'submit']).catch('verify'),
  national_id: formText(20),
  name: formText(50),
  email: formText(254),
  mobile: formText(30),
  password: formSecret(),
  sign_name: formText(50),
  sign_tick: z.literal('yes').optional().catch(undefined),
});
type Values = z.infer<typeof ParentForm>;
const EMAIL = z.email();
/** The version of the statement and form the signature covers. */
const FORM_VERSION = 'binding-2026-12';

type Errors = Record<string, string | [string, Record<string, unknown>] | undefined>;
const FIELDS: Fields = [
  ['national_id', 'binding.parent.nationalId'],
  ['password', 'binding.parent.password'],
  ['name', 'binding.parent.name'],
  ['email', 'binding.parent.email'],
  ['mobile', 'binding.parent.mobile'],
  ['sign_name', 'binding.parent.signName'],
  ['sign_tick', 'binding.parent.signature'],
];

/**
 * What the first step verified is not asked for again (WCAG 3.3.7): a new parent's form opens with the email (or the
 * mobile) the code went to filled in, the other one left to type. It stays changeable: seed 002 asks for the email
 * in this step ("此信箱將作為登入帳號"), and its FAQ Q2 has a parent told here "此 E-mail 已有帳號" (their child's
 * account uses it) who must be able to give another; only the address the code went to counts as verified when the
 * account is made (Binding.approve).
 */
const withVerifiedContact = (values: Values, contact: Contact): Values => ({
  ...values,
  [contact.kind]: values[contact.kind] || contact.value,
});

function renderParent(
  ctx: Context,
  page: {
    values?: Partial<Values>;
    existing?: ExistingParent;
    verified?: boolean;
    errors?: Errors;
    alert?: string;
    /** The way on from the alert (a refusal that is no mistake: applied already, bound already). */
    alertLink?: { href: string; label: string };
    status?: number;
  },
) {
  const { session, contact } = bindingOf(ctx);
  const { password: _secret, ...values } = page.values ?? {};
  const e = page.existing;
  renderBinding(ctx, 'parent', {
    title: 'binding.parent.title',
    step: 'parent',
    values,
    students: session.students,
    // The contact step 1 verified, named in the hint of the field it fills in.
    verifiedContact: contact,
    // Only that the ID has an account: never whose (no name, no email, no mobile, not even masked), since anyone with
    // a verified contact may type anyone's ID here.
    existing: !!e,
    verified: page.verified ?? false,
    errors: errorTexts(ctx, page.errors ?? {}),
    fields: FIELDS,
    alert: page.alert,
    alertLink: page.alertLink,
    status: page.status,
  });
}

/** Where a refusal that is no mistake leads on: the applications, or the account the parent is bound with. */
const ALERT_LINKS: Partial<Record<SubmitProblem, { href: string; label: string }>> = {
  alreadyApplied: { href: '/binding/status', label: 'binding.student.backToStatus' },
  alreadyBound: { href: '/account/identities', label: 'binding.student.boundAccount' },
};

function ready(ctx: Context): string | undefined {
  const { session } = bindingOf(ctx);
  if (!session.students.length) return '/binding/student';
  if (!session.consented) return '/binding/consent';
  return undefined;
}

export function showParent() {
  return async (ctx: Context) => {
    if (showSent(ctx)) return;
    const away = ready(ctx);
    if (away) return seeOther(ctx, away);
    renderParent(ctx, {});
  };
}

const PROBLEM_STATUS: Record<SubmitProblem, number> = {
  emailTaken: 409,
  emailPending: 409,
  emailApplied: 409,
  mobileTaken: 409,
  alreadyBound: 409,
  relationshipTaken: 409,
  alreadyApplied: 409,
  studentAccount: 409,
  selfBinding: 400,
  studentGone: 409,
  codeUsed: 409,
};

export function submitParent(s: Services, state: BindingState) {
  return async (ctx: Context) => {
    // Sent twice (a second tap, or Back and 送出資料 again): the first one went; nothing is sent again.
    if (showSent(ctx)) return;
    const away = ready(ctx);
    if (away) return seeOther(ctx, away);
    const current = bindingOf(ctx);
    const values = ParentForm.parse(ctx.request.body ?? {});
    values.national_id = normaliseNationalId(values.national_id);
    // A refusal of the ID after "送出" keeps the rest of the form as typed (name, email, mobile, signature).
    const verified = values.action === 'submit';
    if (!isValidNationalId(values.national_id))
      return renderParent(ctx, {
        values,
        verified,
        errors: { national_id: 'binding.parent.errors.nationalId' },
        status: 400,
      });
    // Whether an ID has an account is itself worth protecting: every look is counted like a student lookup.
    if (!(await countLookup(ctx, s, state, current)))
      return renderParent(ctx, {
        values,
        verified,
        errors: { national_id: 'binding.student.errors.tooMany' },
        status: 429,
      });
    const existing = await s.binding.existingParent(values.national_id);
    if (existing?.isStudent)
      return renderParent(ctx, {
        values,
        verified,
        errors: { national_id: 'binding.parent.errors.studentAccount' },
        status: 409,
      });
    // "驗證": what follows depends on whether the ID has an account.
    if (values.action === 'verify')
      return renderParent(ctx, {
        values: existing ? values : withVerifiedContact(values, current.contact),
        existing,
        verified: true,
      });

    const errors: Errors = {};
    let parent: ParentData;
    let signedName: string;
    if (existing) {
      const person = await s.people.findById(existing.personId);
      if (!person)
        return renderParent(ctx, { values, alert: tr(ctx)('binding.parent.errors.accountGone'), status: 409 });
      // The account's sign-in lock holds here too, and a wrong password here counts toward it as one at the sign-in
      // page would (SIGN_IN): this form must not test passwords while the sign-in page refuses them.
      const subject = signInSubject(person, '');
      const guard = await s.signInGuard.state(subject, ctx.ip);
      // Counted before it is checked: wrong passwords sent at once cannot all be tried. Per account, and per
      // address (every try: one machine trying many IDs' accounts in turn).
      const byAddress = !guard.retryAfterSeconds && (await s.throttle.allow(BINDING.passwordPerAddress, ctx.ip));
      const { outcome } = byAddress
        ? await s.throttle.attempt(BINDING.passwordPerPerson, person.id, () =>
            s.people.isCurrentPassword(person, values.password),
          )
        : { outcome: 'limited' as const };
      if (outcome === 'wrong') await s.signInGuard.failed(subject, ctx.ip);
      if (outcome === 'limited')
        ctx.set('Retry-After', String(guard.retryAfterSeconds ?? BINDING.passwordPerPerson.windowSeconds));
      if (outcome === 'limited') errors.password = 'binding.parent.errors.passwordLimit';
      else if (outcome === 'wrong') errors.password = 'binding.parent.errors.password';
      // Until the password is right nothing else is checked: the signature against the account's name would
      // otherwise tell a stranger whether a guessed name is the ID holder's.
      if (errors.password)
        return renderParent(ctx, {
          values,
          existing,
          verified: true,
          errors,
          status: outcome === 'limited' ? 429 : 400,
        });
      parent = { nationalId: values.national_id, personId: person.id };
      signedName = person.name;
    } else {
      const mobile = values.mobile ? normaliseMobile(values.mobile) : undefined;
      if (!values.name) errors.name = 'binding.parent.errors.name';
      if (!EMAIL.safeParse(values.email).success) errors.email = 'binding.parent.errors.email';
      if (values.mobile && !mobile) errors.mobile = 'binding.parent.errors.mobile';
      parent = { nationalId: values.national_id, name: values.name, email: values.email.toLowerCase(), mobile };
      signedName = values.name;
    }
    if (!values.sign_name || values.sign_name !== signedName) errors.sign_name = 'binding.parent.errors.signName';
    if (!values.sign_tick) errors.sign_tick = 'binding.parent.errors.signTick';
    if (Object.keys(errors).length) return renderParent(ctx, { values, existing, verified: true, errors, status: 400 });

    // The application as shown on this page: the students, the relationships, the parent's data (ID masked).
    const shown = {
      form: FORM_VERSION,
      contact: current.contact,
      students: current.session.students.map((d) => ({
        student: d.identityId,
        name: d.maskedName,
        school: d.school.code,
        relationship: d.relationship,
      })),
      parent: {
        nationalId: maskNationalId(values.national_id),
        name: signedName,
        email: existing ? existing.maskedEmail : values.email.toLowerCase(),
        mobile: existing ? existing.maskedMobile : values.mobile,
      },
    };
    const signature = {
      name: values.sign_name,
      at: new Date().toISOString(),
      address: ctx.ip,
      userAgent: (ctx.get('user-agent') || '').slice(0, 300),
      sha256: crypto.createHash('sha256').update(JSON.stringify(shown)).digest('hex'),
    };
    const result = await s.binding.submit({
      contact: current.contact,
      students: current.session.students,
      parent,
      signature,
    });
    if (!result.ok) {
      const message = [`binding.parent.errors.${result.problem}`, { student: result.student ?? '' }] as [
        string,
        Record<string, unknown>,
      ];
      const field = result.problem.startsWith('email')
        ? 'email'
        : result.problem.startsWith('mobile')
          ? 'mobile'
          : undefined;
      return renderParent(ctx, {
        values,
        existing,
        verified: true,
        errors: field ? { [field]: message } : {},
        alert: field ? undefined : tr(ctx)(message[0], message[1]),
        alertLink: field ? undefined : ALERT_LINKS[result.problem],
        status: PROBLEM_STATUS[result.problem],
      });
    }
    // A school's binding code approves its student at once: the notice says what is true for each.
    const byCode = result.approved.length;
    const notice = byCode === 0 ? 'submitted' : byCode === result.ids.length ? 'approved' : 'partlyApproved';
    await saveSession(state, current, {
      students: [],
      consented: false,
      sent: { names: current.session.students.map((d) => d.maskedName), notice },
    });
    seeOther(ctx, `/binding/status?notice=${notice}`);
  };
}
