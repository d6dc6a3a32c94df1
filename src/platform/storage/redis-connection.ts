// REDIS_URL in its three forms, read once: one server (`redis://`, `rediss://`), a Redis Cluster (`redis+cluster://`)
// or a master watched by Sentinels (`redis+sentinel://`), and the one way to connect to any of them: failing fast
// while the store is out of reach, reconnecting by itself.
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A connection as the code uses it: one server (a Sentinel-managed master included) or a cluster. */
export type RedisClient = Redis | Cluster;

export type RedisNode = { host: string; port: number };

type Credentials = { username?: string; password?: string };

export type RedisTarget =
  | { mode: 'server'; url: string }
  | ({ mode: 'cluster'; nodes: RedisNode[]; tls: boolean } & Credentials)
  | ({
      mode: 'sentinel';
      sentinels: RedisNode[];
      /** The master's name, as the Sentinels know it (`sentinel monitor <name> …`). */
      name: string;
      db: number;
      tls: boolean;
      sentinelUsername?: string;
      sentinelPassword?: string;
    } & Credentials);

export class RedisUrlError extends Error {}

export const REDIS_URL_FORMS =
  'redis://…, rediss://…, redis+cluster://host:port,host:port/ or redis+sentinel://host:port,host:port/master-name[/db]';

const COMPOUND = /^(rediss?)\+(cluster|sentinel):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?$/;
const NODE = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/;

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new RedisUrlError(`the ${what} is not well percent-encoded`);
  }
}

function parseNodes(list: string, defaultPort: number): RedisNode[] {
  return list.split(',').map((text) => {
    const m = NODE.exec(text);
    const port = m?.[3] ? Number(m[3]) : defaultPort;
    if (!m || port < 1 || port > 65535) throw new RedisUrlError(`"${text}" is not host:port`);
    return { host: m[1] ?? m[2]!, port };
  });
}

function parseCredentials(userinfo: string | undefined): Credentials {
  if (userinfo === undefined) return {};
  const colon = userinfo.indexOf(':');
  const username = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user name') || undefined;
  const password = colon < 0 ? undefined : decode(userinfo.slice(colon + 1), 'password') || undefined;
  return { username, password };
}

/** Reads REDIS_URL; throws RedisUrlError saying what is wrong. */
export function parseRedisUrl(text: string): RedisTarget {
  const compound = COMPOUND.exec(text);
  if (!compound) {
    let protocol: string | undefined;
    try {
      protocol = new URL(text).protocol;
    } catch {}
    if (protocol === 'redis:' || protocol === 'rediss:') return { mode: 'server', url: text };
    throw new RedisUrlError(`must be ${REDIS_URL_FORMS}`);
  }
  const [, scheme, mode, authority = '', path = '', query = ''] = compound;
  const at = authority.lastIndexOf('@');
  const credentials = parseCredentials(at < 0 ? undefined : authority.slice(0, at));
  const hosts = authority.slice(at + 1);
  if (!hosts) throw new RedisUrlError(`${scheme}+${mode}:// needs at least one host:port`);
  const tls = scheme === 'rediss';
  const params = new URLSearchParams(query);

  if (mode === 'cluster') {
    if (path !== '' && path !== '/')
      throw new RedisUrlError('a cluster has only database 0: nothing may follow the nodes but "/"');
    if (params.size) throw new RedisUrlError('a cluster URL takes no query parameters');
    return { mode: 'cluster', nodes: parseNodes(hosts, 6379), tls, ...credentials };
  }

  // The master's name and maybe a database number, a trailing "/" allowed.
  const [name, db, ...rest] = path.replace(/\/$/, '').split('/').slice(1);
  if (!name) throw new RedisUrlError('a Sentinel URL names the master after the hosts: …/master-name[/db]');
  if (rest.length || (db !== undefined && !/^\d{1,5}$/.test(db)))
    throw new RedisUrlError('after the master name only a database number may follow: …/master-name/0');
  for (const key of params.keys())
    if (key !== 'sentinelUsername' && key !== 'sentinelPassword')
      throw new RedisUrlError(`unknown parameter "${key}" (sentinelUsername and sentinelPassword are known)`);
  return {
    mode: 'sentinel',
    sentinels: parseNodes(hosts, 26379),
    name: decode(name, 'master name'),
    db: Number(db ?? 0),
    tls,
    ...credentials,
    sentinelUsername: params.get('sentinelUsername') ?? undefined,
    sentinelPassword: params.get('sentinelPassword') ?? undefined,
  };
}

/**
 * Fail fast while Redis is out of reach (no queue of waiting commands, a second at most per command): the request
 * gets a 503 at once, and ioredis reconnects by itself.
 */
const FAIL_FAST = { maxRetriesPerRequest: 1, commandTimeout: 1000, connectTimeout: 2000 } satisfies RedisOptions;

/** A client for the target, not yet connected (`connect()` it). */
export function createRedisClient(target: RedisTarget): RedisClient {
  switch (target.mode) {
    case 'server':
      return new Redis(target.url, { lazyConnect: true, enableOfflineQueue: false, ...FAIL_FAST });
    case 'cluster': {
      const { nodes, tls, username, password } = target;
      return new Cluster(nodes, {
        lazyConnect: true,
        enableOfflineQueue: false,
        slotsRefreshTimeout: FAIL_FAST.connectTimeout,
        redisOptions: { ...FAIL_FAST, username, password, ...(tls ? { tls: {} } : {}) },
      });
    }
    case 'sentinel': {
      const { sentinels, name, db, tls, username, password, sentinelUsername, sentinelPassword } = target;
      return new Redis({
        sentinels,
        name,
        db,
        username,
        password,
        sentinelUsername,
        sentinelPassword,
        sentinelCommandTimeout: FAIL_FAST.commandTimeout,
        ...(tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
        lazyConnect: true,
        enableOfflineQueue: false,
        ...FAIL_FAST,
      });
    }
  }
}

/** Connects to REDIS_URL; rejects when it cannot be reached now (and then stops trying). */
export async function connectRedis(url: string): Promise<RedisClient> {
  const client = createRedisClient(parseRedisUrl(url));
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw err;
  }
  // Later outages surface as failed requests and as 503 from /readyz; ioredis reconnects by itself.
  client.on('error', () => {});
  return client;
}

/** What a client is, as the start-up line says it (no address, no credentials). */
export const describeRedis = (client: RedisClient) =>
  client instanceof Cluster ? 'Redis Cluster' : client.options.sentinels?.length ? 'Redis (Sentinel)' : 'Redis';
