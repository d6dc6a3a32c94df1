import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { parseSettings } from '../settings.ts';
import { createRedisClient, describeRedis, parseRedisUrl, RedisUrlError } from './redis-connection.ts';

test('a redis:// or rediss:// URL is one server, passed to ioredis as it is', () => {
  for (const url of ['redis://127.0.0.1:6379/3', 'rediss://user:p%40ss@cache.example:6380', 'redis://cache'])
    assert.deepEqual(parseRedisUrl(url), { mode: 'server', url });
});

test('redis+cluster:// lists the seed nodes, with credentials and TLS for every node', () => {
  assert.deepEqual(parseRedisUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001,cache-3.example/'), {
    mode: 'cluster',
    nodes: [
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: 'cache-3.example', port: 6379 },
    ],
    tls: false,
  });
  assert.deepEqual(parseRedisUrl('rediss+cluster://app:s%2Fcr%40t,x@[::1]:7000,[fd00::2]'), {
    mode: 'cluster',
    nodes: [
      { host: '::1', port: 7000 },
      { host: 'fd00::2', port: 6379 },
    ],
    tls: true,
    username: 'app',
    password: 's/cr@t,x',
  });
  assert.deepEqual(parseRedisUrl('redis+cluster://:only-a-password@h:1'), {
    mode: 'cluster',
    nodes: [{ host: 'h', port: 1 }],
    tls: false,
    username: undefined,
    password: 'only-a-password',
  });
});

test('redis+sentinel:// lists the Sentinels and names the master, with a database and Sentinel credentials', () => {
  assert.deepEqual(parseRedisUrl('redis+sentinel://s1:26380,s2/mymaster'), {
    mode: 'sentinel',
    sentinels: [
      { host: 's1', port: 26380 },
      { host: 's2', port: 26379 },
    ],
    name: 'mymaster',
    db: 0,
    tls: false,
    sentinelUsername: undefined,
    sentinelPassword: undefined,
  });
  assert.deepEqual(
    parseRedisUrl('rediss+sentinel://u:pw@s1:26379/campus%20master/4/?sentinelPassword=sp&sentinelUsername=su'),
    {
      mode: 'sentinel',
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'campus master',
      db: 4,
      tls: true,
      username: 'u',
      password: 'pw',
      sentinelUsername: 'su',
      sentinelPassword: 'sp',
    },
  );
});

test('a URL of no known form, or a malformed one, says what is wrong (and never repeats the password)', () => {
  const wrong: [string, RegExp][] = [
    ['http://cache:6379', /must be redis:\/\/…, rediss:\/\/…, redis\+cluster:\/\//],
    ['cache:6379', /must be/],
    ['redis+cluster://', /needs at least one host:port/],
    ['redis+cluster://user:secret@', /needs at least one host:port/],
    ['redis+cluster://a:7000,,b:7001/', /"" is not host:port/],
    ['redis+cluster://a:70000/', /"a:70000" is not host:port/],
    ['redis+cluster://a:0/', /"a:0" is not host:port/],
    ['redis+cluster://a b:1/', /"a b:1" is not host:port/],
    ['redis+cluster://a:1/2', /only database 0/],
    ['redis+cluster://a:1/?db=2', /no query parameters/],
    ['redis+sentinel://s:26379', /names the master/],
    ['redis+sentinel://s:26379/', /names the master/],
    ['redis+sentinel://s:26379/m/x', /only a database number/],
    ['redis+sentinel://s:26379/m/1/2', /only a database number/],
    ['redis+sentinel://s:26379/m?password=x', /unknown parameter "password"/],
    ['redis+sentinel://u:%E0%A4%A@s/m', /password is not well percent-encoded/],
    ['redis+memcached://a:1/', /must be/],
  ];
  for (const [url, message] of wrong) {
    assert.throws(
      () => parseRedisUrl(url),
      (e: Error) => e instanceof RedisUrlError && message.test(e.message),
      url,
    );
    assert.throws(
      () => parseRedisUrl(url),
      (e: Error) => !e.message.includes('secret'),
      url,
    );
  }
});

test('REDIS_URL is checked at start-up with the same words', () => {
  assert.equal(
    parseSettings({ REDIS_URL: 'redis+cluster://a:7000,b:7001/' }).redisUrl,
    'redis+cluster://a:7000,b:7001/',
  );
  assert.throws(() => parseSettings({ REDIS_URL: 'redis+cluster://a:7000/0' }), /^.*REDIS_URL: a cluster has only/);
  assert.throws(() => parseSettings({ REDIS_URL: 'memcached://a' }), /REDIS_URL: must be redis:\/\//);
});

test('each form makes its client, failing fast (no offline queue, a command timeout), not yet connected', () => {
  const server = createRedisClient(parseRedisUrl('redis://127.0.0.1:1/2'));
  assert.ok(server instanceof Redis);
  assert.equal(server.options.enableOfflineQueue, false);
  assert.equal(server.options.commandTimeout, 1000);
  assert.equal(server.options.db, 2);
  assert.equal(server.status, 'wait');
  assert.equal(describeRedis(server), 'Redis');

  const cluster = createRedisClient(parseRedisUrl('rediss+cluster://app:pw@127.0.0.1:1,127.0.0.1:2/'));
  assert.ok(cluster instanceof Cluster);
  assert.equal(cluster.options.enableOfflineQueue, false);
  assert.equal(cluster.options.redisOptions?.commandTimeout, 1000);
  assert.equal(cluster.options.redisOptions?.password, 'pw');
  assert.deepEqual(cluster.options.redisOptions?.tls, {});
  assert.equal(cluster.status, 'wait');
  assert.equal(describeRedis(cluster), 'Redis Cluster');

  const sentinel = createRedisClient(parseRedisUrl('redis+sentinel://127.0.0.1:1/mymaster/3'));
  assert.ok(sentinel instanceof Redis);
  assert.deepEqual(sentinel.options.sentinels, [{ host: '127.0.0.1', port: 1 }]);
  assert.equal(sentinel.options.name, 'mymaster');
  assert.equal(sentinel.options.db, 3);
  assert.equal(sentinel.options.enableOfflineQueue, false);
  assert.equal(sentinel.status, 'wait');
  assert.equal(describeRedis(sentinel), 'Redis (Sentinel)');

  for (const client of [server, cluster, sentinel]) client.disconnect();
});
