// A person's name as people here write it: the one check, for every form and import that takes one. Letters of any
// script (漢字, kana, Latin with its accents, Indigenous romanisations such as Ciwang Iteyo, Ta'u or Faki^), the marks
// that combine with them (the variation selectors of rare characters too), the characters a school's or the
// household register's system made up for rare ones (private use), spaces, the middle dots of transliterated names
// (麥可·喬丹, 麥可‧喬丹, ジョン・スミス), hyphens, apostrophes and periods. Never pictographs (emoji), other symbols
// (★ ™ ♥) or control characters; digits only where a school's rows may number people (`digits`: 學生12); and at
// least one letter, so that "--" or "·" is no name.

/** At most this many characters (code points), as the persons table holds. */
export const MAX_PERSON_NAME = 50;

export type PersonNameProblem = 'required' | 'tooLong' | 'invalid';

export type PersonNameCheck = { ok: true; name: string } | { ok: false; problem: PersonNameProblem };

/**
 * What may stand between the letters: spaces, middle dots (· ‧ ・ ･ •), hyphens (- ‐ ‑ －), apostrophes (' ’ ʼ ＇), the
 * circumflex of Amis and Sakizaya glottal stops (^), periods (. ．).
 */
const SEPARATOR = /^[ \u00B7\u2027\u30FB\uFF65\u2022\-\u2010\u2011\uFF0D'\u2019\u02BC\uFF07^.\uFF0E]$/u;
/** A letter, or a rare character a register made up (private use). */
const LETTER = /^[\p{L}\p{Co}]$/u;
const DIGIT = /^\p{Nd}$/u;
/** Marks that combine with the letter before them (accents, vowel signs); not enclosing marks (⃝, the keycap ⃣). */
const MARK = /^[\p{Mn}\p{Mc}]$/u;
/** The selectors that turn a character into an emoji (or back into text). */
const EMOJI_SELECTOR = /^[\uFE0E\uFE0F]$/u;
/** Joiners some scripts need between letters (Persian, the scripts of India); emoji sequences use them too. */
const JOINER = /^[\u200C\u200D]$/u;

/** The name as it is kept: NFC, spaces at its ends taken off, every run of spaces (a full-width one too) one space. */
export function normalisePersonName(raw: string): string {
  return raw.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/** Checks a person's name as typed; passing, the name as it is kept (`normalisePersonName`). */
export function checkPersonName(raw: string, options: NameOptions = {}): PersonNameCheck {
  const name = normalisePersonName(raw);
  if (!name) return { ok: false, problem: 'required' };
  if ([...name].length > MAX_PERSON_NAME) return { ok: false, problem: 'tooLong' };
  return holdsOnlyNameCharacters(name, options) ? { ok: true, name } : { ok: false, problem: 'invalid' };
}

/** `digits`: a school's rows may number people (學生12); a person's own registration may not. */
export type NameOptions = { digits?: boolean };

/** Whether `name` holds only what a name may, and at least one letter (its length and spaces not checked). */
export function holdsOnlyNameCharacters(name: string, options: NameOptions = {}): boolean {
  const chars = [...name];
  let letters = 0;
  for (const [i, c] of chars.entries()) {
    const before = chars[i - 1];
    const after = chars[i + 1];
    if (LETTER.test(c)) letters++;
    else if (MARK.test(c) && !EMOJI_SELECTOR.test(c)) {
      // A mark belongs to a letter: one that follows nothing, or a space or dot, is a stray.
      if (before === undefined || !(LETTER.test(before) || MARK.test(before))) return false;
    } else if (JOINER.test(c)) {
      const joins = before && after && (LETTER.test(before) || MARK.test(before)) && LETTER.test(after);
      if (!joins) return false;
    } else if (!SEPARATOR.test(c) && !(options.digits && DIGIT.test(c))) return false;
  }
  return letters > 0;
}
