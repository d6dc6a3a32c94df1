// GET/POST /binding/student — step 1: the relationship, the student's level and national ID, and (so that this is
// no lookup service) their birth date or student number; "驗證" shows the masked name and the school(s), "下一步"
// adds the student to this application. Lookups are limited per binding session and per network address.
import crypto from 'node:crypto';
import type { Context } from 'koa';
import { z } from 'zod';
import { isCodeShape, showCode } from '../../domain/binding/codes.ts';
import { GUARDIANS, LEGAL_REPRESENTATIVES, RELATIONSHIPS } from '../../domain/binding/relationships.ts';
import type { StudentMatch } from '../../domain/binding/students.ts';
import { isValidNationalId, normaliseNationalId } from '../../domain/people/national-id.ts';
import { parseTypedDate } from '../../domain/schools/calendar.ts';
import { SCHOOL_LEVELS } from '../../domain/schools/schools.ts';
import { BINDING } from '../../platform/limits.ts';
import { formText } from '../../web/forms.ts';
import { signedInPerson } from '../../web/require-account.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { errorTexts, type Fields, renderBinding } from './pages.ts';
import { type BindingSession, type BindingState, bindingOf, countLookup, saveSession } from './state.ts';

const StudentForm = z.object({
  relationship: formText(40),
  level: formText(20),
  national_id: formText(20),
  birthdate: formText(20),
  student_no: formText(30),
  binding_code: formText(20),
  school: formText(10),
});
type Values = z.infer<typeof StudentForm>;
const EMPTY: Values = {
  relationship: '',
  level: '',
  national_id: '',
  birthdate: '',
  student_no: '',
  binding_code: '',
  school: '',
};

const FIELDS: Fields = [
  ['relationship', 'binding.student.relationship'],
  ['level', 'binding.student.level'],
  ['national_id', 'binding.student.nationalId'],
  ['birthdate', 'binding.student.birthdate'],
  ['binding_code', 'binding.student.code'],
  ['school', 'binding.student.school'],
];

function renderStudent(
  ctx: Context,
  page: {
    values?: Values;
    errors?: Record<string, string | undefined>;
    matches?: Pick<StudentMatch, 'maskedName' | 'school'>[];
    /** Students found whom the parent is bound to already: said, with the way to their account (not offered). */
    bound?: string[];
    status?: number;
  },
) {
  const { session } = bindingOf(ctx);
  renderBinding(ctx, 'student', {
    title: 'binding.student.title',
    step: 'student',
    values: page.values ?? EMPTY,
    errors: errorTexts(ctx, page.errors ?? {}),
    fields: FIELDS,
    matches: page.matches,
    bound: page.bound?.length ? page.bound : undefined,
    legal: LEGAL_REPRESENTATIVES,
    guardians: GUARDIANS,
    levels: SCHOOL_LEVELS,
    added: session.students,
    status: page.status,
    // A page answering "驗證" or "下一步" stands for step 1's GET, which shows the same (the form and the school(s)
    // found are kept in the session): reload and Back never send the form again (render.ts `formPage`).
    formPage: '/binding/student',
  });
}

export function showStudent() {
  return async (ctx: Context) => {
    const { handedCode: handed, found } = bindingOf(ctx).session;
    // What "驗證" found last, with the form as it was: shown again, so that nobody has to look the student up again.
    const kept = found?.values ? StudentForm.safeParse(found.values) : undefined;
    if (found && kept?.success)
      return renderStudent(ctx, { values: kept.data, matches: found.matches, bound: found.bound });
    renderStudent(ctx, { values: { ...EMPTY, binding_code: handed ? showCode(handed) : '' } });
  };
}

type Found = NonNullable<BindingSession['found']>;
/** What step 1's school(s) were found by: the level and the national ID (a digest; the session keeps no ID). */
const foundKey = (values: Values) =>
  crypto.createHash('sha256').update(`${values.level}\n${values.national_id}`).digest('base64url');
const shownMatches = (matches: StudentMatch[]): Found['matches'] =>
  matches.slice(0, 20).map((m) => ({ identityId: m.identityId, maskedName: m.maskedName, school: m.school }));

