// A person's name as people here write it: the one check, for every form and import that takes one. Letters of any
// script (漢字, kana, Latin with its accents, Indigenous romanisations such as Ciwang Iteyo or Ta'u), the marks that
// combine with them, spaces, the middle dots of transliterated names (麥可·喬丹, 麥可‧喬丹, ジョン・スミス), hyphens,
// apostrophes and periods. Never pictographs (emoji), other symbols, digits or control characters; and at least one
// letter, so that "--" or "·" is no name.

/** At most this many characters (code points), as the persons table holds. */
export const MAX_PERSON_NAME = 50;

export type PersonNameProblem = 'required' | 'tooLong' | 'invalid';

export type PersonNameCheck = { ok: true; name: string } | { ok: false; problem: PersonNameProblem };

/** What may stand between the letters: spaces, middle dots (· ‧ ・ ･), hyphens, apostrophes (' ’), periods (. ．). */
const SEPARATOR = /^[ \u00B7\u2027\u30FB\uFF65\-\u2010\u2011'\u2019.\uFF0E]$/u;
const LETTER = /^\p{L}$/u;
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
export function checkPersonName(raw: string): PersonNameCheck {
  const name = normalisePersonName(raw);
  if (!name) return { ok: false, problem: 'required' };
  const chars = [...name];
  if (chars.length > MAX_PERSON_NAME) return { ok: false, problem: 'tooLong' };
  let letters = 0;
  for (const [i, c] of chars.entries()) {
    const before = chars[i - 1];
    const after = chars[i + 1];
    if (LETTER.test(c)) letters++;
    else if (MARK.test(c) && !EMOJI_SELECTOR.test(c)) {
      // A mark belongs to a letter: one that follows nothing, or a space or dot, is a stray.
      if (before === undefined || !(LETTER.test(before) || MARK.test(before))) return { ok: false, problem: 'invalid' };
    } else if (JOINER.test(c)) {
      const joins = before && after && (LETTER.test(before) || MARK.test(before)) && LETTER.test(after);
      if (!joins) return { ok: false, problem: 'invalid' };
    } else if (!SEPARATOR.test(c)) return { ok: false, problem: 'invalid' };
  }
  if (letters === 0) return { ok: false, problem: 'invalid' };
  return { ok: true, name };
}
