// Interop: Apache httpd + mod_auth_openidc as an independent relying party on loopback. A browser opens a page
// Apache protects, is sent to our sign-in page, signs in as the demo teacher and lands on the protected page.
// Needs the Debian packages apache2, libapache2-mod-auth-openidc and chromium (CI installs them); fails if missing.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { translator } from '../../src/platform/i18n/index.ts';
import { freePort } from '../../src/platform/storage/embedded-postgres.ts';
import { browserSkip, launchBrowser, missingTool, newPage, shoot } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const APACHE = process.env.APACHE_BIN ?? '/usr/sbin/apache2';
const MODULES = process.env.APACHE_MODULES ?? '/usr/lib/apache2/modules';
const CLIENT_ID = 'apache-interop';
const CLIENT_SECRET = crypto.randomBytes(24).toString('base64url');
const MARKER = 'campus-sso interop: Apache protected page reached';

const zh = translator('zh-TW');

let server: TestServer;
let apache: ChildProcess | undefined;
let apacheExit: Promise<unknown> | undefined;
let apacheOutput = '';
let apacheDir: string | undefined;
let apachePort: number;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (apache?.exitCode !== null && apache?.exitCode !== undefined) {
      throw new Error(`apache2 exited with ${apache.exitCode} before listening:\n${apacheOutput}${errorLog()}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(
        `apache2 did not listen on 127.0.0.1:${port} within ${timeoutMs} ms:\n${apacheOutput}${errorLog()}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

function errorLog(): string {
  try {
    return apacheDir ? fs.readFileSync(path.join(apacheDir, 'error.log'), 'utf8') : '';
  } catch {
    return '';
  }
}

function apacheConfig(dir: string, port: number, issuer: string): string {
  const asRoot = process.getuid?.() === 0;
  const load = (name: string, file = `mod_${name}.so`) => `LoadModule ${name}_module ${MODULES}/${file}`;
  return `# Written by test/oidc/apache.browser.test.ts
ServerRoot "${dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile "${dir}/apache2.pid"
DefaultRuntimeDir "${dir}/run"
ErrorLog "${dir}/error.log"
LogLevel warn auth_openidc:info
${asRoot ? 'User www-data\nGroup www-data' : '# not root: runs as the current user'}

# unixd and log_config are built into Debian's apache2.
${load('mpm_event')}
${load('authn_core')}
${load('authz_core')}
${load('authz_user')}
${load('mime')}
${load('include')}
${load('auth_openidc')}

TypesConfig /etc/mime.types
StartServers 1
ServerLimit 1
ThreadsPerChild 16
MaxRequestWorkers 16
MinSpareThreads 4
MaxSpareThreads 16
LogFormat "%h %l %u %t \\"%r\\" %>s %b" common
CustomLog "${dir}/access.log" common

DocumentRoot "${dir}/htdocs"
<Directory />
  AllowOverride None
  Require all denied
</Directory>
<Directory "${dir}/htdocs">
  Require all granted
</Directory>
<Directory "${dir}/htdocs/protected">
  # Server-side includes echo the claims mod_auth_openidc hands to the page.
  Options +Includes
  AddOutputFilter INCLUDES .html
</Directory>

OIDCProviderMetadataURL ${issuer}/.well-known/openid-configuration
OIDCClientID ${CLIENT_ID}
OIDCClientSecret ${CLIENT_SECRET}
OIDCRedirectURI http://127.0.0.1:${port}/protected/redirect_uri
OIDCCryptoPassphrase ${crypto.randomBytes(24).toString('base64url')}
OIDCScope "openid profile email identity"
OIDCPKCEMethod S256
OIDCPassClaimsAs environment
OIDCRemoteUserClaim sub

<Location /protected>
  AuthType openid-connect
  Require valid-user
</Location>
`;
}

const PROTECTED_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Protected</title></head>
<body>
<h1 id="marker">${MARKER}</h1>
<dl>
  <dt>REMOTE_USER</dt><dd id="remote-user"><!--#echo var="REMOTE_USER" --></dd>
  <dt>sub</dt><dd id="sub"><!--#echo var="OIDC_CLAIM_sub" --></dd>
  <dt>email</dt><dd id="email"><!--#echo var="OIDC_CLAIM_email" --></dd>
</dl>
</body>
</html>
`;

const skip = browserSkip || missingTool(APACHE, 'apache2 libapache2-mod-auth-openidc');

before(async () => {
  if (skip) return;
  // A missing package is a failure with a clear message, not a silent skip: CI installs them.
  if (!fs.existsSync(APACHE)) {
    throw new Error(
      `${APACHE} not found: install the Debian packages apache2 and libapache2-mod-auth-openidc (or set APACHE_BIN)`,
    );
  }
  if (!fs.existsSync(path.join(MODULES, 'mod_auth_openidc.so'))) {
    throw new Error(`${MODULES}/mod_auth_openidc.so not found: install the Debian package libapache2-mod-auth-openidc`);
  }

  server = await startTestServer();
  apachePort = await freePort();
  await server.services.clients.upsert(
    {
      client_id: CLIENT_ID,
      client_name: 'Apache mod_auth_openidc (interop)',
      redirect_uris: [`http://127.0.0.1:${apachePort}/protected/redirect_uri`],
      first_party: true,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
    'test',
    CLIENT_SECRET,
  );

  // mkdtemp makes a 0700 folder; the Apache children run as www-data and must read it.
  apacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'campus-sso-apache-'));
  fs.chmodSync(apacheDir, 0o755);
  fs.mkdirSync(path.join(apacheDir, 'run'), { mode: 0o755 });
  fs.mkdirSync(path.join(apacheDir, 'htdocs', 'protected'), { recursive: true, mode: 0o755 });
  fs.writeFileSync(path.join(apacheDir, 'htdocs', 'protected', 'index.html'), PROTECTED_PAGE, { mode: 0o644 });
  const conf = path.join(apacheDir, 'apache2.conf');
  fs.writeFileSync(conf, apacheConfig(apacheDir, apachePort, server.issuer), { mode: 0o644 });

  apache = spawn(APACHE, ['-f', conf, '-DFOREGROUND'], {
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      LANG: 'C',
      APACHE_RUN_USER: 'www-data',
      APACHE_RUN_GROUP: 'www-data',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  apacheExit = new Promise((resolve) => apache!.once('exit', resolve));
  apache.stdout!.on('data', (d) => {
    apacheOutput += d;
  });
  apache.stderr!.on('data', (d) => {
    apacheOutput += d;
  });
  apache.once('error', (err) => {
    apacheOutput += `spawn error: ${err.message}\n`;
  });
  await waitForPort(apachePort, 15_000);

  browser = await launchBrowser();
  ({ context, page } = await newPage(browser));
});

