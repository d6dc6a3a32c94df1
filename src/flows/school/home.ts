// GET /school — the schools the person may open (one: straight to it); GET /school/:code — that school's steps and
// its current semester.
import type { Context } from 'koa';
import { formatRocDate } from '../../domain/schools/calendar.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { renderOffice } from './pages.ts';
import { officeOf } from './session.ts';

export function showSchools(s: Services) {
  return async (ctx: Context) => {
    const { person, access } = officeOf(ctx);
    const schools = await s.schoolOffice.schools(access);
    if (schools.length === 1 && !access.bureau) return seeOther(ctx, `/school/${schools[0]!.code}`);
    renderOffice(ctx, 'pick', { title: 'school.pick.title', personName: person.name, schools, bureau: access.bureau });
  };
}

export function showSchool(s: Services) {
  return async (ctx: Context) => {
    const { person } = officeOf(ctx);
    const school = (await s.schools.find(String(ctx.params.code)))!;
    const current = await s.schoolOffice.semesters.current(school.code);
    renderOffice(ctx, 'home', {
      title: 'school.home.title',
      school,
      personName: person.name,
      current: current && {
        ...current,
        startsOn: formatRocDate(current.startsOn),
        endsOn: formatRocDate(current.endsOn),
      },
    });
  };
}
