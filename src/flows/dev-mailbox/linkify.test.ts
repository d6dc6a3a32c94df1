import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkify } from './linkify.ts';

test('URLs become links and the rest stays text', () => {
  assert.deepEqual(linkify('Reset: https://sso.example/reset?t=abc&x=1. Thanks'), [
    { text: 'Reset: ' },
    { href: 'https://sso.example/reset?t=abc&x=1' },
    { text: '. Thanks' },
  ]);
});

test('full-width punctuation after a URL is not part of it', () => {
  assert.deepEqual(linkify('請點選 http://localhost:3000/r/1，十分鐘內有效。'), [
    { text: '請點選 ' },
    { href: 'http://localhost:3000/r/1' },
    { text: '，十分鐘內有效。' },
  ]);
});

test('only http and https are links; markup stays text', () => {
  assert.deepEqual(linkify('<a href="javascript:alert(1)">x</a> ftp://h/'), [
    { text: '<a href="javascript:alert(1)">x</a> ftp://h/' },
  ]);
  assert.deepEqual(linkify(''), []);
});
