// Property-based fuzzing (fast-check) of every route and form of the running server: malformed requests — NUL
// characters, invalid UTF-8 percent-encodings, 100 kB strings, JSON nested 5000 deep or of the wrong types, repeated
// parameters, unicode oddities, huge numbers, empty bodies, wrong content types and encodings, bodies over
// MAX_BODY_BYTES, abused Authorization / Cookie / X-Forwarded-* headers — must never get a 5xx, never show a stack
// trace, never make the server write an error-level log line or throw an exception nothing catches (in production
// that ends the process), and a body over the limit must be answered 413.
//
// Routes: ours are read from the flows (targets.ts), oidc-provider's from its discovery document. Each is fuzzed
// from the state it needs (contexts.ts: a sign-in in progress, an account session, a registration draft, …), so
// fuzzed fields get past the CSRF check and reach the handlers (some requests go without CSRF, too). The server runs
// with TRUST_PROXY on, so X-Forwarded-For / -Proto are read, and each request comes from an address of its own.
//
// Budget: FUZZ_RUNS requests in all (default 15,000, seed fixed: the CI run), 4 at a time (FUZZ_CONCURRENCY).
// `npm run fuzz` runs 60,000 with a random seed (printed). FUZZ_SEED=<n> FUZZ_ONLY=<regex on "METHOD /path"> replays.
// A failure is shrunk by fast-check; the suite keeps going (other routes, and up to FUZZ_MAX_PER_ROUTE different
// failures per route) and fails at the end with every one: method, path, the shrunk input, status, log lines.
// FUZZ_VERBOSE=1 adds the answers' statuses per route and where the time went.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import pino from 'pino';
import { startTestServer, storageMode, type TestServer } from '../helpers/server.ts';
import { type Ctx, World } from './contexts.ts';
import { type Answer, Client, Gate, type Wire } from './http.ts';
import { type Input, inputArb, render } from './inputs.ts';
import { ERROR_LEVEL, LogCapture, type LogLine } from './log-capture.ts';
import { allTargets, type Target } from './targets.ts';
import { show } from './values.ts';

const CI_SEED = 20_260_601;
const env = process.env;
const RUNS = Number(env.FUZZ_RUNS || 15_000);
const SEED =
  env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : env.FUZZ_SEED ? Number(env.FUZZ_SEED) : CI_SEED;
const CONCURRENCY = Number(env.FUZZ_CONCURRENCY || 4);
const ONLY = env.FUZZ_ONLY ? new RegExp(env.FUZZ_ONLY) : undefined;
/** Different failures looked for per route after the first (each one shrunk). */
const MAX_PER_ROUTE = Number(env.FUZZ_MAX_PER_ROUTE || 5);
/** Requests spent shrinking one failure at most. */
const SHRINK_BUDGET = Number(env.FUZZ_SHRINK_BUDGET || 150);
/** A state is made again after this many requests (and whenever a request used it up). */
const REFRESH_AFTER = 100;

