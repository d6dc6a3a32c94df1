import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kindOf, levelOf, parseSchoolList } from './school-list.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);

/** Big5 bytes for text (Node decodes Big5 but cannot encode it: the table is built from the decoder). */
function big5(text: string): Uint8Array {
  const table = new Map<string, number[]>();
  const decoder = new TextDecoder('big5');
  for (let hi = 0x81; hi <= 0xfe; hi++)
    for (let lo = 0x40; lo <= 0xfe; lo++) {
      const ch = decoder.decode(new Uint8Array([hi, lo]));
      if (ch.length === 1 && !table.has(ch)) table.set(ch, [hi, lo]);
    }
  return new Uint8Array([...text].flatMap((c) => (c.charCodeAt(0) < 0x80 ? [c.charCodeAt(0)] : table.get(c)!)));
}

test("the ministry's words for levels and kinds", () => {
  assert.equal(levelOf('國民小學'), 'elementary');
  assert.equal(levelOf('臺北市立大安國民中學'), 'junior');
  assert.equal(levelOf('臺北市立建國高級中學'), 'senior');
  assert.equal(levelOf('高職'), 'vocational');
  assert.equal(levelOf('特殊教育學校'), 'special');
  assert.equal(levelOf('vocational'), 'vocational');
  assert.equal(levelOf('大學'), '');
  assert.equal(kindOf('私立'), 'private');
  assert.equal(kindOf('市立'), 'municipal');
  assert.equal(kindOf('公立'), 'municipal');
  assert.equal(kindOf('?'), '');
});

test('reads a UTF-8 list with a byte-order mark, its bad rows named by line', () => {
  const csv = [
    '\uFEFF學校代碼,學校名稱,學制,公私立,縣市區',
    '353604,臺北市立大安國民中學,國民中學,公立,臺北市大安區',
    '13601,"臺北市私立復興實驗高級中學",,私立,臺北市大安區',
    '12,短代碼國小,國小,公立,',
    '353604,重複的學校,國中,公立,',
    '363601,沒有學制的學校,,公立,',
    '',
    '373601,不知道公私立國小,國小,某種,',
  ].join('\r\n');
  const parsed = parseSchoolList(utf8(csv));
  assert.ok(parsed.ok);
  assert.deepEqual(
    parsed.rows.map((r) => [r.line, r.code, r.level, r.kind, r.district]),
    [
      [2, '353604', 'junior', 'municipal', '臺北市大安區'],
      [3, '013601', 'senior', 'private', '臺北市大安區'],
    ],
  );
  assert.deepEqual(
    parsed.problems.map((p) => [p.line, p.field, p.error, p.value, p.earlier]),
    [
      [4, 'code', 'codeFormat', '12', undefined],
      // The repeated code as the row holds it, and the line it had first.
      [5, 'code', 'codeTwice', '353604', 2],
      [6, 'level', 'levelRequired', '', undefined],
      [8, 'kind', 'kindRequired', '某種', undefined],
    ],
  );
});

test('reads a Big5 list with the ministry’s column names, the level taken from the name', () => {
  const parsed = parseSchoolList(big5('代碼,學校名稱,公/私立,縣市名稱\n313601,臺北市立建國高級中學,公立,臺北市\n'));
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.rows[0], {
    line: 2,
    code: '313601',
    name: '臺北市立建國高級中學',
    level: 'senior',
    kind: 'municipal',
    district: '臺北市',
  });
});

test('refuses what is not a school list', () => {
  assert.deepEqual(parseSchoolList(utf8('a,b\n1,2\n')), { ok: false, error: 'noHeader' });
  assert.deepEqual(parseSchoolList(utf8('學校代碼,學校名稱\n')), { ok: false, error: 'empty' });
  assert.deepEqual(parseSchoolList(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0xff, 0xfe])), {
    ok: false,
    error: 'notText',
  });
});

test('names the line a quote breaks the file at, as a person finds it', () => {
  const notCsv = (text: string) => parseSchoolList(utf8(text));
  // A quote inside a cell, or right after a quoted one: csv-parse names its line.
  assert.deepEqual(notCsv('學校代碼,學校名稱\n353604,x\n353605,臺北市立"大安國中\n353606,y\n'), {
    ok: false,
    error: 'notCsv',
    line: 3,
    problem: 'strayQuote',
  });
  assert.deepEqual(notCsv('學校代碼,學校名稱\r\n353605,"大安"國中\r\n'), {
    ok: false,
    error: 'notCsv',
    line: 2,
    problem: 'strayQuote',
  });
  // A quote opened and never closed: csv-parse names the file's last line; the line it was opened on is meant (an
  // empty line and a quoted cell across two lines before it counted).
  assert.deepEqual(notCsv('學校代碼,學校名稱\n"353604,x\n'), {
    ok: false,
    error: 'notCsv',
    line: 2,
    problem: 'openQuote',
  });
  assert.deepEqual(notCsv('學校代碼,學校名稱\n353604,"兩\n行"\n\n"353605,x\n353606,y\n353607,z\n'), {
    ok: false,
    error: 'notCsv',
    line: 5,
    problem: 'openQuote',
  });
});
