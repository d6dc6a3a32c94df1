// People's names in the roster (students, parents, teachers and staff), from a file, the roster API or the edit form:
// letters of any script (with their marks: accents, the variation selectors of rare characters), spaces, middle dots
// (王·大明, 瑪莉‧安), hyphens, apostrophes (Indigenous names: Lhkatafatu', Sayion Mavaliw) and the full stop of an
// initial; characters a school's system made up for rare ones (private use) too; digits are let be (a school's test
// rows and load files number their people: 學生12). Never pictographs (😀), other symbols (★ ™ ♥) or control
// characters: a legal name has none, and a slip or a class list printed with them is wrong.

/** What a name may hold, character by character. */
const NAME_CHARS = /^[\p{L}\p{M}\p{Co}\p{Nd} ·‧・•.\-‐‑－'’ʼ＇^]+$/u;

/** The error key of a name that holds what no name does (`school.import.errors.<key>`); none when it is a name. */
export function nameProblem(name: string): 'nameChars' | undefined {
  return NAME_CHARS.test(name) && /[\p{L}\p{Co}]/u.test(name) ? undefined : 'nameChars';
}
