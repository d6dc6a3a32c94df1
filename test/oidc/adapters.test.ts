// One storage contract for every oidc-provider adapter we ship, matching the semantics of oidc-provider's own
// MemoryAdapter: the PostgreSQL adapter (embedded, or DATABASE_URL), the Redis adapter (REDIS_URL, else a local
// Redis on db 9 if one answers) and the Client adapter (only upsert / find / destroy apply to `Client`).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { ClientRegistry } from '../../src/domain/clients/registry.ts';
import { accountFromAlong, loadAccount } from '../../src/domain/identities/account.ts';
import { insertPerson } from '../../src/domain/people/persons.ts';
import { ClientAdapter } from '../../src/oidc/adapters/clients.ts';
import {
  GRANT_BOUND,
  RequestWrites,
  requestWrites,
  runWithWrites,
  withRequestWrites,
} from '../../src/oidc/adapters/deferred-writes.ts';
import { adapterFactory } from '../../src/oidc/adapters/index.ts';
import { PostgresAdapter } from '../../src/oidc/adapters/postgres.ts';
import { RedisAdapter } from '../../src/oidc/adapters/redis.ts';
import type { OidcAdapter, Payload } from '../../src/oidc/adapters/types.ts';
import { parseSettings } from '../../src/platform/settings.ts';
import { openStorage, type Storage } from '../../src/platform/storage/open.ts';
import { deleteRedisPrefix } from '../helpers/redis.ts';
import { testEnv } from '../helpers/server.ts';

/** Every model oidc-provider 9 keeps in its adapter, apart from `Client`. */
const MODELS = [
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
] as const;

/** The models oidc-provider calls revokeByGrantId on (lib/helpers/revoke.js). */
const GRANTABLE = [...GRANT_BOUND];

/** Ids, grant ids, uids and user codes all start with this, so a run never meets another run's data. */
const RUN = `ct-${crypto.randomBytes(4).toString('hex')}`;
let counter = 0;
const fresh = (what = 'id') => `${RUN}-${what}-${++counter}`;
const now = () => Math.floor(Date.now() / 1000);

