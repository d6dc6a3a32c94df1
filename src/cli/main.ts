// `campus-sso <command>`: administration from the shell, with the same settings as the server. Exit codes: 0 done,
// 1 failed (one line on stderr), 2 bad usage (what is wrong, then the command's usage). What the command line alone
// can tell is checked before storage is opened: a mistyped option never starts the embedded PostgreSQL.
import { parseArgs } from 'node:util';
import { parseSettings, type Settings, SettingsError } from '../platform/settings.ts';
import type { Storage } from '../platform/storage/open.ts';
import { COMMANDS, type Command, UsageError } from './commands.ts';

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

const HEADER = 'usage: campus-sso <command> [options]';
const FOOTER = 'Settings come from the environment, as for the server (see README).';

/** The usage of these commands (all of them: the whole usage, which tells how to ask for one command's). */
function usageOf(names: string[]): string {
  const more = names.length > 1 ? ['campus-sso <command> --help shows one command alone.'] : [];
  return [HEADER, '', ...names.map((n) => indent(COMMANDS[n]!.usage)), '', ...more, FOOTER].join('\n');
}

const ALL = Object.keys(COMMANDS);
/** The first words of two-word commands (client, person, …). */
const GROUPS = new Set(ALL.filter((n) => n.includes(' ')).map((n) => n.split(' ')[0]!));

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

/** Asks for help: `--help` or `-h` before any `--`. */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** parseArgs's complaint in one line, without its advice about positionals. */
function parseProblem(error: unknown): string {
  const e = error as Error & { code?: string };
  const message = e.message.split('\n')[0]!;
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1];
    return option ? `unknown option ${option}` : message;
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /'(--?[\w-]+)/.exec(message)?.[1];
    if (option && message.includes('argument missing')) return `${option} needs a value`;
    if (option && message.includes('ambiguous'))
      return `${option} needs a value (one that starts with a dash is written ${option}=-…)`;
    if (option && message.includes('does not take an argument')) return `${option} takes no value`;
    return message;
  }
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const value = /'([^']*)'/.exec(message)?.[1];
    return value !== undefined ? `unexpected argument '${value}' (options have names, e.g. --id ID)` : message;
  }
  return message;
}

/** One line for an error, whatever was thrown: its message, never its stack. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim() || (error instanceof Error ? error.name : 'failed');
}

export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const [first, second] = argv;
  if (first === undefined) {
    out(usageOf(ALL));
    return 2;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const asked = argv.slice(1).join(' ');
    if (!asked) {
      out(usageOf(ALL));
      return 0;
    }
    const names = COMMANDS[asked] ? [asked] : ALL.filter((n) => n.split(' ')[0] === asked);
    if (!names.length) {
      err(`campus-sso: unknown command: ${asked}\n${usageOf(ALL)}`);
      return 2;
    }
    out(usageOf(names));
    return 0;
  }

  const twoWords = `${first} ${second ?? ''}`;
  const name = COMMANDS[twoWords] ? twoWords : COMMANDS[first] && !GROUPS.has(first) ? first : undefined;
  if (!name) {
    if (GROUPS.has(first)) {
      const group = ALL.filter((n) => n.split(' ')[0] === first);
      if (second === undefined || second === '--help' || second === '-h') {
        if (second !== undefined) {
          out(usageOf(group));
          return 0;
        }
        err(`campus-sso: ${first} needs a command: ${group.map((n) => n.split(' ')[1]).join(', ')}\n${usageOf(group)}`);
        return 2;
      }
      err(`campus-sso: unknown command: ${first} ${second}\n${usageOf(group)}`);
      return 2;
    }
    err(`campus-sso: unknown command: ${first}\n${usageOf(ALL)}`);
    return 2;
  }
  const command: Command = COMMANDS[name]!;
  const rest = argv.slice(name.split(' ').length);
  if (asksForHelp(rest)) {
    out(usageOf([name]));
    return 0;
  }
  const misused = (problem: string) => {
    err(`campus-sso: ${problem}\n${usageOf([name])}`);
    return 2;
  };

  let options: Record<string, unknown>;
  try {
    options = parseArgs({ args: rest, options: command.options, allowPositionals: false, strict: true }).values;
  } catch (error) {
    return misused(parseProblem(error));
  }
  let settings: Settings;
  try {
    settings = parseSettings(env);
  } catch (error) {
    const prefix = error instanceof SettingsError ? 'configuration error: ' : '';
    err(`campus-sso: ${prefix}${errorLine(error)}`);
    return 1;
  }
  // What the options alone say, before storage is opened.
  try {
    options = (await command.check?.(options, settings)) ?? options;
  } catch (error) {
    if (error instanceof UsageError) return misused(error.message);
    err(`campus-sso: ${errorLine(error)}`);
    return 1;
  }

  let storage: Storage | undefined;
  try {
    // Loaded only now: a usage error or --help needs none of it.
    const { openStorage } = await import('../platform/storage/open.ts');
    const { buildDomainServices } = await import('../domain/services.ts');
    const { deliverableChannels } = await import('../domain/outbox/index.ts');
    storage = await openStorage(settings);
    const issuer = settings.issuer ?? `http://localhost:${settings.port || 3000}`;
    const services = buildDomainServices({
      db: storage.db,
      keyring: storage.keyring,
      shared: storage.shared,
      bcryptCost: settings.bcryptCost,
      passwordHash: settings.passwordHash,
      issuer,
      channels: deliverableChannels(settings),
      bindingDefaultPassword: settings.bindingDefaultPassword,
    });
    const result = await command.run({ storage, services, settings, issuer }, options);
    if (result) out(result);
    return 0;
  } catch (error) {
    // A value only storage could judge (an upstream's options with the ones it keeps): still bad usage.
    if (error instanceof UsageError) return misused(error.message);
    err(`campus-sso: ${errorLine(error)}`);
    return 1;
  } finally {
    await storage?.close().catch(() => {});
  }
}

if (import.meta.main) {
  process.exit(await runCli(process.argv.slice(2)));
}
