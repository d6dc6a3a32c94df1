// Class names in the page's language: a name made from the grade and the number (7年1班) is "Grade 7, Class 1" on
// English pages (consent, the identity menu and its children); a name the school gave its class stays as it is.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { classNameIn } from '../../../src/domain/schools/classes.ts';
import { Agent } from '../../helpers/agent.ts';
import { authorizationUrl, CALLBACK, discover, pkce, registerClient, submitLogin } from '../../helpers/rp.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

describe('classNameIn', () => {
  it('says a grade-and-number name in English, and keeps a name of the school’s own in both languages', () => {
    assert.equal(classNameIn('en', { code: '701', name: '7年1班' }), 'Grade 7, Class 1');
    assert.equal(classNameIn('en', { code: '1203' }), 'Grade 12, Class 3');
    assert.equal(classNameIn('en', { code: '301', name: null }), 'Grade 3, Class 1');
    assert.equal(classNameIn('zh-TW', { code: '701', name: '7年1班' }), '7年1班');
    assert.equal(classNameIn('zh-TW', { code: '701' }), '7年1班');
    // The roster's own words: the same on every page.
    assert.equal(classNameIn('en', { code: '701', name: '7年1班甲' }), '7年1班甲');
    assert.equal(classNameIn('en', { code: '701', name: '忠班' }), '忠班');
    // A code that is no grade and number, with no name: the code.
    assert.equal(classNameIn('en', { code: 'A-1' }), 'A-1');
  });
});

describe(`class names on the sign-in pages, in the page's language (${storageMode})`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await registerClient(
      server,
      { client_id: 'classes-rp', client_name: 'Reading Room', scope: 'openid profile identity children' },
      'classes-secret-0123456789abcdefghij',
    );
  });
  after(() => server.close());

  /** The page after the password: the identity menu or the consent page, in the language asked for. */
  async function afterPassword(login: string, password: string, locale: string) {
    const agent = new Agent();
    const conf = await discover(server.issuer, 'classes-rp', 'classes-secret-0123456789abcdefghij');
    const url = authorizationUrl(conf, await pkce(), { scope: 'openid profile identity children', ui_locales: locale });
    const page = await agent.follow(String(url), CALLBACK);
    return { step: await submitLogin(agent, page, login, password) };
  }
  const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

  it('consent in English: Student · the school · Grade 7, Class 1 · seat 7', async () => {
    const { step } = await afterPassword('student', 'Green-Frog-2026', 'en');
    assert.ok(step.body.includes('/confirm'), `the consent page, got ${step.status}`);
    assert.match(text(step.body), /Grade 7, Class 1/);
    assert.doesNotMatch(step.body, /7年1班/);
    const zh = await afterPassword('student', 'Green-Frog-2026', 'zh-TW');
    assert.match(text(zh.step.body), /7年1班/);
    assert.doesNotMatch(zh.step.body, /Grade 7/);
  });

  it("the identity menu in English names a child's class in English; a class the school named keeps its name", async () => {
    // teacher: a teacher, and the father of pupil (王小美, 3年1班).
    const { step } = await afterPassword('teacher', 'Blue-Chalk-2026', 'en');
    assert.ok(step.body.includes('name="identity"'), `the identity menu, got ${step.status}`);
    assert.match(text(step.body), /王小美 \(Grade 3, Class 1\)/);
    assert.doesNotMatch(step.body, /3年1班/);

    const classes = server.storage.db('classes').where({ school_code: '353601', code: '301' });
    const before = (await classes.clone().first('name')) as { name: string };
    await classes.clone().update({ name: '3年1班甲' });
    try {
      const named = await afterPassword('teacher', 'Blue-Chalk-2026', 'en');
      assert.match(text(named.step.body), /王小美 \(3年1班甲\)/);
    } finally {
      await classes.clone().update({ name: before.name });
    }
  });
});
