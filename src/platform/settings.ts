// The only place that reads process.env. Every setting is parsed and checked once, at start-up.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Branding } from './i18n/index.ts';
import { parseRedisUrl } from './storage/redis-connection.ts';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const secretKey = z
  .string()
  .refine((v) => Buffer.from(v, 'base64url').length >= 32, 'must be at least 32 bytes, base64url-encoded');

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL (${protocols.join(' or ')})`,
  );

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  WORKERS: z
    .string()
    .refine(
      (v) => v === 'auto' || (/^[1-9][0-9]*$/.test(v) && Number(v) <= 256),
      'must be a whole number from 1 to 256, or auto (one per core)',
    )
    .default('1'),
  ISSUER: url(['http:', 'https:']).optional(),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  REDIS_URL: z
    .string()
    .superRefine((v, ctx) => {
      try {
        parseRedisUrl(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .optional(),
  REDIS_PREFIX: z.string().default('campus-sso:'),
  DATA_DIR: z.string().min(1).default('./data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().default('campus-sso <no-reply@localhost>'),
  SECRET_KEY: secretKey.optional(),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(10),
  PASSWORD_HASH: z.enum(['bcrypt', 'argon2id']).default('bcrypt'),
  TRUST_PROXY: bool.default(false),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(1).max(10).default(1),
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').max(200).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEED_DEMO: bool.optional(),
  KEY_PUBLISH_LEAD_SECONDS: z.coerce.number().int().min(0).default(86_400),
  KEY_REFRESH_SECONDS: z.coerce.number().int().min(1).default(60),
  OUTBOUND_ALLOW_PRIVATE_NETWORKS: bool.default(false),
  CLIENTS_FILE: z.string().min(1).default('config/clients.json'),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  SMS_WEBHOOK_URL: url(['http:', 'https:']).optional(),
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).default(1000),
  MAILBOX_PAGE: bool.optional(),
  BINDING_DEFAULT_PASSWORD: bool.default(false),
  FEDERATION_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(10),
  PRODUCT_NAME: z.string().min(1).max(60).optional(),
  PRODUCT_NAME_EN: z.string().min(1).max(60).optional(),
  ORGANIZATION: z.string().min(1).max(100).optional(),
  ORGANIZATION_EN: z.string().min(1).max(100).optional(),
  SUPPORT_CONTACT: z.string().min(1).max(300).optional(),
  SUPPORT_CONTACT_EN: z.string().min(1).max(300).optional(),
});

export type Settings = {
  env: 'development' | 'production' | 'test';
  /** Unset: all interfaces, IPv6 and IPv4. */
  host: string | undefined;
  port: number;
  /**
   * Processes serving HTTP on the port: 1 is the server itself; more, a cluster's primary that does the once-only
   * work and forks this many workers (src/cluster.ts). `auto`: one per core.
   */
  workers: number;
  /** Issuer as configured; when PORT is 0 the real port is only known after listen. */
  issuer: string | undefined;
  databaseUrl: string | undefined;
  /**
   * One server (`redis://`), a Redis Cluster (`redis+cluster://`) or a master watched by Sentinels
   * (`redis+sentinel://`): storage/redis-connection.ts reads it.
   */
  redisUrl: string | undefined;
  redisPrefix: string;
  dataDir: string;
  embeddedPgPort: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  secretKey: string | undefined;
  bcryptCost: number;
  /** How new passwords are hashed (bcrypt, or argon2id); hashes of the other kind still sign in and are rehashed. */
  passwordHash: 'bcrypt' | 'argon2id';
  trustProxy: boolean;
  /** How many proxies in front append to X-Forwarded-For: the client's address is that many entries from the right. */
  trustProxyHops: number;
  /**
   * /metrics with `Authorization: Bearer <token>` only. Unset: /metrics is answered to requests that did not come
   * through the trusted proxy (a scraper inside the cluster's network), never to one the proxy forwarded.
   */
  metricsToken: string | undefined;
  logLevel: string;
  seedDemo: boolean;
  keyPublishLeadSeconds: number;
  keyRefreshSeconds: number;
  maxBodyBytes: number;
  clientsFile: string;
  /** Let the provider call relying parties on loopback/private addresses (back-channel logout, jwks_uri). */
  outboundAllowPrivateNetworks: boolean;
  /** Unset: SMS go to the development mailbox. */
  smsWebhookUrl: string | undefined;
  outboxPollMs: number;
  /** Serve /dev/mailbox (every queued message, links included): never in production. */
  mailboxPage: boolean;
  /**
   * Seed 002's rule for a parent account made on approval: the password is the last six characters of the parent's
   * national ID, changed at the first sign-in. Off: the parent gets a link to choose a password (see README).
   */
  bindingDefaultPassword: boolean;
  /** How long a sign-in with another account waits for the upstream provider before saying it is not answering. */
  federationTimeoutSeconds: number;
  /** The product's name, the organisation and the support contact, where set (platform/i18n applyBranding). */
  branding: Branding;
};

