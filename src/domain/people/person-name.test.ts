import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPersonName, holdsOnlyNameCharacters, MAX_PERSON_NAME } from './person-name.ts';

const passes = (raw: string, kept = raw) => assert.deepEqual(checkPersonName(raw), { ok: true, name: kept }, raw);
const fails = (raw: string, problem: string) => assert.deepEqual(checkPersonName(raw), { ok: false, problem }, raw);

describe('checkPersonName', () => {
  it('takes names in any script, with their marks, spaces, middle dots, hyphens, apostrophes and periods', () => {
    passes('陳小明');
    passes('𠀋𡈽 太郎'); // beyond the Basic Multilingual Plane
    passes('麥可·喬丹');
    passes('麥可‧喬丹');
    passes('ジョン・スミス');
    passes('Ciwang Iteyo');
    passes("Ta'u");
    passes('Mary-Jane O’Neil');
    passes('J. R. R. Tolkien');
    passes('Nguyễn Thị Minh Khai');
    passes('Zoë Saldaña');
    passes('e\u0301mile', 'émile'); // a combining accent, kept composed
    passes('葛\u{E0100}'); // a CJK ideographic variation selector (a rare form of the character)
    passes('Мария Иванова');
    passes('محمد علی');
    passes('क्‍षमा'); // a joiner after a virama
    passes('김민준');
    passes('陳\u{F0001}明'); // a rare character a register made up (private use)
    passes('Faki^ Lekal'); // an Amis glottal stop
    passes('王•大明');
  });

  it('keeps the name with its spaces tidied', () => {
    passes(' 何  超人 ', '何 超人');
    passes('王\u3000小明', '王 小明');
  });

  it('refuses pictographs, symbols, digits and control characters', () => {
    fails('😀🎉', 'invalid');
    fails('陳小明😀', 'invalid');
    fails('陳小明\u2764\uFE0F', 'invalid'); // ❤️
    fails('A\uFE0F', 'invalid');
    fails('👨‍👩‍👧', 'invalid'); // joined by ZWJ
    fails('陳\u20DD', 'invalid'); // an enclosing circle
    fails('★陳小明', 'invalid');
    fails('陳小明2', 'invalid');
    fails('陳<b>', 'invalid');
    fails('陳\u0000明', 'invalid');
    fails('陳\u200B明', 'invalid'); // zero-width space
    fails('\u0301a', 'invalid'); // a mark with no letter before it
  });

  it('wants at least one letter', () => {
    fails('·', 'invalid');
    fails("- ' .", 'invalid');
  });

  it("lets a school's rows number their people, and nothing else more", () => {
    assert.equal(holdsOnlyNameCharacters('學生12', { digits: true }), true);
    assert.equal(holdsOnlyNameCharacters('學生12'), false);
    assert.equal(holdsOnlyNameCharacters('12', { digits: true }), false, 'a number is no name');
    assert.equal(holdsOnlyNameCharacters('學生😀', { digits: true }), false);
  });

  it('says when it is missing or too long', () => {
    fails('', 'required');
    fails('   ', 'required');
    passes('陳'.repeat(MAX_PERSON_NAME));
    fails('陳'.repeat(MAX_PERSON_NAME + 1), 'tooLong');
  });
});