after(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  if (apache && apache.exitCode === null && apache.signalCode === null) {
    // SIGTERM to the foreground parent stops its children too ("graceful-stop" would be SIGWINCH).
    apache.kill('SIGTERM');
    const timer = setTimeout(() => apache?.kill('SIGKILL'), 5_000);
    await apacheExit;
    clearTimeout(timer);
  }
  await server?.close();
  // The embedded database's temporary DATA_DIR (made by testEnv) is ours to remove.
  if (server?.dataDir) fs.rmSync(server.dataDir, { recursive: true, force: true });
  if (apacheDir && !process.env.KEEP_APACHE_DIR) fs.rmSync(apacheDir, { recursive: true, force: true });
});

test('mod_auth_openidc signs a person in through campus-sso', { skip }, async (t) => {
  try {
    // Apache sends the browser to our authorization endpoint, which shows the sign-in page.
    await page.goto(`http://127.0.0.1:${apachePort}/protected/index.html`);
    await page.waitForURL(
      (url) => url.origin === server.issuer && /^\/interaction\/[A-Za-z0-9_-]+$/.test(url.pathname),
    );
    assert.equal(await page.locator('main h1').innerText(), zh('login.title'));
    assert.match(await page.locator('main').innerText(), /Apache mod_auth_openidc \(interop\)/);
    await shoot(page, 'apache-01-sign-in');

    // Sign in as the teacher, who is also a parent: the identity menu comes first.
    await page.fill('#login', 'teacher');
    await page.fill('#password', 'Blue-Chalk-2026');
    await page.click('button.primary');
    await page.locator('fieldset.identities').waitFor();
    assert.equal(await page.locator('main h1').innerText(), zh('identity.title'));
    await shoot(page, 'apache-02-identity-menu');
    await page.locator('label.identity', { hasText: zh('role.teacher') }).click();
    // The client is first-party, so no consent page: straight back to Apache.
    await Promise.all([
      page.waitForURL(
        (url) => url.origin === `http://127.0.0.1:${apachePort}` && url.pathname === '/protected/index.html',
      ),
      page.click('button.primary'),
    ]);
    await page.locator('#marker').waitFor();
    await shoot(page, 'apache-03-protected');
    assert.equal(await page.locator('#marker').innerText(), MARKER);

    // The claims mod_auth_openidc received: sub is the teacher's person id.
    const teacher = await server.storage.db('persons').whereRaw('lower(username) = ?', ['teacher']).first();
    assert.ok(teacher, 'demo teacher not seeded');
    assert.equal((await page.locator('#sub').innerText()).trim(), String(teacher.id));
    assert.equal((await page.locator('#remote-user').innerText()).trim(), String(teacher.id));
    assert.equal((await page.locator('#email').innerText()).trim(), 'teacher@demo.campus-sso.test');

    // A second visit is served from mod_auth_openidc's session without another trip to us.
    const again = await page.goto(`http://127.0.0.1:${apachePort}/protected/index.html`);
    assert.equal(again?.status(), 200);
    assert.equal(new URL(page.url()).origin, `http://127.0.0.1:${apachePort}`);
  } catch (err) {
    t.diagnostic(`apache output:\n${apacheOutput}\nerror.log:\n${errorLog()}`);
    if (page) await shoot(page, 'apache-failure').catch(() => {});
    throw err;
  }
});
