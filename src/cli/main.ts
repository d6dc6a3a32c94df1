// `campus-sso <command>`: administration from the shell, with the same settings as the server.
import { parseArgs } from 'node:util';
import { deliverableChannels } from '../domain/outbox/index.ts';
import { buildDomainServices } from '../domain/services.ts';
import { parseSettings, SettingsError } from '../platform/settings.ts';
import { openStorage, type Storage } from '../platform/storage/open.ts';
import { COMMANDS } from './commands.ts';

const USAGE = `usage: campus-sso <command> [options]

  migrate                                   apply database migrations
  seed-demo [--issuer URL]                  seed the demo school, people and demo client
  client add --id ID --secret SECRET --redirect-uri URI [--redirect-uri URI ...] [--name NAME] [--first-party]
             [--post-logout-redirect-uri URI ...] [--grant-type T ...] [--allowed-role R ...] [--public]
                                            register a new client (an id already taken is refused)
  client update --id ID [--secret S] [--name N] [--add-redirect-uri U ...] [--remove-redirect-uri U ...]
             [--add-post-logout-redirect-uri U ...] [--remove-post-logout-redirect-uri U ...]
             [--first-party|--no-first-party] [--grant-type T ...] [--allowed-role R ...]
                                            change only what is given (grant types and roles: the new list)
  client show --id ID                       the client's metadata as JSON (the secret only as "(set)")
  client list                               every client: id, name, first party, permissions, schools, state
  client permissions --id ID --grant sis|roster [--school CODE ...]
  client permissions --id ID --revoke sis|roster
                                            what the client may do through the API; --school: the only schools a
                                            roster client may act for (vocational or private schools)
  client disable --id ID                    the client can no longer sign people in, get tokens or use the API
  client enable --id ID                     undo client disable
  person add --username U --password P --name NAME [--email E]
  person reset-second-factor --person U     a lost phone: the next sign-in that needs a second factor sets it up
  school add --code 353604 --name NAME --level elementary|junior|senior|vocational|special [--kind municipal|private]
  identity add --person U --role student|teacher|staff|principal|parent|school_admin|bureau_admin
               [--school CODE] [--class 101 --seat 7 --student-no S] [--title T]
  keys rotate [--lead SECONDS]              publish new keys now, sign with them after the lead time
  keys list                                 list keys and their state
  iat create [--ttl SECONDS]                create an initial access token for dynamic registration
  upstream add --id ID --name NAME --issuer URL --client-id ID --client-secret S [--kind oidc|facebook]
               [--scope "openid email profile"] [--icon NAME]
               [--authorization-endpoint U --token-endpoint U --userinfo-endpoint U]
                                            an upstream provider people may sign in with (prints the redirect URI)
  upstream update --id ID [same options] [--enable]
                                            change only what is given (a new secret is sealed again)
  upstream list                             every upstream provider (never its secret)
  upstream disable --id ID                  people can no longer sign in with it
  binding list --school CODE [--status pending|approved|rejected|withdrawn|revoked]
                                            parent-child binding applications of a school (tab-separated)
  binding approve --id ID                   approve one (makes the parent's account if needed; the parent is told)
  binding reject --id ID --reason TEXT      reject one with the reason the parent is told
  binding guardians --school CODE --file F.csv
                                            replace the school's roster guardians (student_no,name,mobile,relationship)
  binding auto-approve --school CODE --on|--off
                                            approve at once a parent the roster names (same name, mobile, relationship)

Settings come from the environment, as for the server (see README).`;

export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const [first, second] = argv;
  const name = [first, second].join(' ');
  const command = COMMANDS[name] ?? COMMANDS[first ?? ''];
  if (!command) {
    process.stderr.write(`${USAGE}\n`);
    return first && first !== 'help' && first !== '--help' ? 2 : 0;
  }
  const rest = argv.slice(COMMANDS[name] ? 2 : 1);
  let options: Record<string, unknown>;
  try {
    options = parseArgs({ args: rest, options: command.options, allowPositionals: false, strict: true }).values;
  } catch (err) {
    process.stderr.write(`campus-sso: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  let storage: Storage | undefined;
  try {
    const settings = parseSettings(env);
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
    const out = await command.run({ storage, services, settings, issuer }, options as Record<string, unknown>);
    if (out) process.stdout.write(`${out}\n`);
    return 0;
  } catch (err) {
    const prefix = err instanceof SettingsError ? 'configuration error: ' : '';
    process.stderr.write(`campus-sso: ${prefix}${(err as Error).message}\n`);
    return 1;
  } finally {
    await storage?.close();
  }
}

if (import.meta.main) {
  process.exit(await runCli(process.argv.slice(2)));
}
