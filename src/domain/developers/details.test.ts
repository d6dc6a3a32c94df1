// An application's details: a scope asked for without its reason is said with the form's other mistakes, whatever
// they are — a kind of app not chosen too (it used to stop the check, so the reason was asked for only afterwards).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detailsSchema } from './details.ts';

const FIELDS = {
  app_name: '成績查詢',
  purpose: '家長查看成績。',
  contact_name: '陳老師',
  contact_email: 'dev@example.org',
  homepage_url: 'https://grades.example.edu.tw/',
  privacy_url: 'https://grades.example.edu.tw/privacy',
  kind: 'web',
  redirect_uris: ['https://grades.example.edu.tw/callback'],
  scopes: ['profile', 'idno'],
  scope_reasons: { idno: '' },
};

const mistakes = (details: Record<string, unknown>) =>
  (detailsSchema({ development: false }).safeParse(details).error?.issues ?? []).map(
    (i) => `${i.path.join('.')}: ${i.message}`,
  );

test('the national ID ticked without a reason is said with every other mistake of the form', () => {
  assert.deepEqual(mistakes(FIELDS), ['scope_reasons.idno: reasonNeeded']);
  assert.deepEqual(mistakes({ ...FIELDS, kind: '' }), ['kind: required', 'scope_reasons.idno: reasonNeeded']);
  assert.deepEqual(mistakes({ ...FIELDS, kind: undefined, app_name: '' }), [
    'app_name: required',
    'kind: required',
    'scope_reasons.idno: reasonNeeded',
  ]);
  assert.deepEqual(mistakes({ ...FIELDS, homepage_url: 'nope' }), [
    'homepage_url: notUrl',
    'scope_reasons.idno: reasonNeeded',
  ]);
  // With its reason, nothing about it; a scope not asked for needs none.
  assert.deepEqual(mistakes({ ...FIELDS, kind: '', scope_reasons: { idno: '核對身分。' } }), ['kind: required']);
  assert.deepEqual(mistakes({ ...FIELDS, kind: '', scopes: ['profile'] }), ['kind: required']);
  // Not an object at all: refused, without a crash.
  assert.ok(!detailsSchema({ development: false }).safeParse('x').success);
});