export class SettingsError extends Error {}

/** Parses settings from an environment; throws SettingsError naming the first bad variable. */
export function parseSettings(env: Record<string, string | undefined> = process.env): Settings {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new SettingsError(`${String(issue.path[0])}: ${issue.message}`);
  }
  const s = result.data;
  if (s.NODE_ENV === 'production') {
    if (!s.SECRET_KEY) throw new SettingsError('SECRET_KEY: required when NODE_ENV=production');
    if (!s.DATABASE_URL) throw new SettingsError('DATABASE_URL: required when NODE_ENV=production');
    if (!s.ISSUER?.startsWith('https:'))
      throw new SettingsError('ISSUER: an https URL is required when NODE_ENV=production');
    if (s.BCRYPT_COST < 10) throw new SettingsError('BCRYPT_COST: must be at least 10 when NODE_ENV=production');
    if (!s.SMTP_URL)
      throw new SettingsError('SMTP_URL: required when NODE_ENV=production (mail would not be delivered)');
    if (s.MAILBOX_PAGE)
      throw new SettingsError('MAILBOX_PAGE: must be off when NODE_ENV=production (it shows every message)');
    if (s.SMS_WEBHOOK_URL && !s.SMS_WEBHOOK_URL.startsWith('https:'))
      throw new SettingsError(
        'SMS_WEBHOOK_URL: an https URL is required when NODE_ENV=production (codes travel in it)',
      );
    if (s.SEED_DEMO)
      throw new SettingsError(
        'SEED_DEMO: must be off when NODE_ENV=production (its accounts have published passwords)',
      );
    if (!s.TRUST_PROXY)
      throw new SettingsError(
        'TRUST_PROXY: must be true when NODE_ENV=production (campus-sso serves plain HTTP behind a TLS proxy; ' +
          'without trusting its X-Forwarded-Proto, cookies would go out without Secure)',
      );
  }
  return {
    env: s.NODE_ENV,
    host: s.HOST,
    port: s.PORT,
    workers: s.WORKERS === 'auto' ? os.availableParallelism() : Number(s.WORKERS),
    issuer: s.ISSUER?.replace(/\/$/, ''),
    databaseUrl: s.DATABASE_URL,
    redisUrl: s.REDIS_URL,
    redisPrefix: s.REDIS_PREFIX,
    dataDir: path.resolve(s.DATA_DIR),
    embeddedPgPort: s.EMBEDDED_PG_PORT,
    smtpUrl: s.SMTP_URL,
    mailFrom: s.MAIL_FROM,
    secretKey: s.SECRET_KEY,
    bcryptCost: s.BCRYPT_COST,
    passwordHash: s.PASSWORD_HASH,
    trustProxy: s.TRUST_PROXY,
    trustProxyHops: s.TRUST_PROXY_HOPS,
    metricsToken: s.METRICS_TOKEN,
    logLevel: s.LOG_LEVEL,
    seedDemo: s.SEED_DEMO ?? !s.DATABASE_URL,
    keyPublishLeadSeconds: s.KEY_PUBLISH_LEAD_SECONDS,
    keyRefreshSeconds: s.KEY_REFRESH_SECONDS,
    maxBodyBytes: s.MAX_BODY_BYTES,
    clientsFile: path.resolve(s.CLIENTS_FILE),
    outboundAllowPrivateNetworks: s.OUTBOUND_ALLOW_PRIVATE_NETWORKS,
    smsWebhookUrl: s.SMS_WEBHOOK_URL,
    outboxPollMs: s.OUTBOX_POLL_MS,
    mailboxPage: s.MAILBOX_PAGE ?? (!s.DATABASE_URL || s.NODE_ENV !== 'production'),
    bindingDefaultPassword: s.BINDING_DEFAULT_PASSWORD,
    federationTimeoutSeconds: s.FEDERATION_TIMEOUT_SECONDS,
    branding: {
      brand: { 'zh-TW': s.PRODUCT_NAME, en: s.PRODUCT_NAME_EN },
      organization: { 'zh-TW': s.ORGANIZATION, en: s.ORGANIZATION_EN },
      support: { 'zh-TW': s.SUPPORT_CONTACT, en: s.SUPPORT_CONTACT_EN },
    },
  };
}
