import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { describe, it } from 'node:test';
import Koa from 'koa';
import { cookieSigner } from './cookie-signer.ts';

/** Koa's cookies on a request carrying `cookie`, with `keys` as the app's keys (a list: Keygrip; or a signer). */
function cookiesWith(keys: string[] | ReturnType<typeof cookieSigner>, cookie = '') {
  const app = new Koa();
  app.keys = keys as string[];
  const req = new http.IncomingMessage(new net.Socket());
  req.headers.cookie = cookie;
  const res = new http.ServerResponse(req);
  return { cookies: app.createContext(req, res).cookies, res };
}

/** The Set-Cookie pairs a response got, as a Cookie header would send them back. */
const sent = (res: http.ServerResponse) =>
  ([res.getHeader('set-cookie') ?? []] as string[][])
    .flat()
    .map((line) => line.split(';')[0])
    .join('; ');

describe('cookie signer', () => {
  const keys = ['new-key', 'old-key'];

  it('signs as Keygrip does: a cookie signed by either is read by the other', () => {
    const byKeygrip = cookiesWith(keys);
    byKeygrip.cookies.set('_session', 'abc', { signed: true });
    assert.equal(cookiesWith(cookieSigner(keys), sent(byKeygrip.res)).cookies.get('_session', { signed: true }), 'abc');

    const bySigner = cookiesWith(cookieSigner(keys));
    bySigner.cookies.set('_session', 'xyz', { signed: true });
    const sameByKeygrip = cookiesWith(keys);
    sameByKeygrip.cookies.set('_session', 'xyz', { signed: true });
    assert.equal(sent(bySigner.res), sent(sameByKeygrip.res));
    assert.equal(cookiesWith(keys, sent(bySigner.res)).cookies.get('_session', { signed: true }), 'xyz');
  });

  it('accepts a signature of a key that is no longer the first (rotation), and re-signs it with the first', () => {
    const old = cookiesWith(['old-key']);
    old.cookies.set('_session', 'abc', { signed: true });
    const now = cookiesWith(cookieSigner(keys), sent(old.res));
    assert.equal(now.cookies.get('_session', { signed: true }), 'abc');
    assert.equal(cookieSigner(keys).index('_session=abc', cookieSigner(['old-key']).sign('_session=abc')), 1);
    assert.match(sent(now.res), /^_session\.sig=/, 'the signature is renewed with the first key');
  });

  it('refuses a changed value, a signature of another key, and signatures of the wrong length or none', () => {
    const signer = cookieSigner(keys);
    const digest = signer.sign('_session=abc');
    assert.equal(signer.index('_session=abd', digest), -1);
    assert.equal(signer.index('_session=abc', cookieSigner(['other-key']).sign('_session=abc')), -1);
    assert.equal(signer.index('_session=abc', digest.slice(1)), -1);
    assert.equal(signer.index('_session=abc', `${digest}A`), -1);
    assert.equal(signer.index('_session=abc', undefined as unknown as string), -1);
    assert.equal(signer.verify('_session=abc', digest), true);
    const forged = cookiesWith(signer, `_session=abd; _session.sig=${digest}`);
    assert.equal(forged.cookies.get('_session', { signed: true }), undefined);
    assert.throws(() => cookieSigner([]), /cookie keys are required/);
  });
});