export function submitStudent(s: Services, state: BindingState) {
  return async (ctx: Context) => {
    const current = bindingOf(ctx);
    const values = StudentForm.parse(ctx.request.body ?? {});
    values.national_id = normaliseNationalId(values.national_id);
    // A refusal shows the form as sent: what was typed, and — while the student is still the one "驗證" found (the
    // same level and national ID) — the school(s) found and the one chosen, so that nobody has to look again.
    const key = foundKey(values);
    const found = current.session.found?.key === key ? current.session.found.matches : undefined;
    const refuse = async (errors: Record<string, string>, status: number) => {
      // Still the student found: the form kept is the one sent now (what a reload of step 1 shows).
      if (found && current.session.found)
        await saveSession(state, current, { found: { ...current.session.found, values } });
      renderStudent(ctx, { values, errors, matches: found, status });
    };
    const errors: Record<string, string> = {};
    if (!RELATIONSHIPS.includes(values.relationship as never))
      errors.relationship = 'binding.student.errors.relationship';
    if (!SCHOOL_LEVELS.includes(values.level as never)) errors.level = 'binding.student.errors.level';
    if (!isValidNationalId(values.national_id)) errors.national_id = 'binding.student.errors.nationalId';
    // As typed: 2013-09-02, 2013/9/2, or in the ROC calendar (102/09/02) as the seeds write it.
    const born = values.birthdate ? parseTypedDate(values.birthdate) : undefined;
    if (values.birthdate && !born) errors.birthdate = 'binding.student.errors.birthdate';
    if (values.binding_code && !isCodeShape(values.binding_code))
      errors.binding_code = 'binding.student.errors.codeInvalid';
    if (!values.birthdate && !values.student_no && !values.binding_code)
      errors.birthdate = 'binding.student.errors.proof';
    if (current.session.students.length >= 10) errors.relationship = 'binding.student.errors.full';
    if (Object.keys(errors).length) return refuse(errors, 400);

    if (!(await countLookup(ctx, s, state, current)))
      return refuse({ national_id: 'binding.student.errors.tooMany' }, 429);
    const handed = values.binding_code ? await s.binding.findCode(values.binding_code) : undefined;
    if (values.binding_code && !handed) return refuse({ binding_code: 'binding.student.errors.codeInvalid' }, 400);
    const find = () =>
      s.binding.findStudents({
        identityId: handed?.identityId,
        nationalId: values.national_id,
        level: values.level as (typeof SCHOOL_LEVELS)[number],
        birthdate: born,
        studentNo: values.student_no || undefined,
      });
    let matches: StudentMatch[] = [];
    // With a school's binding code, the code is the proof. Else a birth date or student number that does not match
    // counts against the national ID, in any session; past BINDING.failedLookupsPerStudent the student is not looked
    // for at all and is answered as "not found" — even for the right birth date — so that the limit says nothing
    // about whether the ID exists. A match takes back only its own count (strangers' wrong guesses stay counted).
    if (handed) matches = await find();
    else
      await s.throttle.attempt(
        BINDING.failedLookupsPerStudent,
        values.national_id,
        async () => {
          matches = await find();
          return matches.length > 0;
        },
        'refund',
      );
    if (!matches.length) {
      // Not found as typed now: what was found before does not hold any more.
      if (current.session.found) await saveSession(state, current, { found: undefined });
      return renderStudent(ctx, { values, errors: { national_id: 'binding.student.errors.notFound' }, status: 400 });
    }
    // A student this parent is bound to already is said so here, the first moment both are known — the parent by
    // the contact the code went to (its account's verified email or mobile) or by the account signed in on this
    // browser, never by anything a stranger could type — instead of at step 4 after all their details.
    const boundIds = await s.binding.boundAlready(
      { contact: current.contact, personId: (await signedInPerson(s, ctx))?.id },
      matches.map((m) => m.identityId),
    );
    const bound = matches.filter((m) => boundIds.has(m.identityId)).map((m) => m.maskedName);
    const open = matches.filter((m) => !boundIds.has(m.identityId));
    const chosen = open.find((m) => m.school.code === values.school);
    const shown = chosen ? values : { ...values, school: open.length === 1 ? open[0]!.school.code : '' };
    await saveSession(state, current, {
      found: { key, matches: shownMatches(open), values: shown, bound: bound.length ? [...new Set(bound)] : undefined },
    });
    // "驗證": the masked name and the schools to choose from (the only one chosen already).
    if (!chosen) {
      // "下一步" for a school where the parent is bound already (the page showed it before the approval): 409.
      const boundChosen = !!values.school && matches.some((m) => m.school.code === values.school);
      const schoolError =
        values.school && !boundChosen && open.length ? { school: 'binding.student.errors.school' } : {};
      const status = boundChosen ? 409 : values.school && open.length ? 400 : 200;
      return renderStudent(ctx, { values: shown, matches: open, bound, errors: schoolError, status });
    }
    if (current.session.students.some((d) => d.identityId === chosen.identityId))
      return renderStudent(ctx, { values, matches, errors: { school: 'binding.student.errors.already' }, status: 400 });
    await saveSession(state, current, {
      found: undefined,
      handedCode: undefined,
      // A new application begins: steps 3 and 4 are its own now, no longer "sent".
      sent: undefined,
      students: [
        ...current.session.students,
        {
          identityId: chosen.identityId,
          codeId: handed?.identityId === chosen.identityId ? handed.id : undefined,
          relationship: values.relationship as (typeof RELATIONSHIPS)[number],
          maskedName: chosen.maskedName,
          school: chosen.school,
        },
      ],
    });
    seeOther(ctx, current.session.consented ? '/binding/parent' : '/binding/consent');
  };
}

const IdParam = z.object({ id: z.uuid() });

/** POST /binding/student/:id/remove — takes a student out of the application being filled in. */
export function removeStudent(state: BindingState) {
  return async (ctx: Context) => {
    const current = bindingOf(ctx);
    const params = IdParam.safeParse(ctx.params);
    if (params.success) {
      const students = current.session.students.filter((d) => d.identityId !== params.data.id);
      await saveSession(state, current, { students });
    }
    seeOther(ctx, current.session.students.length ? '/binding/parent' : '/binding/student');
  };
}
