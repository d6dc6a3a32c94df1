import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSettings } from '../settings.ts';
import { applyBranding, chooseLocale, defineTexts, fromUiLocales, translator } from './index.ts';

test("the deployment's names replace the defaults in every text that names the product", () => {
  defineTexts({
    'zh-TW': { brandingTest: { question: '要登出$t(brand)嗎？' } },
    en: { brandingTest: { question: 'Sign out of $t(brand)?' } },
  });
  assert.equal(translator('zh-TW')('brandingTest.question'), '要登出臺北市校園單一身分驗證嗎？');
  const settings = parseSettings({
    PRODUCT_NAME: '新北市校園帳號',
    PRODUCT_NAME_EN: 'New Taipei School Account',
    SUPPORT_CONTACT: '請找學校資訊組',
  });
  applyBranding(settings.branding);
  assert.equal(translator('zh-TW')('brandingTest.question'), '要登出新北市校園帳號嗎？');
  assert.equal(translator('en')('brandingTest.question'), 'Sign out of New Taipei School Account?');
  assert.equal(translator('zh-TW')('support'), '請找學校資訊組');
  assert.match(translator('en')('support'), /Digital Learning Center/, 'an English text not set keeps its default');
});

test("a page's language: the link just clicked, the person's choice, the app's wish, the browser's, Chinese", () => {
  const request = (r: { lang?: string; cookie?: string; uiLocales?: string; accept?: string }) => ({
    query: r.lang ? { lang: r.lang } : {},
    cookies: { get: (name: string) => (name === 'lang' ? r.cookie : undefined) },
    acceptsLanguages: (...langs: string[]) => (r.accept && langs.includes(r.accept) ? r.accept : false),
    state: { uiLocales: r.uiLocales },
  });
  assert.equal(chooseLocale(request({ lang: 'en', cookie: 'zh-TW', uiLocales: 'zh-TW', accept: 'zh-TW' })), 'en');
  assert.equal(chooseLocale(request({ cookie: 'zh-TW', uiLocales: 'en', accept: 'en' })), 'zh-TW');
  assert.equal(chooseLocale(request({ cookie: 'fr', uiLocales: 'en', accept: 'zh-TW' })), 'en', 'no such choice');
  assert.equal(chooseLocale(request({ uiLocales: 'fr', accept: 'en' })), 'en');
  assert.equal(chooseLocale(request({})), 'zh-TW');
});

test('ui_locales: the first language we speak', () => {
  assert.equal(fromUiLocales('en'), 'en');
  assert.equal(fromUiLocales('fr-CA en-GB zh-TW'), 'en');
  assert.equal(fromUiLocales('zh-Hant-TW en'), 'zh-TW');
  assert.equal(fromUiLocales('fr de'), undefined);
  assert.equal(fromUiLocales(undefined), undefined);
});

test('a text asked for again is the same; one with values is filled in each time; an unknown key comes back as is', () => {
  defineTexts({
    'zh-TW': { keptTest: { plain: '你好', filled: '你好，{{name}}' } },
    en: { keptTest: { plain: 'Hello', filled: 'Hello, {{name}}' } },
  });
  const [zh, en] = [translator('zh-TW'), translator('en')];
  assert.equal(zh('keptTest.plain'), '你好');
  assert.equal(en('keptTest.plain'), 'Hello', 'each language its own');
  assert.equal(zh('keptTest.plain'), '你好');
  assert.equal(en('keptTest.filled', { name: '阿明' }), 'Hello, 阿明');
  assert.equal(en('keptTest.filled', { name: 'Mei' }), 'Hello, Mei');
  assert.equal(en('keptTest.nothing'), 'keptTest.nothing');
  defineTexts({ 'zh-TW': { keptTest2: { plain: '再見' } }, en: { keptTest2: { plain: 'Bye' } } });
  assert.equal(en('keptTest2.plain'), 'Bye', 'texts defined later are found');
});
