// The campus-sso command's bad usage: answered with exit code 2, what is wrong and the usage, before storage is opened
// (no embedded PostgreSQL is started, none is reached); help on stdout with exit code 0. Every command here runs
// against a fresh DATA_DIR in the embedded mode, whatever the suite's storage mode: were storage opened, the folder
// would hold a PostgreSQL cluster afterwards.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/process.ts';
import { TEST_SECRET_KEY, testEnv } from '../helpers/server.ts';

/** Runs `each` on the items, `width` at a time. */
async function inTurns<T>(items: T[], each: (item: T) => Promise<unknown>, width = 4): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await each(item);
    }),
  );
}

describe('campus-sso usage (no storage)', () => {
  const env = { ...process.env, ...testEnv({ DATABASE_URL: undefined, REDIS_URL: undefined, SECRET_KEY: undefined }) };
  const dataDir = env.DATA_DIR;
  const cli = (...args: string[]) => runCli(env, ...args);

  /** Exit 2: the problem on the first line of stderr, then the usage; nothing on stdout. */
  async function misused(args: string[], problem: RegExp) {
    const r = await cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    const [first, ...rest] = r.stderr.split('\n');
    assert.match(first!, problem, args.join(' '));
    assert.match(first!, /^campus-sso: /);
    assert.match(rest.join('\n'), /usage: campus-sso/, 'then the usage');
    assert.equal(r.stdout, '');
    assert.doesNotMatch(r.stderr, /^\s+at .*:\d+:\d+\)?$/m, 'no stack trace');
    return r;
  }

  after(() => fs.rmSync(dataDir!, { recursive: true, force: true }));

  it('prints the usage on stdout: exit 2 without a command, 0 when asked for', async () => {
    const none = await cli();
    assert.equal(none.status, 2);
    assert.match(none.stdout, /^usage: campus-sso <command> \[options\]/);
    assert.match(none.stdout, /binding auto-approve --school CODE --on\|--off/);
    for (const ask of [['--help'], ['-h'], ['help']]) {
      const help = await cli(...ask);
      assert.equal(help.status, 0, ask[0]);
      assert.equal(help.stdout, none.stdout, 'the same usage');
      assert.equal(help.stderr, '');
    }
  });

  it('names an unknown command, then the usage', async () => {
    const foo = await cli('foo');
    assert.equal(foo.status, 2);
    assert.match(foo.stderr, /^campus-sso: unknown command: foo\nusage: campus-sso <command>/);
    assert.match(foo.stderr, /client add --id ID/);
    const sub = await cli('client', 'frob');
    assert.equal(sub.status, 2);
    assert.match(sub.stderr, /^campus-sso: unknown command: client frob\n/);
    assert.match(sub.stderr, /client update --id ID/);
    assert.doesNotMatch(sub.stderr, /keys rotate/, "the group's commands only");
    const bare = await cli('client');
    assert.equal(bare.status, 2);
    assert.match(bare.stderr, /^campus-sso: client needs a command: add, update, show, list, permissions, disable/);
  });

  it("prints a command's own usage for <command> --help", async () => {
    for (const args of [
      ['client', 'add', '--help'],
      ['client', 'add', '--id', 'x', '-h'],
      ['help', 'client', 'add'],
    ]) {
      const help = await cli(...args);
      assert.equal(help.status, 0, args.join(' '));
      assert.equal(help.stderr, '');
      assert.match(help.stdout, /^usage: campus-sso <command> \[options\]\n\n {2}client add --id ID --secret SECRET/);
      assert.doesNotMatch(help.stdout, /client update|keys rotate|Unknown option/);
    }
    const group = await cli('binding', '--help');
    assert.equal(group.status, 0);
    assert.match(group.stdout, /binding list --school CODE/);
    assert.match(group.stdout, /binding reject --id ID --reason TEXT/);
    assert.doesNotMatch(group.stdout, /client add/);
    assert.equal((await cli('migrate', '--help')).status, 0);
  });

  it('answers a missing, unknown or impossible option with exit 2 before storage is opened', async () => {
    // Independent: four at a time.
    const cases: [string[], RegExp][] = [
      [['client', 'show'], /--id is required/],
      [['client', 'disable'], /--id is required/],
      [['client', 'add', '--id', 'x-client', '--secret', 'x'.repeat(40)], /--redirect-uri is required/],
      [['client', 'update', '--id', 'x-client'], /nothing to change/],
      [['client', 'update', '--id', 'x-client', '--first-party', '--no-first-party'], /not both/],
      [['client', 'permissions', '--id', 'x-client', '--grant', 'payroll'], /one of sis, roster/],
      [['client', 'show', '--id'], /^campus-sso: --id needs a value$/],
      [['person', 'add', '--bogus'], /^campus-sso: unknown option --bogus$/],
      [['person', 'add', 'alice'], /unexpected argument 'alice'/],
      [['person', 'reset-second-factor'], /--person is required/],
      [['school', 'add', '--code', '12', '--name', 'x', '--level', 'junior'], /--code: .*6 digits/],
      [['school', 'add', '--code', '123456', '--name', 'x', '--level', 'university'], /--level/],
      [['identity', 'add', '--person', 'x', '--role', 'wizard'], /--role must be one of/],
      [['identity', 'add', '--person', 'x', '--role', 'student', '--school', '353604', '--seat', '0'], /--seat/],
      [['keys', 'rotate', '--lead', 'soon'], /--lead/],
      [['iat', 'create', '--ttl', '-5'], /--ttl/],
      [['upstream', 'disable'], /--id is required/],
      [['binding', 'list', '--school', '353604', '--status', 'nope'], /--status must be one of pending/],
      [['binding', 'approve', '--id', '42'], /--id must be an application id/],
      [['binding', 'auto-approve', '--school', '353604'], /--on or --off/],
      [['binding', 'guardians', '--school', '353604'], /--file is required/],
    ];
    await inTurns(cases, ([args, problem]) => misused(args, problem));
  });

  it('refuses a decline without a reason the parent could read', async () => {
    const id = '0b6e0c1e-8f0a-4a53-9d43-2f0c7f1d7a10';
    await misused(['binding', 'reject', '--id', id, '--reason', '   '], /--reason must say why .* it is empty/);
    await misused(['binding', 'reject', '--id', id, '--reason', '\u3000\t'], /--reason must say why/);
    await misused(['binding', 'reject', '--id', id, '--reason', '理'.repeat(501)], /--reason must be at most 500/);
    await misused(['binding', 'reject', '--id', id], /--reason is required/);
  });

  it('refuses a client secret shorter than 32 characters and redirect URIs the developer portal would refuse', async () => {
    const secret = 's'.repeat(32);
    const add = (...more: string[]) => ['client', 'add', '--id', 'cli-walk', ...more];
    const cases: [string[], RegExp][] = [
      [add('--secret', 's', '--redirect-uri', 'https://app.example/cb'), /secret must have at least 32 characters/],
      [add('--secret', 's'.repeat(31), '--redirect-uri', 'https://app.example/cb'), /at least 32 characters/],
      [add('--secret', secret, '--redirect-uri', 'ftp://x'), /--redirect-uri must be an https URL.*: ftp:\/\/x$/],
      [add('--secret', secret, '--redirect-uri', 'http://evil.example/cb'), /--redirect-uri must be an https URL/],
      [add('--secret', secret, '--redirect-uri', 'com.example.app:/cb'), /--redirect-uri must be an https URL/],
      [add('--secret', secret, '--redirect-uri', 'https://app.example/cb#x'), /--redirect-uri must have no fragment/],
      [add('--secret', secret, '--redirect-uri', 'https://u:p@app.example/cb'), /must not hold a user name/],
      [add('--secret', secret, '--redirect-uri', 'not a url'), /--redirect-uri must be an absolute URL/],
      [
        add(
          '--secret',
          secret,
          '--redirect-uri',
          'https://app.example/cb',
          '--post-logout-redirect-uri',
          'http://x.example/',
        ),
        /--post-logout-redirect-uri must be an https URL/,
      ],
      [['client', 'update', '--id', 'cli-walk', '--secret', 'short'], /at least 32 characters/],
      [
        ['client', 'update', '--id', 'cli-walk', '--add-redirect-uri', 'http://evil.example/cb'],
        /--add-redirect-uri must be an https URL/,
      ],
      [
        ['client', 'update', '--id', 'cli-walk', '--add-post-logout-redirect-uri', 'javascript:alert(1)'],
        /--add-post-logout-redirect-uri must be an https URL/,
      ],
    ];
    await inTurns(cases, ([args, problem]) => misused(args, problem));
  });

  it('lets plain http to this machine through only outside production', async () => {
    const production = {
      ...env,
      NODE_ENV: 'production',
      SECRET_KEY: TEST_SECRET_KEY,
      // Never reached: the usage is refused before storage is opened.
      DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none',
      ISSUER: 'https://sso.example',
      BCRYPT_COST: '10',
      SMTP_URL: 'smtp://127.0.0.1:9',
      SEED_DEMO: 'false',
      MAILBOX_PAGE: 'false',
      TRUST_PROXY: 'true',
    };
    for (const uri of ['http://localhost:3000/cb', 'http://127.0.0.1:9/cb', 'http://[::1]/cb']) {
      const args = ['client', 'add', '--id', 'cli-walk', '--secret', 's'.repeat(40), '--redirect-uri', uri];
      const r = await runCli(production, ...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^campus-sso: --redirect-uri must be an https URL \(plain http only to this machine/);
    }
  });

  it('refuses a username sign-in could not find and an email registration would refuse', async () => {
    const add = (username: string, ...more: string[]) => [
      'person',
      'add',
      '--username',
      username,
      '--password',
      'Walk-Pass-8271',
      '--name',
      '測試',
      ...more,
    ];
    const cases: [string[], RegExp][] = [
      [add('bad name with space'), /--username must be 3 to 64 letters .*: bad name with space$/],
      [add('ab'), /--username must be 3 to 64/],
      [add('.dot-first'), /--username must be 3 to 64/],
      [add('someone@example.org'), /an email address goes in --email/],
      [add('名字好'), /--username must be 3 to 64/],
      [add('0912-345-678'), /--username must not be a mobile number/],
      [add('walker', '--email', 'notanemail'), /^campus-sso: --email must be an email address: notanemail$/],
      [add('walker', '--email', 'a@b'), /--email must be an email address/],
      [add('walker', '--email', 'two@at@example.org'), /--email must be an email address/],
      [add('walker', '--email', ''), /--email (must be an email address|needs a value)/],
      [['person', 'add', '--username', 'walker', '--password', 'Walk-Pass-8271', '--name', '★★'], /--name must be/],
      [['person', 'add', '--username', 'walker', '--password', 'Walk-Pass-8271', '--name', '  '], /--name must not/],
    ];
    await inTurns(cases, ([args, problem]) => misused(args, problem));
  });

  it("refuses an identity its role cannot have: a school's role without a school, the bureau's with one", async () => {
    const add = (...more: string[]) => ['identity', 'add', '--person', 'someone', ...more];
    const cases: [string[], RegExp][] = [
      [add('--role', 'teacher'), /^campus-sso: a teacher identity is at a school: give --school CODE$/],
      [add('--role', 'school_admin'), /a school_admin identity is at a school/],
      [
        add('--role', 'bureau_admin', '--school', '353604'),
        /bureau_admin identity is the bureau's.*leave out --school/,
      ],
      [add('--role', 'teacher', '--school', '353604', '--class', '701'), /--class: only a student identity has one/],
      [
        add('--role', 'parent', '--school', '353604', '--seat', '3', '--student-no', 'S1'),
        /--seat, --student-no: only/,
      ],
      [add('--role', 'student', '--school', '35360'), /--school: a school code has 6 digits/],
      [add('--role', 'student', '--school', '353604', '--class', '7 01'), /--class must be a class code/],
    ];
    await inTurns(cases, ([args, problem]) => misused(args, problem));
  });

  it('names the option of a value out of range or no URL, never an internal error', async () => {
    const upstream = ['upstream', 'add', '--id', 'walk', '--name', 'W', '--client-id', 'c', '--client-secret', 's'];
    const cases: [string[], RegExp][] = [
      [
        ['iat', 'create', '--ttl', '99999999999999'],
        /^campus-sso: --ttl must be a whole number of seconds from 1 to 2592000/,
      ],
      [['iat', 'create', '--ttl', '0'], /--ttl must be a whole number of seconds from 1/],
      [['iat', 'create', '--ttl', '1e3'], /--ttl must be a whole number/],
      [['keys', 'rotate', '--lead', '99999999999999'], /--lead must be a whole number of seconds from 0 to 2592000/],
      [[...upstream, '--issuer', 'notaurl'], /^campus-sso: --issuer: must be an absolute https URL: notaurl$/],
      [
        [...upstream, '--issuer', 'https://up.example', '--token-endpoint', 'nope'],
        /^campus-sso: --token-endpoint: must be an absolute https URL: nope$/,
      ],
      [
        [...upstream, '--issuer', 'https://up.example', '--userinfo-endpoint', 'http://up.example/me'],
        /^campus-sso: --userinfo-endpoint: must be an https URL$/,
      ],
      [[...upstream, '--issuer', 'https://up.example', '--kind', 'saml'], /^campus-sso: --kind: /],
      [['upstream', 'update', '--id', 'walk', '--issuer', 'notaurl'], /--issuer: must be an absolute https URL/],
      [['upstream', 'update', '--id', 'walk', '--icon', 'Bad Icon'], /^campus-sso: --icon: /],
    ];
    await inTurns(cases, async ([args, problem]) => {
      const r = await misused(args, problem);
      assert.doesNotMatch(r.stderr, /NaN|Invalid URL|DeprecationWarning|PG_INVALID_DATE/, args.join(' '));
    });
  });

  it('says a file it cannot read is one, before storage is opened', async () => {
    const guardians = (file: string) => cli('binding', 'guardians', '--school', '353604', '--file', file);
    const missing = await guardians('/nonexistent.csv');
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, 'campus-sso: cannot read file /nonexistent.csv: no such file\n');
    const folder = await guardians(dataDir!);
    assert.equal(folder.status, 1);
    assert.equal(folder.stderr, `campus-sso: cannot read file ${dataDir}: it is a folder\n`);
    const wrong = path.join(dataDir!, 'wrong.csv');
    fs.writeFileSync(wrong, 'number,who\n1,x\n');
    const header = await guardians(wrong);
    assert.equal(header.status, 1);
    assert.equal(header.stderr, `campus-sso: ${wrong}: the first line must be: student_no,name,mobile,relationship\n`);
  });

  // Last: nothing above opened storage.
  it('started no PostgreSQL for any of it', () => {
    assert.equal(fs.existsSync(path.join(dataDir!, 'postgres')), false, 'no cluster in the data folder');
  });
});