/** A payload shaped like the one oidc-provider stores for `model` (JSON only: no undefined, no Dates). */
function samplePayload(model: string, id: string, extra: Record<string, unknown> = {}): Payload {
  const iat = now();
  const base = { iat, exp: iat + 3600, jti: id, kind: model };
  const token = {
    ...base,
    clientId: 'client-a',
    accountId: 'person-1',
    scope: 'openid email',
    grantId: fresh('grant'),
  };
  const byModel: Record<string, Record<string, unknown>> = {
    Session: {
      ...base,
      uid: fresh('uid'),
      accountId: 'person-1',
      loginTs: iat,
      amr: ['pwd'],
      acr: 'urn:campus:pwd',
      transient: false,
      authorizations: { 'client-a': { sid: 'sid-1', grantId: 'g-1', persistsLogout: true } },
      state: null,
    },
    Interaction: {
      ...base,
      returnTo: 'https://sso.example/auth/xyz',
      trusted: [],
      lastSubmission: { login: { accountId: 'person-1' } },
      prompt: { name: 'consent', reasons: ['op_scopes_missing'], details: { missingOIDCScope: ['email'] } },
      params: { client_id: 'client-a', scope: 'openid email', state: 'Zürich ☃ "quoted" \\ <tag>', nonce: 'n' },
      session: { uid: 'uid-1', cookie: 'cookie-1', accountId: 'person-1' },
      cid: 'cid-1',
    },
    DeviceCode: {
      ...token,
      userCode: fresh('user-code'),
      deviceInfo: { ip: '10.0.0.1', ua: 'tv' },
      params: { client_id: 'client-a' },
    },
    AuthorizationCode: {
      ...token,
      redirectUri: 'https://rp.example/cb',
      codeChallenge: 'abc',
      codeChallengeMethod: 'S256',
      nonce: 'n',
    },
    RefreshToken: { ...token, rotations: 0, iiat: iat, sessionUid: 'uid-1', expiresWithSession: true },
    AccessToken: { ...token, aud: ['https://api.example'], extra: { tenant: 'school-7', ratio: 0.25, big: 2 ** 40 } },
    ClientCredentials: { ...base, clientId: 'client-b', scope: 'api:read' },
    InitialAccessToken: { ...base, policies: ['campus'] },
    RegistrationAccessToken: { ...base, clientId: 'client-c', policies: ['campus'] },
    ReplayDetection: { ...base, iss: 'client-a' },
    PushedAuthorizationRequest: { ...base, clientId: 'client-a', request: 'eyJhbGciOiJub25lIn0.e30.', dpopJkt: 'jkt' },
    Grant: {
      ...base,
      accountId: 'person-1',
      clientId: 'client-a',
      openid: { scope: 'openid email', claims: ['sub'] },
      resources: { 'https://api.example': 'api:read' },
    },
    BackchannelAuthenticationRequest: { ...token, nonce: 'n', params: { login_hint: 'person-1' } },
    PreAuthorizedCode: { ...token },
    Client: {
      client_id: id,
      client_secret: 'secret',
      client_name: 'Ünïcode school ☃',
      redirect_uris: ['https://rp.example/cb'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      first_party: true,
      allowed_roles: ['teacher'],
      organization: null,
    },
  };
  return { ...(byModel[model] ?? base), ...extra };
}

type Backend = {
  makeAdapter(model: string): OidcAdapter;
  models: readonly string[];
  /** Stores `raw` (a JSON text or not) as the entry's payload behind the adapter's back, with optional index values. */
  writeRaw(
    model: string,
    id: string,
    raw: string,
    index?: { uid?: string; userCode?: string; grantId?: string },
  ): Promise<void>;
  /** Removes everything this run stored. */
  cleanup(): Promise<void>;
};

/** What find returns for an entry that was consumed: the payload plus `consumed`, epoch seconds. */
/** An interaction, a code and a refresh token bound to a session and a grant, as oidc-provider makes them (not stored). */
/** An interaction finished with a grant (an identity chosen straight after the sign-in): the resumption loads it. */
function finishedWithGrant(grantId: string) {
  const interactionId = fresh('Interaction');
  const interaction = samplePayload('Interaction', interactionId, {
    result: { login: { accountId: 'person-1' }, consent: { grantId } },
  });
  return { interactionId, interaction };
}

function boundEntries(session: Payload, grantId: string, sessionId = 'session-cookie') {
  const interactionId = fresh('Interaction');
  const codeId = fresh('AuthorizationCode');
  const refreshId = fresh('token');
  const bound = { grantId, sessionUid: session.uid, expiresWithSession: true };
  return {
    interactionId,
    interaction: samplePayload('Interaction', interactionId, {
      session: { uid: session.uid, cookie: sessionId, accountId: 'person-1' },
      grantId,
    }),
    codeId,
    code: samplePayload('AuthorizationCode', codeId, bound),
    refreshId,
    refresh: samplePayload('RefreshToken', refreshId, bound),
  };
}

function assertConsumed(found: Payload | undefined, payload: Payload, from: number, to: number) {
  assert.ok(found, 'a consumed entry is still found');
  const { consumed, ...rest } = found;
  assert.equal(typeof consumed, 'number');
  assert.ok(Number.isInteger(consumed), `consumed is whole seconds, got ${consumed}`);
  assert.ok(
    consumed! >= from - 1 && consumed! <= to + 1,
    `consumed ${consumed} is the time of consume (${from}..${to})`,
  );
  assert.deepEqual(rest, payload);
}

/**
 * oidc-provider saves a session again at every request in its browser, with a later expiry and nothing else changed.
 * Read and saved in one request (`request` runs `fn` as one and gives its round trips to storage; `stored` reads the
 * session's expiry as stored: its payload's, and the seconds left of the entry's own), such a save is stored only when
 * the stored expiry is more than an hour, or a hundredth of the session's lifetime, short of the new one, or when more
 * changed; outside a request, always.
 */
async function rollingSessionSaves(
  adapter: (model: string) => OidcAdapter,
  request: (fn: () => Promise<void>) => Promise<number>,
  stored: (id: string) => Promise<{ exp: number; secondsLeft: number }>,
) {
  const lifetime = 14 * 86_400;
  const cases = [
    { name: 'saved a minute before, nothing else changed', behind: 60, lifetime, extra: {}, written: false },
    { name: 'saved two hours before', behind: 7200, lifetime, extra: {}, written: true },
    { name: 'saved a minute before, something else changed', behind: 60, lifetime, extra: { acr: 'x' }, written: true },
    { name: 'a ten-minute session saved a minute before', behind: 60, lifetime: 600, extra: {}, written: true },
  ];
  for (const c of cases) {
    const id = fresh('Session');
    const first = { ...samplePayload('Session', id), exp: now() + c.lifetime - c.behind };
    await adapter('Session').upsert(id, first, c.lifetime - c.behind);
    const again = { ...first, ...c.extra, exp: now() + c.lifetime };
    const trips = await request(async () => {
      assert.deepEqual(await adapter('Session').find(id), first);
      await adapter('Session').upsert(id, again, c.lifetime);
    });
    assert.equal(trips, c.written ? 2 : 1, `${c.name}: the read, ${c.written ? 'and the write' : 'only'}`);
    const after = await stored(id);
    assert.equal(after.exp, c.written ? again.exp : first.exp, `${c.name}: the stored payload's expiry`);
    const left = c.written ? c.lifetime : c.lifetime - c.behind;
    assert.ok(Math.abs(after.secondsLeft - left) <= 3, `${c.name}: ${after.secondsLeft} s left, not ${left}`);
  }
  const id = fresh('Session');
  const first = { ...samplePayload('Session', id), exp: now() + lifetime - 60 };
  await adapter('Session').upsert(id, first, lifetime - 60);
  await adapter('Session').find(id);
  const exp = now() + lifetime;
  await adapter('Session').upsert(id, { ...first, exp }, lifetime);
  assert.equal((await stored(id)).exp, exp, 'outside a request: stored');
}

/**
 * The contract, for the adapters `makeBackend` makes. `clientOnly` is the `Client` model's share of it (upsert, find and
 * destroy); `skip` says why the backend is not available.
 */
function contract(
  name: string,
  makeBackend: () => Backend | Promise<Backend>,
  { clientOnly = false, skip }: { clientOnly?: boolean; skip?: string } = {},
) {
  describe(name, { skip }, () => {
    let backend: Backend;
    const adapter = (model: string) => backend.makeAdapter(model);

    before(async () => {
      backend = await makeBackend();
    });
    after(async () => {
      await backend?.cleanup();
    });

    it('upsert then find returns the payload, for every model', async () => {
      for (const model of backend.models) {
        const id = fresh(model);
        const payload = samplePayload(model, id);
        await adapter(model).upsert(id, payload, 300);
        assert.deepEqual(await adapter(model).find(id), payload, model);
      }
    });

    it('upsert overwrites the whole payload', async () => {
      for (const model of backend.models) {
        const id = fresh(model);
        await adapter(model).upsert(id, samplePayload(model, id, { extraField: 'first', nested: { a: 1 } }), 300);
        const second = samplePayload(model, id, { other: ['second'] });
        await adapter(model).upsert(id, second, 300);
        assert.deepEqual(await adapter(model).find(id), second, model);
      }
    });

    it('find of an id never stored returns undefined', async () => {
      for (const model of backend.models) assert.equal(await adapter(model).find(fresh('missing')), undefined, model);
    });

    it('destroy removes the entry and leaves others; destroying a missing id is harmless', async () => {
      for (const model of backend.models) {
        const [gone, kept] = [fresh(model), fresh(model)];
        await adapter(model).upsert(gone, samplePayload(model, gone), 300);
        await adapter(model).upsert(kept, samplePayload(model, kept), 300);
        await adapter(model).destroy(gone);
        await adapter(model).destroy(fresh('missing'));
        assert.equal(await adapter(model).find(gone), undefined, model);
        assert.ok(await adapter(model).find(kept), model);
      }
    });

    it('a payload stored as garbage is treated as missing', async () => {
      const garbage = ['not json {', '"not json {"', '[1,2,3]', '[]', '42', 'null', '"[]"', 'true', ''];
      for (const model of backend.models) {
        for (const raw of garbage) {
          const id = fresh('garbage');
          await backend.writeRaw(model, id, raw);
          assert.equal(await adapter(model).find(id), undefined, `${model} ${raw}`);
        }
      }
      if (clientOnly) return;
      const uid = fresh('uid');
      const userCode = fresh('user-code');
      await backend.writeRaw('Session', fresh('garbage'), '[{"uid":1}]', { uid });
      await backend.writeRaw('DeviceCode', fresh('garbage'), '"{not json"', { userCode });
      assert.equal(await adapter('Session').findByUid(uid), undefined);
      assert.equal(await adapter('DeviceCode').findByUserCode(userCode), undefined);
      // Consuming or revoking around garbage must not throw either.
      const id = fresh('garbage');
      const grantId = fresh('grant');
      await backend.writeRaw('AccessToken', id, '[1]', { grantId });
      await adapter('AccessToken').consume(id);
      assert.equal(await adapter('AccessToken').find(id), undefined);
      await adapter('AccessToken').revokeByGrantId(grantId);
    });

    if (clientOnly)
      it('the methods that do not apply to clients are harmless no-ops', async () => {
        for (const model of backend.models) {
          const id = fresh(model);
          const payload = samplePayload(model, id);
          await adapter(model).upsert(id, payload);
          assert.equal(await adapter(model).findByUid(fresh('uid')), undefined);
          assert.equal(await adapter(model).findByUserCode(fresh('user-code')), undefined);
          await adapter(model).revokeByGrantId(fresh('grant'));
          assert.deepEqual(await adapter(model).find(id), payload);
        }
      });

    // The rest applies to the token, session and interaction models, not to `Client`.
    if (clientOnly) return;

    it('ids are per model: the same id in two models is two entries', async () => {
      const id = fresh('shared');
      const [a, b] = ['AccessToken', 'RefreshToken'];
      await adapter(a).upsert(id, samplePayload(a, id), 300);
      await adapter(b).upsert(id, samplePayload(b, id), 300);
      assert.equal((await adapter(a).find(id))?.kind, a);
      assert.equal((await adapter(b).find(id))?.kind, b);
      await adapter(a).destroy(id);
      assert.equal(await adapter(a).find(id), undefined);
      assert.equal((await adapter(b).find(id))?.kind, b);
    });

    it('consume sets consumed (epoch seconds) and find still returns the payload, for every model', async () => {
      for (const model of backend.models) {
        const id = fresh(model);
        const payload = samplePayload(model, id);
        await adapter(model).upsert(id, payload, 300);
        const from = now();
        await adapter(model).consume(id);
        assertConsumed(await adapter(model).find(id), payload, from, now());
      }
    });

    // (What a token request uses once, used while missing inside a request, refuses the request: tests below.)
    it('consume of a missing id neither throws nor creates an entry', async () => {
      const id = fresh('missing');
      await adapter('PushedAuthorizationRequest').consume(id);
      assert.equal(await adapter('PushedAuthorizationRequest').find(id), undefined);
      // ... and a later upsert of that id is not born consumed.
      const payload = samplePayload('PushedAuthorizationRequest', id);
      await adapter('PushedAuthorizationRequest').upsert(id, payload, 300);
      assert.deepEqual(await adapter('PushedAuthorizationRequest').find(id), payload);
    });

    it('upsert after consume replaces the consumed mark along with the payload', async () => {
      const id = fresh('code');
      await adapter('RefreshToken').upsert(id, samplePayload('RefreshToken', id), 300);
      await adapter('RefreshToken').consume(id);
      const again = samplePayload('RefreshToken', id, { rotations: 1 });
      await adapter('RefreshToken').upsert(id, again, 300);
      assert.deepEqual(await adapter('RefreshToken').find(id), again);
    });

    it('destroy of a consumed entry removes it', async () => {
      const id = fresh('code');
      await adapter('AuthorizationCode').upsert(id, samplePayload('AuthorizationCode', id), 300);
      await adapter('AuthorizationCode').consume(id);
      await adapter('AuthorizationCode').destroy(id);
      assert.equal(await adapter('AuthorizationCode').find(id), undefined);
    });

    it('findByUid finds a Session by uid, and returns undefined for unknown, replaced or destroyed uids', async () => {
      const id = fresh('session');
      const payload = samplePayload('Session', id);
      await adapter('Session').upsert(id, payload, 300);
      assert.deepEqual(await adapter('Session').findByUid(payload.uid!), payload);
      assert.equal(await adapter('Session').findByUid(fresh('uid')), undefined);

      // A Session saved under a new id (resetIdentifier) keeps its uid; the old id is destroyed.
      const newId = fresh('session');
      const moved = { ...payload, jti: newId };
      await adapter('Session').upsert(newId, moved, 300);
      await adapter('Session').destroy(id);
      assert.deepEqual(await adapter('Session').findByUid(payload.uid!), moved);

      // An upsert with another uid: the old uid no longer leads to it.
      const renamed = samplePayload('Session', newId);
      await adapter('Session').upsert(newId, renamed, 300);
      assert.deepEqual(await adapter('Session').findByUid(renamed.uid!), renamed);
      assert.equal(await adapter('Session').findByUid(payload.uid!), undefined);

      await adapter('Session').destroy(newId);
      assert.equal(await adapter('Session').findByUid(renamed.uid!), undefined);
    });

    it('findByUserCode finds a DeviceCode by user code, consumed or not, and undefined for unknown or destroyed codes', async () => {
      const id = fresh('device');
      const payload = samplePayload('DeviceCode', id);
      await adapter('DeviceCode').upsert(id, payload, 300);
      assert.deepEqual(await adapter('DeviceCode').findByUserCode(payload.userCode!), payload);
      assert.equal(await adapter('DeviceCode').findByUserCode(fresh('user-code')), undefined);

      // The device flow saves the code again once the user has approved it (same user code, now with a grant).
      const approved = { ...payload, accountId: 'person-2', grantId: fresh('grant') };
      await adapter('DeviceCode').upsert(id, approved, 300);
      assert.deepEqual(await adapter('DeviceCode').findByUserCode(payload.userCode!), approved);

      const from = now();
      await adapter('DeviceCode').consume(id);
      assertConsumed(await adapter('DeviceCode').findByUserCode(payload.userCode!), approved, from, now());

      await adapter('DeviceCode').destroy(id);
      assert.equal(await adapter('DeviceCode').findByUserCode(payload.userCode!), undefined);
    });

    it('revokeByGrantId removes every entry of the grant across models and leaves the rest', async () => {
      const grantId = fresh('grant');
      const otherGrant = fresh('grant');
      const doomed = await Promise.all(
        GRANTABLE.map(async (model) => {
          const id = fresh(model);
          await adapter(model).upsert(id, samplePayload(model, id, { grantId }), 300);
          return [model, id] as const;
        }),
      );
      // A consumed member goes too.
      await adapter('AuthorizationCode').consume(doomed.find(([m]) => m === 'AuthorizationCode')![1]);
      const kept = await Promise.all(
        [
          ...GRANTABLE.map((model) => [model, { grantId: otherGrant }] as const),
          ['AccessToken', {}] as const,
          ['ClientCredentials', {}] as const,
          ['Session', {}] as const,
          ['Grant', {}] as const,
        ].map(async ([model, extra]) => {
          const id = fresh(model);
          const payload = samplePayload(model, id, extra);
          if (!('grantId' in extra)) delete payload.grantId;
          await adapter(model).upsert(id, payload, 300);
          return [model, id, payload] as const;
        }),
      );
      // The grant itself is stored under its own id; revoking its tokens does not remove it (oidc-provider destroys it).
      const grant = samplePayload('Grant', grantId);
      await adapter('Grant').upsert(grantId, grant, 300);

      // oidc-provider calls revokeByGrantId on each grantable model's adapter in turn; one call must already do it all.
      await adapter('AccessToken').revokeByGrantId(grantId);
      for (const [model, id] of doomed)
        assert.equal(await adapter(model).find(id), undefined, `${model} of the revoked grant`);
      for (const [model, id, payload] of kept)
        assert.deepEqual(await adapter(model).find(id), payload, `${model} outside the grant`);
      assert.deepEqual(await adapter('Grant').find(grantId), grant);

      for (const model of GRANTABLE) await adapter(model).revokeByGrantId(grantId); // repeating is harmless
      await adapter('AccessToken').revokeByGrantId(fresh('grant')); // as is an unknown grant
      for (const [model, id, payload] of kept)
        assert.deepEqual(await adapter(model).find(id), payload, `${model} outside the grant`);
    });

    it('revokeByGrantId follows an upsert that moved an entry to another grant', async () => {
      const [first, second] = [fresh('grant'), fresh('grant')];
      const id = fresh('token');
      await adapter('AccessToken').upsert(id, samplePayload('AccessToken', id, { grantId: first }), 300);
      const moved = samplePayload('AccessToken', id, { grantId: second });
      await adapter('AccessToken').upsert(id, moved, 300);
      await adapter('AccessToken').revokeByGrantId(first);
      assert.deepEqual(await adapter('AccessToken').find(id), moved);
      await adapter('AccessToken').revokeByGrantId(second);
      assert.equal(await adapter('AccessToken').find(id), undefined);
    });

    it('entries expire after expiresIn; entries without expiresIn, or with a longer one, stay', async () => {
      // One sleep for everything time-based.
      const short = await Promise.all(
        [
          'AccessToken',
          'AuthorizationCode',
          'Session',
          'DeviceCode',
          'Interaction',
          'ReplayDetection',
          'PushedAuthorizationRequest',
        ].map(async (model) => {
          const id = fresh(model);
          const payload = samplePayload(model, id);
          await adapter(model).upsert(id, payload, 1);
          return [model, id, payload] as const;
        }),
      );
      const long = await Promise.all(
        ['AccessToken', 'Session', 'DeviceCode', 'Grant'].map(async (model) => {
          const id = fresh(model);
          const payload = samplePayload(model, id);
          await adapter(model).upsert(id, payload, 300);
          return [model, id, payload] as const;
        }),
      );
      const forever = fresh('token');
      const foreverPayload = samplePayload('InitialAccessToken', forever);
      await adapter('InitialAccessToken').upsert(forever, foreverPayload);

      // A grant whose members have different lifetimes must stay revocable as long as any member lives,
      // whichever order they were saved in.
      const grants = await Promise.all(
        [
          [undefined, 1],
          [1, undefined],
          [1, 300],
          [300, 1],
        ].map(async ([a, b]) => {
          const grantId = fresh('grant');
          const ids = [fresh('token'), fresh('token')] as const;
          await adapter('AccessToken').upsert(ids[0], samplePayload('AccessToken', ids[0], { grantId }), a);
          await adapter('RefreshToken').upsert(ids[1], samplePayload('RefreshToken', ids[1], { grantId }), b);
          return {
            grantId,
            ids,
            lasting: a === 1 ? (['RefreshToken', ids[1]] as const) : (['AccessToken', ids[0]] as const),
          };
        }),
      );

      // Right after saving, everything is there.
      for (const [model, id, payload] of short) assert.deepEqual(await adapter(model).find(id), payload, model);

      await sleep(1600);

      for (const [model, id] of short) assert.equal(await adapter(model).find(id), undefined, `${model} expired`);
      const session = short.find(([m]) => m === 'Session')![2];
      const device = short.find(([m]) => m === 'DeviceCode')![2];
      assert.equal(
        await adapter('Session').findByUid(session.uid!),
        undefined,
        'an expired Session is not found by uid',
      );
      assert.equal(
        await adapter('DeviceCode').findByUserCode(device.userCode!),
        undefined,
        'an expired DeviceCode is not found by user code',
      );
      for (const [model, id, payload] of long)
        assert.deepEqual(await adapter(model).find(id), payload, `${model} not yet expired`);
      const longSession = long.find(([m]) => m === 'Session')![2];
      const longDevice = long.find(([m]) => m === 'DeviceCode')![2];
      assert.deepEqual(await adapter('Session').findByUid(longSession.uid!), longSession);
      assert.deepEqual(await adapter('DeviceCode').findByUserCode(longDevice.userCode!), longDevice);
      assert.deepEqual(await adapter('InitialAccessToken').find(forever), foreverPayload, 'no expiresIn: no expiry');

      for (const {
        grantId,
        lasting: [model, id],
      } of grants) {
        assert.ok(await adapter(model).find(id), `${model} of ${grantId} outlives its short-lived sibling`);
        await adapter('AccessToken').revokeByGrantId(grantId);
        assert.equal(
          await adapter(model).find(id),
          undefined,
          `${model} is revoked with its grant after the sibling expired`,
        );
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Backends

/** jsonb holds only JSON: text that is not JSON is stored as a JSON string of that text. */
function asJsonb(db: Knex, raw: string) {
  try {
    JSON.parse(raw);
    return db.raw('?::jsonb', [raw]);
  } catch {
    return db.raw('to_jsonb(?::text)', [raw]);
  }
}

let storage: Storage | undefined;
let dataDir: string | undefined;

/** Storage is opened once, lazily, and shared by the PostgreSQL and Client backends. */
async function sharedStorage(): Promise<Storage> {
  if (!storage) {
    // REDIS_URL is left out on purpose: the PostgreSQL adapter is tested here whatever the environment.
    const env = testEnv({ REDIS_URL: undefined });
    dataDir = env.DATA_DIR;
    storage = await openStorage(parseSettings(env));
  }
  return storage;
}

/** A connected client on REDIS_URL, or on the local test database if a Redis answers there; else why not. */
async function probeRedis(): Promise<{ redis: Redis; url: string } | { skip: string }> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/9';
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    retryStrategy: () => null,
  });
  let cause: Error | undefined;
  redis.on('error', (err: Error) => (cause = err));
  try {
    await redis.connect();
    await redis.ping();
    return { redis, url };
  } catch (err) {
    redis.disconnect();
    if (process.env.REDIS_URL) throw err; // configured but unreachable is a failure, not a skip
    const why = (cause ?? (err as Error)).message;
    return { skip: `no Redis answers at ${url} (${why}); set REDIS_URL to run the Redis adapter contract` };
  }
}

const probe = await probeRedis();

/** Backend.writeRaw for the PostgreSQL adapter: a row written behind its back. */
async function writeRawRow(
  db: Knex,
  model: string,
  id: string,
  raw: string,
  index: { uid?: string; userCode?: string; grantId?: string } = {},
) {
  await db('oidc_payloads').insert({
    model,
    id,
    payload: asJsonb(db, raw),
    uid: index.uid ?? null,
    user_code: index.userCode ?? null,
    grant_id: index.grantId ?? null,
    expires_at: new Date(Date.now() + 300_000),
  });
}

/** Backend.writeRaw for the Redis adapter: an entry written behind its back. */
async function writeRawRedis(
  redis: Redis,
  prefix: string,
  model: string,
  id: string,
  raw: string,
  index: { uid?: string; userCode?: string; grantId?: string } = {},
) {
  const key = `${prefix}${model}:${id}`;
  const tx = redis.multi().hset(key, 'payload', raw).expire(key, 300);
  if (index.uid) tx.set(`${prefix}${model}:uid:${index.uid}`, id, 'EX', 300);
  if (index.userCode) tx.set(`${prefix}${model}:userCode:${index.userCode}`, id, 'EX', 300);
  if (index.grantId) tx.sadd(`${prefix}grant:${index.grantId}`, key).expire(`${prefix}grant:${index.grantId}`, 300);
  await tx.exec();
}

/**
 * Adapters whose every call runs inside a request (runWithWrites), a request ending after every third call and when
 * `end` is called: what the contract expects of an adapter must hold of one that defers its writes.
 */
function insideRequests(makeInner: (model: string) => OidcAdapter) {
  let writes = new RequestWrites();
  let calls = 0;
  const end = async () => {
    const done = writes;
    writes = new RequestWrites();
    await done.close();
  };
  const makeAdapter = (model: string): OidcAdapter => {
    const inner = makeInner(model);
    return new Proxy(inner, {
      get(target, name) {
        const method = Reflect.get(target, name) as unknown;
        if (typeof method !== 'function') return method;
        return async (...args: unknown[]) => {
          const result = await runWithWrites(writes, () => method.apply(target, args));
          if (++calls % 3 === 0) await end();
          return result;
        };
      },
    });
  };
  return { makeAdapter, end };
}

async function cleanupRows(db: Knex): Promise<void> {
  await db('oidc_payloads').where('id', 'like', `${RUN}-%`).delete();
}

// One outer suite owns the shared connections: root-level hooks would run out of order under --test-name-pattern.
/**
 * Two token requests read the same unused code, then each uses it and stores a token: the first gets it, the second
 * stores nothing and is refused at its end. A use on its own of the code now used, or of a code that is gone (its
 * grant revoked), is refused too.
 */
async function oneOfTwoUsesTheCode(codes: OidcAdapter, tokens: OidcAdapter) {
  const code = fresh('AuthorizationCode');
  await codes.upsert(code, samplePayload('AuthorizationCode', code), 60);
  const [first, second, third] = [new RequestWrites(), new RequestWrites(), new RequestWrites()];
  const [mine, theirs] = [fresh('AccessToken'), fresh('AccessToken')];
  // All read it unused (token requests with the same code, at once).
  for (const writes of [first, second, third])
    assert.equal((await runWithWrites(writes, () => codes.find(code)))?.consumed, undefined);
  await runWithWrites(first, async () => {
    await codes.consume(code);
    await tokens.upsert(mine, samplePayload('AccessToken', mine), 60);
  });
  await first.close();
  await runWithWrites(second, async () => {
    await codes.consume(code);
    await tokens.upsert(theirs, samplePayload('AccessToken', theirs), 60);
  });
  const refused = (err: unknown) => (err as { error?: string }).error === 'invalid_grant';
  await assert.rejects(second.close(), refused);
  assert.equal(typeof (await codes.find(code))?.consumed, 'number');
  assert.ok(await tokens.find(mine), "the first request's token is stored");
  assert.equal(await tokens.find(theirs), undefined, "the second's is not");
  // The same with nothing else to store (the use on its own).
  await runWithWrites(third, () => codes.consume(code));
  await assert.rejects(third.close(), refused);
  // Gone meanwhile (its grant revoked).
  const gone = new RequestWrites();
  await runWithWrites(gone, () => codes.consume(fresh('AuthorizationCode')));
  await assert.rejects(gone.close(), refused);
}

describe('oidc-provider adapter contract', () => {
  after(async () => {
    if ('redis' in probe) await probe.redis.quit();
    await storage?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  contract(`PostgreSQL adapter (${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded'})`, async () => {
    const { db } = await sharedStorage();
    return {
      makeAdapter: (model) => new PostgresAdapter(db, model),
      models: MODELS,
      writeRaw: (model, id, raw, index) => writeRawRow(db, model, id, raw, index),
      cleanup: () => cleanupRows(db),
    };
  });

  // The same contract with every call made inside a request (src/oidc/adapters/deferred-writes.ts): writes are kept
  // and sent together when the request ends, which here is after every third call, so that reads meet entries still
  // pending, entries read along with another one, and entries in storage.
  contract('PostgreSQL adapter, inside requests (writes sent at the end of each)', async () => {
    const { db } = await sharedStorage();
    const requests = insideRequests((model) => new PostgresAdapter(db, model));
    return {
      makeAdapter: requests.makeAdapter,
      models: MODELS,
      async writeRaw(model, id, raw, index) {
        await requests.end();
        await writeRawRow(db, model, id, raw, index);
      },
      async cleanup() {
        await requests.end();
        await cleanupRows(db);
      },
    };
  });

  contract(
    'Redis adapter, inside requests (writes sent at the end of each, as one pipeline)',
    () => {
      const { redis } = probe as { redis: Redis };
      const prefix = `test:${RUN}:requests:`;
      const requests = insideRequests((model) => new RedisAdapter(redis, prefix, model));
      return {
        makeAdapter: requests.makeAdapter,
        models: MODELS,
        async writeRaw(model, id, raw, index) {
          await requests.end();
          await writeRawRedis(redis, prefix, model, id, raw, index);
        },
        async cleanup() {
          await requests.end();
          await deleteRedisPrefix(redis, prefix);
        },
      };
    },
    'skip' in probe ? { skip: probe.skip } : {},
  );

  describe('PostgreSQL adapter inside a request', () => {
    /** Runs `fn` as one request, counting the SQL statements it sends (its writes included). */
    async function request<T>(db: Knex, fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
      let statements = 0;
      const count = () => {
        statements++;
      };
      db.on('query', count);
      try {
        let result: T | undefined;
        await withRequestWrites(async () => {
          result = await fn();
        });
        return { result: result as T, statements };
      } finally {
        db.off('query', count);
      }
    }

    it("sends a request's writes as one statement when it ends, and they are stored as if made one by one", async () => {
      const { db } = await sharedStorage();
      const pg = (model: string) => new PostgresAdapter(db, model);
      const old = { interaction: fresh('Interaction'), session: fresh('Session') };
      await pg('Interaction').upsert(old.interaction, samplePayload('Interaction', old.interaction), 300);
      await pg('Session').upsert(old.session, samplePayload('Session', old.session), 300);
      const made = {
        grant: fresh('Grant'),
        interaction: fresh('Interaction'),
        session: fresh('Session'),
        code: fresh('AuthorizationCode'),
      };
      const payloads = {
        grant: samplePayload('Grant', made.grant),
        interaction: samplePayload('Interaction', made.interaction, { note: 'first' }),
        session: samplePayload('Session', made.session),
        code: samplePayload('AuthorizationCode', made.code, { state: '\u0000 "quoted" ☃' }),
      };
      const { statements } = await request(db, async () => {
        await pg('Interaction').destroy(old.interaction);
        await pg('Grant').upsert(made.grant, payloads.grant, 300);
        await pg('Interaction').upsert(made.interaction, { ...payloads.interaction, note: 'overwritten' }, 300);
        await pg('Interaction').upsert(made.interaction, payloads.interaction, 300);
        await pg('Session').destroy(old.session);
        await pg('Session').upsert(made.session, payloads.session, 300);
        await pg('AuthorizationCode').upsert(made.code, payloads.code, 60);
        // Reads in the same request see what it wrote, without asking the database.
        assert.equal(await pg('Interaction').find(old.interaction), undefined);
        assert.equal(await pg('Session').find(old.session), undefined);
        assert.deepEqual(await pg('Interaction').find(made.interaction), payloads.interaction);
        assert.deepEqual(await pg('Session').findByUid(payloads.session.uid!), payloads.session);
      });
      assert.equal(statements, 1, 'seven writes and four reads, one statement');
      // After the request: stored, as one write at a time would have left them.
      assert.equal(await pg('Interaction').find(old.interaction), undefined);
      assert.equal(await pg('Session').find(old.session), undefined);
      assert.deepEqual(await pg('Grant').find(made.grant), payloads.grant);
      assert.deepEqual(await pg('Interaction').find(made.interaction), payloads.interaction);
      assert.deepEqual(await pg('Session').findByUid(payloads.session.uid!), payloads.session);
      assert.deepEqual(await pg('AuthorizationCode').find(made.code), payloads.code);
      const [row] = await db('oidc_payloads').where({ model: 'AuthorizationCode', id: made.code }).select('grant_id');
      assert.equal(row?.grant_id, payloads.code.grantId, 'the grant index is stored too (revocation by grant)');
    });

    it('sends the writes made before a revocation first, and the revocation at once', async () => {
      const { db } = await sharedStorage();
      const pg = (model: string) => new PostgresAdapter(db, model);
      const code = fresh('AuthorizationCode');
      const payload = samplePayload('AuthorizationCode', code);
      const token = fresh('AccessToken');
      await request(db, async () => {
        await pg('AuthorizationCode').upsert(code, payload, 60);
        await pg('AccessToken').upsert(token, samplePayload('AccessToken', token, { grantId: payload.grantId }), 60);
        await pg('AccessToken').revokeByGrantId(payload.grantId!);
        assert.equal(await pg('AccessToken').find(token), undefined);
      });
      assert.equal(await pg('AccessToken').find(token), undefined, 'the token made before the revocation stays gone');
      assert.equal(await pg('AuthorizationCode').find(code), undefined);
    });

    it("stores a consumption with the request's writes, in the same statement, and the request sees it at once", async () => {
      const { db } = await sharedStorage();
      const pg = (model: string) => new PostgresAdapter(db, model);
      const code = fresh('AuthorizationCode');
      const token = fresh('AccessToken');
      await pg('AuthorizationCode').upsert(code, samplePayload('AuthorizationCode', code), 60);
      const consumedAt = async (id: string) =>
        (await db('oidc_payloads').where({ model: 'AuthorizationCode', id }).first('consumed_at'))?.consumed_at;
      const { statements } = await request(db, async () => {
        assert.equal((await pg('AuthorizationCode').find(code))?.consumed, undefined);
        await pg('AuthorizationCode').consume(code);
        assert.equal(await consumedAt(code), null, 'not stored before the request ends');
        assert.equal(typeof (await pg('AuthorizationCode').find(code))?.consumed, 'number', 'used, for this request');
        await pg('AccessToken').upsert(token, samplePayload('AccessToken', token), 60);
      });
      assert.equal(statements, 4, 'two reads, the look above, and the consumption with the token in one statement');
      assert.ok(await consumedAt(code));
      assert.ok(await pg('AccessToken').find(token));
      // An entry written and used in the same request is stored used.
      const other = fresh('AuthorizationCode');
      await request(db, async () => {
        await pg('AuthorizationCode').upsert(other, samplePayload('AuthorizationCode', other), 60);
        await pg('AuthorizationCode').consume(other);
        assert.equal(typeof (await pg('AuthorizationCode').find(other))?.consumed, 'number');
      });
      assert.ok(await consumedAt(other));
    });

    it('lets one of two requests that read the same unused code use it; the other stores nothing and is refused', async () => {
      const { db } = await sharedStorage();
      await oneOfTwoUsesTheCode(new PostgresAdapter(db, 'AuthorizationCode'), new PostgresAdapter(db, 'AccessToken'));
    });

    it('stores a few writes (a use, deletions, upserts) in one plain statement; after a use made first, none of them', async () => {
      const { db } = await sharedStorage();
      const pg = (model: string) => new PostgresAdapter(db, model);
      const code = fresh('AuthorizationCode');
      const [gone, kept] = [fresh('Interaction'), fresh('Interaction')];
      await pg('AuthorizationCode').upsert(code, samplePayload('AuthorizationCode', code), 60);
      for (const id of [gone, kept]) await pg('Interaction').upsert(id, samplePayload('Interaction', id), 300);
      const sent: string[] = [];
      const listen = (q: { sql: string }) => sent.push(q.sql);
      db.on('query', listen);
      const [first, second] = [new RequestWrites(), new RequestWrites()];
      const made = { access: fresh('AccessToken'), refresh: fresh('RefreshToken') };
      const payloads = {
        access: samplePayload('AccessToken', made.access),
        refresh: samplePayload('RefreshToken', made.refresh),
      };
      const theirs = { access: fresh('AccessToken'), refresh: fresh('RefreshToken') };
      try {
        // A refresh's shape: the token used, the next refresh token and an access token stored; here also a deletion.
        for (const writes of [first, second])
          assert.equal((await runWithWrites(writes, () => pg('AuthorizationCode').find(code)))?.consumed, undefined);
        sent.length = 0;
        await runWithWrites(first, async () => {
          await pg('AuthorizationCode').consume(code);
          await pg('AccessToken').upsert(made.access, payloads.access, 60);
          await pg('RefreshToken').upsert(made.refresh, payloads.refresh, 600);
          await pg('Interaction').destroy(gone);
        });
        await first.close();
        assert.equal(sent.length, 1, 'one statement');
        assert.doesNotMatch(sent[0]!, /json_array_elements/, 'a plain one');
        await runWithWrites(second, async () => {
          await pg('AuthorizationCode').consume(code);
          await pg('AccessToken').upsert(theirs.access, samplePayload('AccessToken', theirs.access), 60);
          await pg('RefreshToken').upsert(theirs.refresh, samplePayload('RefreshToken', theirs.refresh), 600);
          await pg('Interaction').destroy(kept);
        });
        await assert.rejects(second.close(), (err: { error?: string }) => err.error === 'invalid_grant');
      } finally {
        db.off('query', listen);
      }
      assert.equal(typeof (await pg('AuthorizationCode').find(code))?.consumed, 'number');
      assert.deepEqual(await pg('AccessToken').find(made.access), payloads.access);
      assert.deepEqual(await pg('RefreshToken').find(made.refresh), payloads.refresh);
      assert.equal(await pg('Interaction').find(gone), undefined);
      assert.equal(await pg('AccessToken').find(theirs.access), undefined, "the refused request's writes: none");
      assert.equal(await pg('RefreshToken').find(theirs.refresh), undefined);
      assert.ok(await pg('Interaction').find(kept), 'its deletion neither');
      // Without a use: a deletion and two upserts (the resumption's shape), stored.
      const [grant, session] = [fresh('Grant'), fresh('Session')];
      const stored = {
        grant: samplePayload('Grant', grant),
        session: samplePayload('Session', session, { state: '\u0000 ☃' }),
      };
      await request(db, async () => {
        await pg('Interaction').destroy(kept);
        await pg('Grant').upsert(grant, stored.grant, 300);
        await pg('Session').upsert(session, stored.session, 300);
      });
      assert.equal(await pg('Interaction').find(kept), undefined);
      assert.deepEqual(await pg('Grant').find(grant), stored.grant);
      assert.deepEqual(await pg('Session').find(session), stored.session);
    });

    /** A session and a grant, stored, for the entries read along with them. */
    async function storedSessionAndGrant() {
      const { db } = await sharedStorage();
      const pg = (model: string) => new PostgresAdapter(db, model);
      const sessionId = fresh('Session');
      const session = samplePayload('Session', sessionId);
      const grantId = fresh('grant');
      const grant = samplePayload('Grant', grantId);
      await pg('Session').upsert(sessionId, session, 300);
      await pg('Grant').upsert(grantId, grant, 300);
      return { db, pg, sessionId, session, grantId, grant };
    }

    it("reads an interaction or a code with its session and grant, so oidc-provider's next reads cost nothing", async () => {
      const { db, pg, sessionId, session, grantId, grant } = await storedSessionAndGrant();
      const { interactionId, interaction, codeId, code } = boundEntries(session, grantId, sessionId);
      await pg('Interaction').upsert(interactionId, interaction, 300);
      await pg('AuthorizationCode').upsert(codeId, code, 60);

      /** One request as oidc-provider makes it: the entry, then its session by uid, then its grant. */
      const readAlong = (model: string, id: string) =>
        request(db, async () => [
          await pg(model).find(id),
          await pg('Session').findByUid(session.uid!),
          await pg('Grant').find(grantId),
        ]);
      const page = await readAlong('Interaction', interactionId);
      assert.deepEqual(page.result, [interaction, session, grant]);
      assert.equal(page.statements, 1);
      const tokenRequest = await readAlong('AuthorizationCode', codeId);
      assert.deepEqual(tokenRequest.result, [code, session, grant]);
      assert.equal(tokenRequest.statements, 1);

      // A session that ended, or a grant revoked, is read as gone along with the code.
      await pg('Session').destroy(sessionId);
      await pg('Grant').destroy(grantId);
      const after = await readAlong('AuthorizationCode', codeId);
      assert.deepEqual(after.result, [code, undefined, undefined]);
      assert.equal(after.statements, 1);
    });

    it("reads the account along with a finished interaction, a code or a token used: findAccount's answer", async () => {
      const { db, pg } = await storedSessionAndGrant();
      const person = await insertPerson(db, {
        username: fresh('along'),
        name: '帳號同讀',
        passwordHash: 'x',
        birthdate: '2012-03-04',
      });
      await db('persons')
        .where({ id: person.id })
        .update({ password_changed_at: new Date('2026-11-30T08:09:10.123Z') });
      const [teacher, parent] = [crypto.randomUUID(), crypto.randomUUID()];
      await db('identities').insert([
        { id: teacher, person_id: person.id, role: 'teacher', attributes: { title: '導師' } },
        { id: parent, person_id: person.id, role: 'parent', created_at: new Date(Date.now() + 1000) },
        { id: crypto.randomUUID(), person_id: person.id, role: 'staff', ended_at: new Date(Date.now() - 1000) },
      ]);
      const [grantA, grantB] = [fresh('grant'), fresh('grant')];
      await db('grant_identities').insert({
        grant_id: grantA,
        person_id: person.id,
        client_id: 'c',
        identity_id: parent,
      });

      /** In one request: reads `model` `id`, then answers findAccount's questions from what was read along. */
      const along = (model: string, id: string, asks: Array<[string, string | undefined]>) =>
        request(db, async () => {
          await pg(model).find(id);
          const read = requestWrites()?.accountsRead ?? [];
          return asks.map(([personId, grantId]) => {
            for (const value of read) {
              const hit = accountFromAlong(value, personId, grantId);
              if (hit) return hit;
            }
            return 'not read along';
          });
        });
      const expected = async (grantId?: string) => ({ account: await loadAccount(db, person.id, grantId) });
      assert.equal((await expected(grantA)).account?.grantIdentityId, parent, 'the fixture');
      assert.equal((await expected(grantA)).account?.identities.length, 2, 'the ended identity left out');

      const codeId = fresh('AuthorizationCode');
      await pg('AuthorizationCode').upsert(
        codeId,
        samplePayload('AuthorizationCode', codeId, { accountId: person.id, grantId: grantA }),
        60,
      );
      const sessionId = fresh('Session');
      const sessionUid = fresh('uid');
      await pg('Session').upsert(
        sessionId,
        samplePayload('Session', sessionId, {
          uid: sessionUid,
          accountId: person.id,
          authorizations: { c: { grantId: grantA }, d: { grantId: grantB } },
          // A value a caller sent, with a NUL in it: PostgreSQL's JSON operators refuse the whole payload.
          state: { clientId: 'fuzz\u0000rp' },
        }),
        300,
      );
      const interactionId = fresh('Interaction');
      await pg('Interaction').upsert(
        interactionId,
        samplePayload('Interaction', interactionId, {
          result: { login: { accountId: person.id } },
        }),
        300,
      );
      // An interaction of a signed-in session: before it has a result (a sign-in page), and finished (a resumption).
      const pageId = fresh('Interaction');
      const bound = { session: { uid: sessionUid, accountId: person.id } };
      await pg('Interaction').upsert(pageId, samplePayload('Interaction', pageId, bound), 300);
      const boundId = fresh('Interaction');
      await pg('Interaction').upsert(
        boundId,
        samplePayload('Interaction', boundId, { ...bound, result: { select_account: { identityId: parent } } }),
        300,
      );
      const strangerId = fresh('Interaction');
      await pg('Interaction').upsert(
        strangerId,
        samplePayload('Interaction', strangerId, {
          result: { login: { accountId: 'not-a-uuid' } },
        }),
        300,
      );

      const code = await along('AuthorizationCode', codeId, [
        [person.id, grantA],
        [person.id, undefined],
        [person.id, grantB],
        [crypto.randomUUID(), grantA],
      ]);
      assert.deepEqual(code.result, [await expected(grantA), await expected(), 'not read along', 'not read along']);
      assert.equal(code.statements, 1);
      const resumed = await along('Interaction', interactionId, [[person.id, undefined]]);
      assert.deepEqual(resumed.result, [await expected()]);
      // The session's account, for its grants (read from the payload's text, the NUL in it notwithstanding).
      const finished = await along('Interaction', boundId, [
        [person.id, grantA],
        [person.id, grantB],
        [person.id, 'other'],
      ]);
      assert.deepEqual(finished.result, [await expected(grantA), await expected(grantB), 'not read along']);
      assert.equal(finished.statements, 1);
      const page = await along('Interaction', pageId, [[person.id, undefined]]);
      assert.deepEqual(page.result, ['not read along'], 'a page reads no account');
      const stranger = await along('Interaction', strangerId, [['not-a-uuid', undefined]]);
      assert.deepEqual(stranger.result, [{ account: undefined }], 'no person, as loadAccount says');
      // A person gone since: nobody, as loadAccount says.
      await db('persons').where({ id: person.id }).delete();
      assert.deepEqual((await along('AuthorizationCode', codeId, [[person.id, grantA]])).result, [
        { account: undefined },
      ]);
    });

    it("reads a session with its apps' grants in one statement (an authorization in that browser reads one next)", async () => {
      const { db } = await sharedStorage();
      const pg = (model: string) => new PostgresAdapter(db, model);
      const [first, second, gone] = [fresh('grant'), fresh('grant'), fresh('grant')];
      const grants = { first: samplePayload('Grant', first), second: samplePayload('Grant', second) };
      await pg('Grant').upsert(first, grants.first, 300);
      await pg('Grant').upsert(second, grants.second, 300);
      const sessionWith = async (extra: Record<string, unknown>) => {
        const id = fresh('Session');
        const payload = samplePayload('Session', id, extra);
        await pg('Session').upsert(id, payload, 300);
        return { id, payload };
      };
      const authorizations = {
        'client-a': { sid: 'sid-a', grantId: first },
        'client-b': { sid: 'sid-b', grantId: second },
        'client-c': { sid: 'sid-c', grantId: gone },
        'client-d': { sid: 'sid-d' },
      };
      const session = await sessionWith({ authorizations });
      const reads = async (id: string) => [
        await pg('Session').find(id),
        await pg('Grant').find(first),
        await pg('Grant').find(second),
        await pg('Grant').find(gone),
      ];
      assert.deepEqual(await request(db, () => reads(session.id)), {
        result: [session.payload, grants.first, grants.second, undefined],
        statements: 1,
      });
      // A session PostgreSQL's JSON functions cannot read (an escaped NUL in it), or with no apps: its grants read
      // on their own.
      for (const extra of [{ authorizations, state: '\u0000' }, { authorizations: [] }, { authorizations: 'x' }]) {
        const other = await sessionWith(extra);
        assert.deepEqual(await request(db, () => reads(other.id)), {
          result: [other.payload, grants.first, grants.second, undefined],
          statements: 4,
        });
      }
    });

    it('does not store a session saved again with only an expiry a little later (oidc-provider, at every request)', async () => {
      const { db } = await sharedStorage();
      await rollingSessionSaves(
        (model) => new PostgresAdapter(db, model),
        async (fn) => (await request(db, fn)).statements,
        async (id) => {
          const { rows } = await db.raw(
            `select (payload->>'exp')::int as exp, extract(epoch from expires_at - now())::float8 as left
             from oidc_payloads where model = 'Session' and id = ?`,
            [id],
          );
          return { exp: rows[0].exp, secondsLeft: rows[0].left };
        },
      );
    });

    it('reads an interaction finished with a grant (an identity chosen at the sign-in) with that grant', async () => {
      const { db, pg, grantId, grant } = await storedSessionAndGrant();
      const { interactionId, interaction } = finishedWithGrant(grantId);
      await pg('Interaction').upsert(interactionId, interaction, 300);
      const resumed = await request(db, async () => [
        await pg('Interaction').find(interactionId),
        await pg('Grant').find(grantId),
      ]);
      assert.deepEqual(resumed.result, [interaction, grant]);
      assert.equal(resumed.statements, 1);
    });

    it('looks a token up as every kind at once in one statement (introspection), with its session and grant', async () => {
      const { db, pg, session, grantId, grant } = await storedSessionAndGrant();
      const { refreshId, refresh } = boundEntries(session, grantId);
      const clientTokenId = fresh('token');
      const clientToken = samplePayload('ClientCredentials', clientTokenId);
      await pg('RefreshToken').upsert(refreshId, refresh, 300);
      await pg('ClientCredentials').upsert(clientTokenId, clientToken, 300);
      /** As oidc-provider's findToken: the three kinds asked for at once, then the grant and session of what it found. */
      const lookUp = (id: string) =>
        request(db, async () => {
          const found = await Promise.all(
            ['AccessToken', 'ClientCredentials', 'RefreshToken'].map((m) => pg(m).find(id)),
          );
          return [...found, await pg('Grant').find(grantId), await pg('Session').findByUid(session.uid!)];
        });
      const asRefresh = await lookUp(refreshId);
      assert.deepEqual(asRefresh.result, [undefined, undefined, refresh, grant, session]);
      assert.equal(asRefresh.statements, 1, 'three kinds, the grant and the session: one statement');
      const asClient = await lookUp(clientTokenId);
      assert.deepEqual(asClient.result.slice(0, 3), [undefined, clientToken, undefined]);
      const unknown = await lookUp(fresh('token'));
      assert.deepEqual(unknown.result.slice(0, 3), [undefined, undefined, undefined]);
      // One kind alone (userinfo's access token, the refresh grant) is one statement too; one this request wrote, none.
      const alone = await request(db, () => pg('RefreshToken').find(refreshId));
      assert.deepEqual([alone.result, alone.statements], [refresh, 1]);
      const written = fresh('token');
      const access = samplePayload('AccessToken', written);
      const own = await request(db, async () => {
        await pg('AccessToken').upsert(written, access, 60);
        return Promise.all(['AccessToken', 'ClientCredentials', 'RefreshToken'].map((m) => pg(m).find(written)));
      });
      assert.deepEqual(own.result, [access, undefined, undefined]);
      assert.equal(own.statements, 2, 'the two kinds it did not write, then its write at the end');
    });

    it('reads again, after a consumption has sent the writes, what it had read along', async () => {
      const { db, pg, sessionId, session, grantId } = await storedSessionAndGrant();
      const { codeId, code } = boundEntries(session, grantId, sessionId);
      await pg('AuthorizationCode').upsert(codeId, code, 60);
      const changed = { ...session, note: 'changed in the request' };
      await request(db, async () => {
        assert.deepEqual(await pg('AuthorizationCode').find(codeId), code);
        await pg('Session').upsert(sessionId, changed, 300);
        await pg('AuthorizationCode').consume(codeId);
        assert.deepEqual(await pg('Session').findByUid(session.uid!), changed, 'not the copy read along');
      });
    });

    it('still sends the writes when the request fails, and a failed send fails the request', async () => {
      const { db } = await sharedStorage();
      const pg = new PostgresAdapter(db, 'Session');
      const id = fresh('Session');
      await assert.rejects(
        withRequestWrites(async () => {
          await pg.upsert(id, samplePayload('Session', id), 300);
          throw new Error('the page failed');
        }),
        /the page failed/,
      );
      assert.ok(await pg.find(id), 'a write made before the error is stored');
      await assert.rejects(
        withRequestWrites(async () => {
          await pg.upsert('bad\u0000id', samplePayload('Session', 'x'), 300);
          await pg.upsert(fresh('Session'), samplePayload('Session', 'y'), 300);
        }),
      );
    });
  });

  contract(
    'Client adapter (PostgreSQL)',
    async () => {
      const { db } = await sharedStorage();
      return {
        makeAdapter: (model) => {
          assert.equal(model, 'Client');
          return new ClientAdapter(new ClientRegistry(db));
        },
        models: ['Client'],
        async writeRaw(_model, id, raw) {
          await db('oidc_clients').insert({ client_id: id, metadata: asJsonb(db, raw), source: 'test' });
        },
        async cleanup() {
          await db('oidc_clients').where('client_id', 'like', `${RUN}-%`).delete();
        },
      };
    },
    { clientOnly: true },
  );

  contract(
    `Redis adapter (${'url' in probe ? probe.url.replace(/\/\/[^@]*@/, '//') : 'not available'})`,
    () => {
      const { redis } = probe as { redis: Redis };
      const prefix = `test:${RUN}:`;
      return {
        makeAdapter: (model) => new RedisAdapter(redis, prefix, model),
        models: MODELS,
        writeRaw: (model, id, raw, index) => writeRawRedis(redis, prefix, model, id, raw, index),
        cleanup: () => deleteRedisPrefix(redis, prefix),
      };
    },
    'skip' in probe ? { skip: probe.skip } : {},
  );

  describe('Redis adapter scripts and requests', 'skip' in probe ? { skip: probe.skip } : {}, () => {
    const redisOf = () => (probe as { redis: Redis }).redis;
    const prefix = `test:${RUN}:redis:`;
    const adapter = (model: string) => new RedisAdapter(redisOf(), prefix, model);
    after(async () => {
      if ('redis' in probe) await deleteRedisPrefix(redisOf(), prefix);
    });

    it('lets one of two requests that read the same unused code use it; the other stores nothing and is refused', async () => {
      await oneOfTwoUsesTheCode(adapter('AuthorizationCode'), adapter('AccessToken'));
    });

    it('runs its scripts by hash, and sends them again when the server has forgotten them (SCRIPT FLUSH, a restart)', async () => {
      const redis = redisOf();
      const [tokens, codes] = [adapter('AccessToken'), adapter('AuthorizationCode')];
      // Outside a request, every write goes at once; inside one, they go together at its end as one pipeline.
      for (const inRequest of [false, true])
        for (const cached of [true, false]) {
          const grantId = fresh('grant');
          const [token, code] = [fresh(), fresh()];
          const around = inRequest ? withRequestWrites : (fn: () => Promise<void>) => fn();
          if (!cached) await redis.script('FLUSH');
          await around(async () => {
            await tokens.upsert(token, samplePayload('AccessToken', token, { grantId }), 300);
            await codes.upsert(code, samplePayload('AuthorizationCode', code, { grantId }), 60);
          });
          assert.equal((await tokens.find(token))?.grantId, grantId);
          assert.ok((await redis.ttl(`${prefix}AccessToken:${token}`)) > 250);
          if (!cached) await redis.script('FLUSH');
          await codes.consume(code);
          assert.ok((await codes.find(code))?.consumed);
          // Written again, the entry loses its consumption mark (a new save of it is a new entry).
          await around(() => codes.upsert(code, samplePayload('AuthorizationCode', code, { grantId }), 60));
          assert.equal((await codes.find(code))?.consumed, undefined);
          if (!cached) await redis.script('FLUSH');
          await tokens.revokeByGrantId(grantId);
          assert.equal(await tokens.find(token), undefined);
          assert.equal(await codes.find(code), undefined);
          assert.equal(await redis.exists(`${prefix}grant:${grantId}`), 0);
        }
    });

    it("keeps a request's writes until it ends, reads them in it, then stores them as if made one by one", async () => {
      const redis = redisOf();
      const old = { interaction: fresh('Interaction'), session: fresh('Session') };
      await adapter('Interaction').upsert(old.interaction, samplePayload('Interaction', old.interaction), 300);
      await adapter('Session').upsert(old.session, samplePayload('Session', old.session), 300);
      const made = { grant: fresh('Grant'), session: fresh('Session'), code: fresh('AuthorizationCode') };
      const payloads = {
        grant: samplePayload('Grant', made.grant),
        session: samplePayload('Session', made.session),
        code: samplePayload('AuthorizationCode', made.code),
      };
      const stored = (model: string, id: string) => redis.exists(`${prefix}${model}:${id}`);
      await withRequestWrites(async () => {
        await adapter('Interaction').destroy(old.interaction);
        await adapter('Grant').upsert(made.grant, payloads.grant, 300);
        await adapter('Session').destroy(old.session);
        await adapter('Session').upsert(made.session, { ...payloads.session, note: 'overwritten' }, 300);
        await adapter('Session').upsert(made.session, payloads.session, 300);
        await adapter('AuthorizationCode').upsert(made.code, payloads.code, 60);
        // Nothing sent yet: Redis still holds what it held.
        assert.equal(await stored('Interaction', old.interaction), 1);
        assert.equal(await stored('Session', made.session), 0);
        assert.equal(await stored('AuthorizationCode', made.code), 0);
        // Reads in the request see its writes.
        assert.equal(await adapter('Interaction').find(old.interaction), undefined);
        assert.equal(await adapter('Session').find(old.session), undefined);
        assert.deepEqual(await adapter('Session').findByUid(payloads.session.uid!), payloads.session);
        assert.deepEqual(await adapter('AuthorizationCode').find(made.code), payloads.code);
      });
      assert.equal(await stored('Interaction', old.interaction), 0);
      assert.equal(await adapter('Session').find(old.session), undefined);
      assert.deepEqual(await adapter('Grant').find(made.grant), payloads.grant);
      assert.deepEqual(await adapter('Session').findByUid(payloads.session.uid!), payloads.session);
      assert.deepEqual(await adapter('AuthorizationCode').find(made.code), payloads.code);
      const ttl = await redis.ttl(`${prefix}AuthorizationCode:${made.code}`);
      assert.ok(ttl > 55 && ttl <= 60, `the code expires when asked (${ttl} s)`);
      assert.deepEqual(await redis.smembers(`${prefix}grant:${payloads.code.grantId}`), [
        `${prefix}AuthorizationCode:${made.code}`,
      ]);
    });

    it("stores a use with the request's writes, in the same round trip, and the request sees it at once", async () => {
      const { count, adapter: counted } = countingRedis();
      const key = (id: string) => `${prefix}AuthorizationCode:${id}`;
      const use = async (code: string, token: string) => {
        assert.equal((await counted('AuthorizationCode').find(code))?.consumed, undefined);
        await counted('AuthorizationCode').consume(code);
        assert.equal(await redisOf().hget(key(code), 'consumed'), null, 'not stored before the request ends');
        assert.equal(typeof (await counted('AuthorizationCode').find(code))?.consumed, 'number', 'used, for it');
        await counted('AccessToken').upsert(token, samplePayload('AccessToken', token), 60);
      };
      const [code, token] = [fresh('AuthorizationCode'), fresh('AccessToken')];
      await adapter('AuthorizationCode').upsert(code, samplePayload('AuthorizationCode', code), 60);
      // The scripts' first run on this server sends their text too (one more command each): not counted.
      const warm = fresh('AuthorizationCode');
      await adapter('AuthorizationCode').upsert(warm, samplePayload('AuthorizationCode', warm), 60);
      await trips(count, () => use(warm, fresh('AccessToken')));
      assert.equal(
        (await trips(count, () => use(code, token))).trips,
        3,
        'two reads, then the use with the token in one script',
      );
      assert.ok(await redisOf().hget(key(code), 'consumed'));
      assert.ok(await adapter('AccessToken').find(token));
      // An entry written and used in the same request is stored used.
      const other = fresh('AuthorizationCode');
      await withRequestWrites(async () => {
        await adapter('AuthorizationCode').upsert(other, samplePayload('AuthorizationCode', other), 60);
        await adapter('AuthorizationCode').consume(other);
        assert.equal(typeof (await adapter('AuthorizationCode').find(other))?.consumed, 'number');
      });
      assert.ok(await redisOf().hget(key(other), 'consumed'));
    });

    it('sends the writes made before a revocation first, and the revocation at once', async () => {
      const code = fresh('AuthorizationCode');
      const payload = samplePayload('AuthorizationCode', code);
      const token = fresh('AccessToken');
      await withRequestWrites(async () => {
        await adapter('AuthorizationCode').upsert(code, payload, 60);
        await adapter('AccessToken').upsert(
          token,
          samplePayload('AccessToken', token, { grantId: payload.grantId }),
          60,
        );
        await adapter('AccessToken').revokeByGrantId(payload.grantId!);
        assert.equal(await adapter('AccessToken').find(token), undefined);
      });
      assert.equal(
        await adapter('AccessToken').find(token),
        undefined,
        'the token made before the revocation stays gone',
      );
      assert.equal(await adapter('AuthorizationCode').find(code), undefined);
    });

    /** The adapter's connection, counting round trips: each command sent alone, and each pipeline. */
    function countingRedis() {
      const count = { trips: 0 };
      const sends = new Set(['hgetall', 'get', 'evalsha', 'eval', 'pipeline']);
      const client = new Proxy(redisOf(), {
        get(target, name) {
          const value = Reflect.get(target, name) as unknown;
          if (typeof name !== 'string' || !sends.has(name) || typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            count.trips++;
            return value.apply(target, args);
          };
        },
      });
      return { count, adapter: (model: string) => new RedisAdapter(client, prefix, model) };
    }

    /** One request; the round trips it made. */
    async function trips<T>(count: { trips: number }, fn: () => Promise<T>): Promise<{ result: T; trips: number }> {
      count.trips = 0;
      let result: T | undefined;
      await withRequestWrites(async () => {
        result = await fn();
      });
      return { result: result as T, trips: count.trips };
    }

    /** A session and a grant, stored. */
    async function storedSessionAndGrant() {
      const sessionId = fresh('Session');
      const session = samplePayload('Session', sessionId);
      const grantId = fresh('grant');
      const grant = samplePayload('Grant', grantId);
      await adapter('Session').upsert(sessionId, session, 300);
      await adapter('Grant').upsert(grantId, grant, 300);
      return { sessionId, session, grantId, grant };
    }

    it("reads an interaction or a code with its session and grant in one round trip (oidc-provider's next reads)", async () => {
      const { count, adapter: counted } = countingRedis();
      const { sessionId, session, grantId, grant } = await storedSessionAndGrant();
      const { interactionId, interaction, codeId, code } = boundEntries(session, grantId, sessionId);
      await adapter('Interaction').upsert(interactionId, interaction, 300);
      await adapter('AuthorizationCode').upsert(codeId, code, 60);
      const readAlong = (model: string, id: string) =>
        trips(count, async () => [
          await counted(model).find(id),
          await counted('Session').findByUid(session.uid!),
          await counted('Grant').find(grantId),
        ]);
      const page = await readAlong('Interaction', interactionId);
      assert.deepEqual(page, { result: [interaction, session, grant], trips: 1 });
      const tokenRequest = await readAlong('AuthorizationCode', codeId);
      assert.deepEqual(tokenRequest, { result: [code, session, grant], trips: 1 });
      // A session that ended, or a grant revoked, is read as gone along with the code.
      await adapter('Session').destroy(sessionId);
      await adapter('Grant').destroy(grantId);
      assert.deepEqual(await readAlong('AuthorizationCode', codeId), {
        result: [code, undefined, undefined],
        trips: 1,
      });
      // Outside a request: one read each, as before.
      count.trips = 0;
      assert.deepEqual(await counted('AuthorizationCode').find(codeId), code);
      assert.equal(count.trips, 1);
    });

    it("reads a session with its apps' grants in one round trip (an authorization in that browser reads one next)", async () => {
      const { count, adapter: counted } = countingRedis();
      const [first, second, gone] = [fresh('grant'), fresh('grant'), fresh('grant')];
      const grants = { first: samplePayload('Grant', first), second: samplePayload('Grant', second) };
      await adapter('Grant').upsert(first, grants.first, 300);
      await adapter('Grant').upsert(second, grants.second, 300);
      const sessionId = fresh('Session');
      const session = samplePayload('Session', sessionId, {
        authorizations: {
          'client-a': { sid: 'sid-a', grantId: first },
          'client-b': { sid: 'sid-b', grantId: second },
          'client-c': { sid: 'sid-c', grantId: gone },
          'client-d': { sid: 'sid-d' },
        },
      });
      await adapter('Session').upsert(sessionId, session, 300);
      // The script's first run on this server sends its text too (one more command): not counted.
      await trips(count, () => counted('Session').find(sessionId));
      const authorization = await trips(count, async () => [
        await counted('Session').find(sessionId),
        await counted('Grant').find(first),
        await counted('Grant').find(second),
        await counted('Grant').find(gone),
      ]);
      assert.deepEqual(authorization, { result: [session, grants.first, grants.second, undefined], trips: 1 });
      // What the request writes is read as written, not as read along.
      const changed = { ...grants.first, scope: 'openid email profile' };
      const rewritten = await trips(count, async () => {
        await counted('Session').find(sessionId);
        await counted('Grant').upsert(first, changed, 300);
        return counted('Grant').find(first);
      });
      assert.deepEqual(rewritten, { result: changed, trips: 2 }, 'the read, then the write at the end');
      // Outside a request: the session alone.
      count.trips = 0;
      assert.deepEqual(await counted('Session').find(sessionId), session);
      assert.deepEqual(await counted('Grant').find(second), grants.second);
      assert.equal(count.trips, 2);
    });

    it('does not store a session saved again with only an expiry a little later (oidc-provider, at every request)', async () => {
      const { count, adapter: counted } = countingRedis();
      await trips(count, () => counted('Session').find(fresh('Session'))); // the script's first run sends its text too
      await rollingSessionSaves(
        counted,
        async (fn) => (await trips(count, fn)).trips,
        async (id) => {
          const key = `${prefix}Session:${id}`;
          const payload = JSON.parse((await redisOf().hget(key, 'payload')) ?? '{}') as { exp: number };
          return { exp: payload.exp, secondsLeft: (await redisOf().pttl(key)) / 1000 };
        },
      );
    });

    it('reads an interaction finished with a grant (an identity chosen at the sign-in) with that grant', async () => {
      const { count, adapter: counted } = countingRedis();
      const { grantId, grant } = await storedSessionAndGrant();
      const { interactionId, interaction } = finishedWithGrant(grantId);
      await adapter('Interaction').upsert(interactionId, interaction, 300);
      const resumed = await trips(count, async () => [
        await counted('Interaction').find(interactionId),
        await counted('Grant').find(grantId),
      ]);
      assert.deepEqual(resumed, { result: [interaction, grant], trips: 1 });
    });

    it('looks a token up as every kind at once in one round trip (introspection), with its session and grant', async () => {
      const { count, adapter: counted } = countingRedis();
      const { session, grantId, grant } = await storedSessionAndGrant();
      const kinds = ['AccessToken', 'ClientCredentials', 'RefreshToken'];
      const { refreshId, refresh } = boundEntries(session, grantId);
      const clientTokenId = fresh('token');
      const clientToken = samplePayload('ClientCredentials', clientTokenId);
      await adapter('RefreshToken').upsert(refreshId, refresh, 300);
      await adapter('ClientCredentials').upsert(clientTokenId, clientToken, 300);
      await adapter('ClientCredentials').consume(clientTokenId);
      const lookUp = (id: string) =>
        trips(count, async () => {
          const found = await Promise.all(kinds.map((m) => counted(m).find(id)));
          return [...found, await counted('Grant').find(grantId), await counted('Session').findByUid(session.uid!)];
        });
      assert.deepEqual(await lookUp(refreshId), { result: [undefined, undefined, refresh, grant, session], trips: 1 });
      const asClient = await lookUp(clientTokenId);
      assert.equal((asClient.result[1] as Payload).jti, clientTokenId);
      assert.ok((asClient.result[1] as Payload).consumed, 'read with its consumed mark');
      const unknown = await lookUp(fresh('token'));
      assert.deepEqual(unknown.result.slice(0, 3), [undefined, undefined, undefined]);
      // One kind alone (the refresh grant) with its grant: one round trip too.
      const alone = await trips(count, async () => [
        await counted('RefreshToken').find(refreshId),
        await counted('Grant').find(grantId),
      ]);
      assert.deepEqual(alone, { result: [refresh, grant], trips: 1 });
    });

    it('reads again, after a consumption or revocation has sent the writes, what it had read along', async () => {
      const { session, sessionId, grantId } = await storedSessionAndGrant();
      const { codeId, code } = boundEntries(session, grantId, sessionId);
      await adapter('AuthorizationCode').upsert(codeId, code, 60);
      const changed = { ...session, note: 'changed in the request' };
      await withRequestWrites(async () => {
        assert.deepEqual(await adapter('AuthorizationCode').find(codeId), code);
        await adapter('Session').upsert(sessionId, changed, 300);
        await adapter('AuthorizationCode').consume(codeId);
        assert.deepEqual(await adapter('Session').findByUid(session.uid!), changed, 'not the copy read along');
        assert.ok((await adapter('AuthorizationCode').find(codeId))?.consumed, 'the code read again, consumed');
      });
    });

    it('fails the request when its writes cannot be sent (Redis out of reach)', async () => {
      const gone = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
      gone.on('error', () => {});
      try {
        const session = new RedisAdapter(gone, prefix, 'Session');
        const id = fresh('Session');
        let answered = false;
        await assert.rejects(
          withRequestWrites(async () => {
            await session.upsert(id, samplePayload('Session', id), 300);
            answered = true;
          }),
        );
        assert.ok(answered, 'the write was kept during the request, and failed when sent at its end');
      } finally {
        gone.disconnect();
      }
    });
  });

  describe('adapter routing', () => {
    it('stores clients in PostgreSQL, and the rest in Redis when configured, else PostgreSQL', async () => {
      const { db } = await sharedStorage();
      const fakeRedis = {} as Redis;
      const clients = new ClientRegistry(db);
      assert.ok(adapterFactory({ clients, db })('Client') instanceof ClientAdapter);
      assert.ok(adapterFactory({ clients, db })('Session') instanceof PostgresAdapter);
      assert.ok(
        adapterFactory({ clients, db, redis: { client: fakeRedis, prefix: 'x:' } })('Client') instanceof ClientAdapter,
      );
      assert.ok(
        adapterFactory({ clients, db, redis: { client: fakeRedis, prefix: 'x:' } })('AccessToken') instanceof
          RedisAdapter,
      );
    });
  });
});
