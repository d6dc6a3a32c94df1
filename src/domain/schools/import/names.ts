// People's names in the roster (students, parents, teachers and staff), from a file, the roster API or the edit form:
// the one check of a person's name (domain/people/person-name.ts), with digits let be — a school's test rows and load
// files number their people (學生12). A legal name has no pictographs, other symbols or control characters, and a
// slip or a class list printed with them is wrong.
import { holdsOnlyNameCharacters } from '../../people/person-name.ts';

/** The error key of a name that holds what no name does (`school.import.errors.<key>`); none when it is a name. */
export function nameProblem(name: string): 'nameChars' | undefined {
  return holdsOnlyNameCharacters(name, { digits: true }) ? undefined : 'nameChars';
}
