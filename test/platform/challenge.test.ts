// The "are you a person?" check against real storage: a proof of work solved as the widget solves it, and the
// question in words for browsers without scripts; each good once, and nothing else passes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createChallenge, solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { Challenges } from '../../src/platform/challenge.ts';
import { Keyring } from '../../src/platform/keyring.ts';
import { resolveSecretKey } from '../../src/platform/secrets.ts';
import { parseSettings } from '../../src/platform/settings.ts';
import { openStorage, type Storage } from '../../src/platform/storage/open.ts';
import { solvedChallenge } from '../helpers/challenge.ts';
import { storageMode, testEnv } from '../helpers/server.ts';

describe(`the person check (${storageMode})`, () => {
  let storage: Storage;
  let challenges: Challenges;
  const settings = parseSettings(testEnv());
  before(async () => {
    storage = await openStorage(settings);
    challenges = new Challenges(storage.shared, storage.keyring);
  });
  after(() => storage.close());

  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

  it('takes a solved proof of work once, and refuses it the second time', async () => {
    const altcha = await solvedChallenge(await challenges.create());
    assert.equal(await challenges.verify({ altcha }), true);
    assert.equal(await challenges.verify({ altcha }), false, 'used up');
  });

  it('refuses a wrong solution, a changed challenge, an expired one, one signed elsewhere, and garbage', async () => {
    const challenge = await challenges.create();
    const solution = (await solveChallenge({ challenge, deriveKey }))!;
    const wrong = { ...solution, counter: solution.counter + 1 };
    assert.equal(await challenges.verify({ altcha: encode({ challenge, solution: wrong }) }), false);
    const cheaper = { ...challenge, parameters: { ...challenge.parameters, keyPrefix: '0' } };
    assert.equal(await challenges.verify({ altcha: encode({ challenge: cheaper, solution }) }), false);

    const secret = storage.keyring.key('challenge').toString('base64url');
    const expired = await createChallenge({
      algorithm: 'PBKDF2/SHA-256',
      cost: 5000,
      deriveKey,
      expiresAt: new Date(Date.now() - 1000),
      hmacSignatureSecret: secret,
    });
    assert.equal(await challenges.verify({ altcha: await solvedChallenge(expired) }), false, 'expired');
    const foreign = await createChallenge({
      algorithm: 'PBKDF2/SHA-256',
      cost: 5000,
      deriveKey,
      hmacSignatureSecret: 'someone else',
    });
    assert.equal(await challenges.verify({ altcha: await solvedChallenge(foreign) }), false, 'not ours');

    for (const altcha of ['', 'not base64 at all', encode({}), encode({ challenge: 1, solution: 2 }), 'x'.repeat(5000)])
      assert.equal(await challenges.verify({ altcha }), false, altcha.slice(0, 20));
    assert.equal(await challenges.verify({}), false);
  });

  it('takes the right answer to the question in words once (full-width digits too), and nothing else', async () => {
    const q = challenges.question();
    const right = String(q.a + q.b);
    const fullWidth = right.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    assert.equal(await challenges.verify({ question_token: q.token, question_answer: ` ${fullWidth} ` }), true);
    assert.equal(await challenges.verify({ question_token: q.token, question_answer: right }), false, 'used up');

    const other = challenges.question();
    const [body, mac] = other.token.split('.');
    const forged = Buffer.from(JSON.stringify({ a: 1, b: 1, e: 4e9, n: 'x' })).toString('base64url');
    assert.equal(await challenges.verify({ question_token: `${forged}.${mac}`, question_answer: '2' }), false);
    assert.equal(await challenges.verify({ question_token: body!, question_answer: right }), false);
  });

  it("seals the question's token: nothing in it decodes to the numbers or the answer", () => {
    for (let i = 0; i < 20; i++) {
      const q = challenges.question();
      assert.ok(q.token.length <= 400, 'fits the form field the check reads');
      for (const part of [q.token, ...q.token.split('.')]) {
        for (const text of [
          part,
          Buffer.from(part, 'base64url').toString('utf8'),
          Buffer.from(part, 'base64url').toString('latin1'),
          Buffer.from(part, 'base64').toString('utf8'),
        ]) {
          assert.throws(() => JSON.parse(text), SyntaxError, `no JSON in ${part}`);
          assert.doesNotMatch(text, /"(?:a|b|s|e|n|answer)"\s*:/, `no readable fields in ${part}`);
        }
      }
    }
  });

  it('checks a question made by another process sharing the secret; refuses forged, changed and foreign tokens', async () => {
    // Another process: its own keyring from the same SECRET_KEY, the same shared store; nothing stored per question.
    const elsewhere = new Challenges(storage.shared, new Keyring(resolveSecretKey(settings)));
    const q = challenges.question();
    const right = String(q.a + q.b);
    const forgedBy = (keyring: Keyring, s: number) =>
      keyring.seal('challenge-question', JSON.stringify({ s, e: Math.floor(Date.now() / 1000) + 60, n: 'forged' }));
    const [version, iv, tag, data] = q.token.split('.') as [string, string, string, string];
    const flip = (text: string) => {
      const at = Math.floor(text.length / 2);
      return `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
    };
    const forged = [
      forgedBy(new Keyring(Buffer.alloc(32, 7)), 2), // sealed with another secret
      storage.keyring.seal('totp-secret', JSON.stringify({ s: 2, e: 4e9, n: 'y' })), // sealed for another purpose
      storage.keyring.seal('challenge', JSON.stringify({ s: 2, e: 4e9, n: 'z' })), // with the proof-of-work key
      Buffer.from(JSON.stringify({ a: 1, b: 1, e: 4e9, n: 'x' })).toString('base64url'),
      'v1...',
      '',
      'x'.repeat(500),
    ];
    for (const question_token of forged)
      assert.equal(await elsewhere.verify({ question_token, question_answer: '2' }), false, question_token);
    const changed = [
      [version, flip(iv), tag, data],
      [version, iv, flip(tag), data],
      [version, iv, tag, flip(data)],
      [version, iv, tag],
    ].map((parts) => parts.join('.'));
    for (const question_token of changed)
      assert.equal(await elsewhere.verify({ question_token, question_answer: right }), false, question_token);

    assert.equal(await elsewhere.verify({ question_token: q.token, question_answer: right }), true, 'another process');
    assert.equal(await challenges.verify({ question_token: q.token, question_answer: right }), false, 'used up');
    assert.equal(await elsewhere.verify({ question_token: q.token, question_answer: right }), false, 'used up');
  });

  it('uses a question up with a wrong answer too: its few sums cannot be tried one after another', async () => {
    const q = challenges.question();
    const wrong = String(((q.a + q.b - 2 + 1) % 17) + 2);
    assert.equal(await challenges.verify({ question_token: q.token, question_answer: wrong }), false);
    assert.equal(await challenges.verify({ question_token: q.token, question_answer: String(q.a + q.b) }), false);
  });
});