const STACK = /at [\w.<>]+ \(|node:internal|\.ts:\d+:\d+/;
/**
 * What a body over the limit may get instead of 413: the gates in front of the parser (sign-in, API client, id), and
 * Node's own refusal of a request line or headers too long (414, 431).
 */
// 415: a compressed body, or one of another type than the route takes, is refused before it is read (web/forms.ts).
const BEFORE_PARSER = new Set([301, 302, 303, 307, 401, 403, 404, 413, 414, 415, 429, 431]);

type Problem = {
  kind: '5xx' | 'stack' | 'log' | 'oversize' | 'no answer' | 'uncaught';
  status: number;
  detail: string;
};

type Outcome = { wire: Wire; answer: Answer; problems: Problem[]; lines: LogLine[]; ctx: Ctx };

class FuzzError extends Error {
  readonly outcome: Outcome;
  constructor(outcome: Outcome) {
    super(outcome.problems.map((p) => `${p.kind} (${p.status}): ${p.detail}`).join('; '));
    this.outcome = outcome;
  }
}

type Failure = {
  target: Target;
  outcome: Outcome;
  input?: Input;
  seed?: number;
  path?: string;
  shrinks?: number;
  note?: string;
};

/** A stable name for a problem, to tell a new failure from one already found (numbers and ids left out). */
const problemKey = (t: Target, p: Problem) =>
  `${t.id} | ${p.kind} | ${p.status >= 500 ? p.status : ''} | ${p.detail.replace(/[0-9a-f-]{8,}|\d+/gi, '#').slice(0, 160)}`;

/** fast-check seeds per route, from the run's seed, so one route replays alone (FUZZ_ONLY) as in the full run. */
function seedFor(id: string, round: number): number {
  let h = (SEED ^ (round * 0x9e3779b1)) >>> 0;
  for (const ch of id) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h | 0;
}

function logKey(l: LogLine): string {
  return [l.msg, l.errMessage].filter(Boolean).join(': ') || l.text.slice(0, 200);
}

function describeWire(w: Wire): string {
  const headers = w.headers
    .filter(([k]) => k !== 'x-request-id' && k !== 'x-forwarded-for' && k !== 'accept')
    .map(
      ([k, v]) =>
        `${k}: ${k === 'cookie' && !/[^\w.=; -]/.test(v) && v.length < 400 ? v.replace(/=[^;]*/g, '=…') : show(v, 200)}`,
    );
  const text = w.body?.toString('utf8');
  const binary = w.body && !Buffer.from(text!, 'utf8').equals(w.body);
  const body = w.body
    ? `${w.body.length} bytes${w.chunked ? ', chunked' : ''}${binary ? ' (not UTF-8; base64)' : ''}: ${show(binary ? w.body.toString('base64') : text, 400)}`
    : 'none';
  return [
    `     sent:    ${w.method} ${show(w.target, 400)}${w.raw ? ' (written by hand: bytes a client refuses)' : ''}`,
    `     headers: ${headers.join(' | ') || '(only the state’s own)'}`,
    `     body:    ${body}`,
  ].join('\n');
}

function describeFailure(f: Failure, i: number, brief = false): string {
  const { target: t, outcome: o } = f;
  const lines = [
    `${i}) ${t.id}  [${t.source}, from state "${o.ctx.kind}"] → ${o.answer.status || o.answer.transportError}`,
    ...(brief ? [] : o.problems.map((p) => `     problem: ${p.kind}: ${p.detail}`)),
    describeWire(o.wire),
    ...(brief ? [] : [`     answer:  ${o.answer.status} ${show(o.answer.body.slice(0, 300), 300)}`]),
    ...o.lines.map((l) => `     error log: ${brief ? show(l.text, 160) : l.text.slice(0, 1500)}`),
  ];
  if (f.input)
    lines.push(`     input${f.shrinks !== undefined ? ` (shrunk ${f.shrinks} times)` : ''}: ${show(f.input, 1500)}`);
  if (f.seed !== undefined)
    lines.push(
      `     replay:  FUZZ_SEED=${SEED} FUZZ_ONLY='^${t.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$' (fast-check seed ${f.seed}, path ${f.path})`,
    );
  if (f.note) lines.push(`     note:    ${f.note}`);
  return lines.join('\n');
}

describe(`fuzz: malformed requests to every route and form (${storageMode})`, () => {
  const logs = new LogCapture();
  let server: TestServer;
  let world: World;
  let client: Client;
  const gate = new Gate();

  before(async () => {
    // Before the server makes its logger: pino then writes to process.stdout, where the capture reads it.
    logs.start();
    server = await startTestServer({ LOG_LEVEL: 'error', TRUST_PROXY: 'true' });
    world = new World(server);
    client = new Client('127.0.0.1', server.port);
  });
  after(async () => {
    client?.close();
    await server?.close();
    logs.stop();
  });

  it('captures the server’s error-level log lines', () => {
    const log = server.services.log as unknown as Record<symbol, unknown>;
    assert.equal(log[pino.symbols.streamSym], process.stdout, 'pino writes to process.stdout');
    const before = logs.count;
    server.services.log.error({ reqId: 'fuzz-self-test' }, 'fuzz: log capture self-test');
    const seen = logs.errorsSince(before);
    assert.equal(seen.length, 1, 'the error line was captured');
    assert.equal(seen[0]!.level, ERROR_LEVEL);
    seen[0]!.claimed = true;
  });

  it('answers every route without a 5xx, a stack trace or an error log line', async (t) => {
    const started = performance.now();
    await world.prepare();
    const { targets: all, unknown } = await allTargets(world);
    const targets = all.filter((x) => !ONLY || ONLY.test(x.id));
    assert.ok(targets.length > 0, `FUZZ_ONLY=${env.FUZZ_ONLY} matches no route`);
    const totalWeight = targets.reduce((n, x) => n + x.weight, 0);
    const budget = new Map(targets.map((x) => [x.id, Math.max(10, Math.ceil((RUNS * x.weight) / totalWeight))]));
    console.log(
      `fuzz: seed ${SEED}, ${[...budget.values()].reduce((a, b) => a + b, 0)} requests planned over ${targets.length} routes, ${CONCURRENCY} at a time (${storageMode})`,
    );

    const cookieNames = new Set<string>(['csrf', 'csrf.sig', '_interaction', '_interaction.sig', '_session']);
    const failures: Failure[] = [];
    const sent = new Map<string, { target: Target; wire: Wire; ctx: Ctx }>();
    const contexts = new Map<string, Ctx>();
    // An exception nothing caught, in the server (it runs in this process): in production it ends the process. The
    // requests in flight when it came (or answered just before) are the suspects; one that throws it again when sent
    // alone is its cause (checked after each answer, and at the end for the exceptions that came later).
    type Recent = { target: Target; input: Input; ctx: Ctx; wire: Wire; ended: number };
    const recent: Recent[] = [];
    type Crash = { error: Error; suspects: Recent[]; claimed: boolean };
    const uncaught: Crash[] = [];
    let replaying = false;
    /** `route message` of the exceptions tied to a request already. */
    const explained = new Set<string>();
    let thrownAlone: Error[] = [];
    const monitor = (error: Error) => {
      if (replaying) {
        thrownAlone.push(error);
        return;
      }
      const now = performance.now();
      // The most recently answered first: an exception after the answer is the likelier case.
      const suspects = recent
        .filter((x) => x.ended === 0 || now - x.ended < 500)
        .sort((a, b) => (b.ended || Number.MAX_VALUE) - (a.ended || Number.MAX_VALUE));
      uncaught.push({ error, suspects, claimed: false });
    };
    const crashDetail = (e: Error) =>
      `uncaught exception: ${e.message} (${e.stack?.split('\n').slice(1, 4).join(' | ').trim()})`;
    /**
     * Sends a request again while nothing else runs (after `settleMs`, for what earlier requests left running to end);
     * what it logged at the error level, and what it threw.
     */
    const alone = (target: Target, input: Input, ctx: Ctx, waitMs: number, settleMs = 0) =>
      gate.exclusive(async () => {
        if (settleMs) await new Promise((res) => setTimeout(res, settleMs));
        const from = logs.count;
        thrownAlone = [];
        replaying = true;
        try {
          const rr = await render(target, input, ctx, world);
          const answer = await client.send(rr.wire);
          await new Promise((res) => setTimeout(res, waitMs));
          return {
            answer,
            wire: rr.wire,
            lines: logs.errorsSince(from).filter((l) => !l.claimed),
            thrown: thrownAlone,
          };
        } finally {
          replaying = false;
        }
      });
    process.on('uncaughtExceptionMonitor', monitor);
    const made = new Map<string, number>();
    const timing = new Map<string, { n: number; ms: number; statuses: Map<number, number> }>();
    let setupMs = 0;
    const retried: string[] = [];
    const phase = { render: 0, send: 0, logs: 0, gap: 0, context: 0 };
    let fuzzRequests = 0;
    const replays = { logs: 0, crashes: 0 };

    async function contextFor(target: Target): Promise<Ctx> {
      let ctx = contexts.get(target.id);
      if (!ctx || ctx.stale || ctx.uses >= (ctx.kind === 'anon' ? 400 : REFRESH_AFTER)) {
        const from = performance.now();
        try {
          ctx = await gate.shared(() => world.make(target.ctx));
        } catch (err) {
          world.setupProblems.push({
            what: `making the state "${target.ctx}" for ${target.id}: ${(err as Error).message}`,
            status: 0,
            url: '',
            body: '',
          });
          ctx = await gate.shared(() => world.anon());
        }
        made.set(target.ctx, (made.get(target.ctx) ?? 0) + 1);
        setupMs += performance.now() - from;
        for (const name of ctx.agent.cookies.keys()) cookieNames.add(name);
        contexts.set(target.id, ctx);
      }
      ctx.uses++;
      return ctx;
    }

    function problemsOf(target: Target, answer: Answer, expect413: boolean, lines: LogLine[]): Problem[] {
      const problems: Problem[] = [];
      if (answer.status === 0)
        problems.push({ kind: 'no answer', status: 0, detail: answer.transportError ?? 'no answer' });
      if (answer.status >= 500)
        problems.push({ kind: '5xx', status: answer.status, detail: `status ${answer.status}` });
      const stack = STACK.exec(answer.body);
      if (stack && !/\.(css|js)$/.test(target.path))
        problems.push({ kind: 'stack', status: answer.status, detail: `body shows ${show(stack[0])}` });
      if (expect413 && answer.status !== 0 && !BEFORE_PARSER.has(answer.status))
        problems.push({
          kind: 'oversize',
          status: answer.status,
          detail: `a body over the limit (${target.limit} bytes) got ${answer.status}, not 413`,
        });
      for (const l of lines) problems.push({ kind: 'log', status: answer.status, detail: logKey(l) });
      return problems;
    }

    /** One request: made from the input in the route's state, sent, checked. */
    async function attempt(target: Target, input: Input): Promise<Outcome> {
      let mark = performance.now();
      const lap = (k: keyof typeof phase) => {
        const now = performance.now();
        phase[k] += now - mark;
        mark = now;
      };
      const ctx = await contextFor(target);
      lap('context');
      const r = await render(target, input, ctx, world);
      lap('render');
      // Kept to name the request of a late log line (the body cut short: a long run sends gigabytes).
      if (r.requestId)
        sent.set(r.requestId, { target, wire: { ...r.wire, body: r.wire.body?.subarray(0, 2048) }, ctx });
      const recentOne: Recent = { target, input, ctx, wire: r.wire, ended: 0 };
      recent.push(recentOne);
      if (recent.length > 64) recent.shift();
      const answer = await gate.shared(() => client.send(r.wire));
      recentOne.ended = performance.now();
      if (answer.retried) retried.push(`${target.id}: ${answer.retried}`);
      lap('send');
      fuzzRequests++;
      // Used up? (a sign-in finished or declined, a draft submitted, a hand-off bound, signed out …)
      const redirect = answer.status >= 300 && answer.status < 400;
      const location = String(answer.headers.location ?? '');
      const ownCookies = !input.headers.some((h) => h.name === 'cookie');
      if (!ownCookies || ctx.kind === 'anon') {
        // Sent without the state's cookies: nothing of the state was used.
      } else if (ctx.kind.startsWith('account') || ctx.kind === 'roster-account') {
        if (/\/account\/sign-in/.test(location) || (redirect && target.path === '/account/sign-out')) ctx.stale = true;
      } else if (redirect && (r.wire.method !== 'GET' || target.consumesOnGet)) ctx.stale = true;
      // A registration access token is rotated by every successful read or update (rotateRegistrationAccessToken).
      else if (ctx.kind === 'reg' && answer.status < 300) ctx.stale = true;
      const stat = timing.get(target.id) ?? { n: 0, ms: 0, statuses: new Map<number, number>() };
      stat.n++;
      stat.statuses.set(answer.status, (stat.statuses.get(answer.status) ?? 0) + 1);
      stat.ms += answer.ended - answer.started;
      timing.set(target.id, stat);

      // Error lines: this request's (by X-Request-Id); or lines naming no request (oidc-provider's server_error), or a
      // request id the server made up (when a fuzzed X-Request-Id replaced ours), written while this one ran —
      // this request's only if they come again when it is sent alone.
      let lines = logs.lines.filter(
        (l) => l.level >= ERROR_LEVEL && !l.claimed && r.requestId && l.reqId === r.requestId,
      );
      const orphans = logs.lines.filter(
        (l) =>
          l.level >= ERROR_LEVEL &&
          !l.claimed &&
          (l.reqId === undefined || (!r.requestId && !l.reqId.startsWith('fz-'))) &&
          l.at >= answer.started &&
          l.at <= answer.ended,
      );
      if (orphans.length && !lines.length) {
        const again = await alone(target, input, ctx, 20);
        replays.logs++;
        if (again.lines.length) {
          lines = again.lines;
          for (const l of orphans) l.claimed = true;
        } else for (const l of again.lines) l.claimed = true;
      }
      // An exception nothing caught, while this request was in flight or just after: this request's if it throws
      // again when sent alone.
      // (An abandoned body stream fails a few milliseconds after the answer: a compressed body, an early 413.)
      const early = answer.status === 413 || r.wire.headers.some(([k]) => k === 'content-encoding');
      if (early) await new Promise((res) => setTimeout(res, 15));
      else await new Promise((res) => setImmediate(res));
      // (Only the two requests answered last before it check here; the rest are left to the check at the end.)
      const crashes = uncaught.filter((c) => !c.claimed && c.suspects.slice(0, 2).includes(recentOne));
      let crash: Problem | undefined;
      if (crashes.length) {
        const again = await alone(target, input, ctx, 150, 50);
        replays.crashes++;
        for (const l of again.lines) l.claimed = true;
        if (again.thrown.some((e) => e.message === crashes[0]!.error.message)) {
          for (const c of crashes) c.claimed = true;
          explained.add(`${target.id} ${crashes[0]!.error.message}`);
          crash = { kind: 'uncaught', status: answer.status, detail: crashDetail(crashes[0]!.error) };
        }
      }
      for (const l of lines) l.claimed = true;
      lap('logs');
      const problems = problemsOf(target, answer, r.expect413, lines);
      if (crash) problems.push(crash);
      return { wire: r.wire, answer, problems, lines, ctx };
    }

    async function fuzzTarget(target: Target): Promise<void> {
      const known = new Set<string>();
      let remaining = budget.get(target.id)!;
      for (let round = 0; remaining > 0 && round <= MAX_PER_ROUTE; round++) {
        let failing = false;
        let shrinkCalls = 0;
        const seed = seedFor(target.id, round);
        let last = performance.now();
        const property = fc.asyncProperty(inputArb(target, world, [...cookieNames]), async (input) => {
          phase.gap += performance.now() - last;
          if (failing && ++shrinkCalls > SHRINK_BUDGET) return true;
          const outcome = await attempt(target, input);
          last = performance.now();
          if (outcome.problems.some((p) => !known.has(problemKey(target, p)))) {
            failing = true;
            throw new FuzzError(outcome);
          }
          return true;
        });
        const details = await fc.check(property, { seed, numRuns: remaining });
        remaining -= details.numRuns;
        if (!details.failed) return;
        const error = details.errorInstance;
        if (!(error instanceof FuzzError)) {
          failures.push({
            target,
            outcome: {
              wire: { method: target.method, target: target.path, headers: [] },
              answer: { status: 0, headers: {}, body: '', started: 0, ended: 0 },
              problems: [{ kind: 'no answer', status: 0, detail: `the suite failed: ${String(error)}` }],
              lines: [],
              ctx: { kind: target.ctx } as Ctx,
            },
            input: details.counterexample?.[0],
            seed,
            path: details.counterexamplePath ?? undefined,
          });
          return;
        }
        failures.push({
          target,
          outcome: error.outcome,
          input: details.counterexample?.[0],
          seed,
          path: details.counterexamplePath ?? undefined,
          shrinks: details.numShrinks,
        });
        for (const p of error.outcome.problems) known.add(problemKey(target, p));
      }
    }

    // Heaviest first, so the workers finish together.
    const queue = [...targets].sort((a, b) => b.weight - a.weight);
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) await fuzzTarget(next);
      }),
    );
    await new Promise((res) => setTimeout(res, 200));

    // Exceptions no request was tied to yet (they came later than the check after the answer): each one's suspects
    // sent again alone until one throws again (one per route and message is enough).
    for (const crash of uncaught.filter((c) => !c.claimed)) {
      if (crash.suspects.some((x) => explained.has(`${x.target.id} ${crash.error.message}`))) continue;
      let found = false;
      for (const suspect of crash.suspects) {
        const again = await alone(suspect.target, suspect.input, suspect.ctx, 150, 50);
        replays.crashes++;
        for (const l of again.lines) l.claimed = true;
        if (!again.thrown.some((e) => e.message === crash.error.message)) continue;
        explained.add(`${suspect.target.id} ${crash.error.message}`);
        found = true;
        failures.push({
          target: suspect.target,
          outcome: {
            wire: again.wire,
            answer: again.answer,
            problems: [{ kind: 'uncaught', status: again.answer.status, detail: crashDetail(crash.error) }],
            lines: [],
            ctx: suspect.ctx,
          },
          input: suspect.input,
          note: 'sent again alone, it threw again; not shrunk',
        });
        break;
      }
      if (!found)
        failures.push({
          target: crash.suspects[0]?.target ?? ({ id: '(no request in flight)', source: 'ours' } as Target),
          outcome: {
            wire: crash.suspects[0]?.wire ?? { method: '', target: '', headers: [] },
            answer: { status: 0, headers: {}, body: '', started: 0, ended: 0 },
            problems: [{ kind: 'uncaught', status: 0, detail: crashDetail(crash.error) }],
            lines: [],
            ctx: crash.suspects[0]?.ctx ?? ({ kind: 'anon' } as Ctx),
          },
          note: `not reproduced alone; requests in flight then (the last answered first): ${
            crash.suspects
              .slice(0, 5)
              .map((x) => `${x.target.id} ${show(x.input, 300)}`)
              .join(' ;; ') || 'none'
          }`,
        });
    }
    // Replayed suspects may have thrown again: those are not new.
    await new Promise((res) => setTimeout(res, 100));
    uncaught.length = 0;
    process.off('uncaughtExceptionMonitor', monitor);

    // Error lines nobody claimed: written after their request's answer, or by setup and background work.
    const late: LogLine[] = [];
    for (const l of logs.errors()) {
      if (l.claimed) continue;
      const from = l.reqId ? sent.get(l.reqId) : undefined;
      if (from) {
        failures.push({
          target: from.target,
          outcome: {
            wire: from.wire,
            answer: { status: 0, headers: {}, body: '(answered before the line was written)', started: 0, ended: 0 },
            problems: [{ kind: 'log', status: 0, detail: logKey(l) }],
            lines: [l],
            ctx: from.ctx,
          },
          note: 'the line was written after the answer; not shrunk',
        });
      } else late.push(l);
      l.claimed = true;
    }

    const seconds = (performance.now() - started) / 1000;
    const summary = [
      `seed ${SEED}; ${fuzzRequests} fuzzed requests (+${replays.logs + replays.crashes} sent again alone to tie a log line or an exception to it, ${world.setupRequests} setup requests) over ${targets.length} routes in ${seconds.toFixed(1)} s (${storageMode})`,
      `routes: ${targets.filter((x) => x.source === 'ours').length} ours, ${targets.filter((x) => x.source === 'oidc-provider').length} oidc-provider, and made-up paths`,
    ];
    summary.push(
      `states made: ${[...made].map(([k, n]) => `${k} ${n}`).join(', ')} (${(setupMs / 1000).toFixed(1)} s of the workers' time)`,
    );
    if (env.FUZZ_VERBOSE)
      for (const [id, x] of timing)
        summary.push(
          `${id}: ${[...x.statuses]
            .sort((a, b) => b[1] - a[1])
            .map(([st, n]) => `${st}×${n}`)
            .join(' ')}`,
        );
    if (retried.length)
      summary.push(
        `sent again on a new connection after a kept-alive one failed: ${retried.length}: ${retried.slice(0, 5).join('; ')}`,
      );
    if (env.FUZZ_VERBOSE) {
      const phases = Object.entries(phase).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`);
      summary.push(`time per phase, all workers together (s): ${phases.join(', ')}`);
      summary.push(`sent again alone: ${replays.logs} for log lines, ${replays.crashes} for exceptions`);
      const slowest = [...timing]
        .map(([id, x]) => ({ id, n: x.n, avg: x.ms / x.n, total: x.ms }))
        .sort((a, b) => b.total - a.total)
        .slice(0, 8);
      summary.push(`most time: ${slowest.map((x) => `${x.id} ${x.n}× ${x.avg.toFixed(0)} ms`).join(', ')}`);
    }
    if (unknown.length) summary.push(`routes with no entry in KNOWN (fuzzed with defaults): ${unknown.join(', ')}`);
    for (const line of summary) t.diagnostic(line);
    console.log(`fuzz: ${summary.join('\nfuzz: ')}`);

    // The same problem on several routes (say, one body parser's error) is told once, with every route it was on.
    const groups = new Map<string, Failure[]>();
    for (const f of failures) {
      const key = f.outcome.problems
        .map((p) =>
          p.kind === 'log'
            ? `error log: ${p.detail.replace(/[0-9a-f-]{8,}|\d+/gi, '#')}`
            : p.kind === '5xx' || p.kind === 'uncaught'
              ? p.detail
              : `${p.kind}: ${f.target.id}: ${p.detail}`,
        )
        .sort()
        .join(' + ');
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    const report: string[] = [];
    for (const [key, members] of groups) {
      const routes = [...new Set(members.map((m) => m.target.id))];
      const lines = [`${report.length + 1}) ${key}\n   on ${routes.length} route(s): ${routes.join(', ')}`];
      lines.push(describeFailure(members[0]!, 1));
      for (const [i, m] of members.slice(1).entries()) lines.push(describeFailure(m, i + 2, true));
      report.push(lines.join('\n'));
    }
    if (late.length)
      report.push(
        `${report.length + 1}) error-level log lines tied to no fuzzed request (setup or background work):\n${late
          .map((l) => `     ${l.text.slice(0, 1500)}`)
          .join('\n')}`,
      );
    for (const p of world.setupProblems)
      report.push(`${report.length + 1}) ${p.what} ${p.url} → ${p.status}: ${show(p.body, 300)}`);
    assert.ok(
      ONLY || report.length || fuzzRequests >= RUNS,
      `only ${fuzzRequests} requests were sent (budget ${RUNS})`,
    );
    if (report.length)
      assert.fail(
        `${report.length} problem(s) found by fuzzing (seed ${SEED}, ${fuzzRequests} requests):\n\n${report.join('\n\n')}\n`,
      );
  });
});
