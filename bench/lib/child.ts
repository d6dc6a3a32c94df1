// Runs a server under test in a child process, so the load generator (this process) never shares its event loop.
// The child reports `{ type: 'ready', ... }` over IPC, answers requests `{ id, type, ... }` and exits on `stop`.
import { type ChildProcess, fork } from 'node:child_process';
import readline from 'node:readline';

export type ChildServer<Info> = {
  info: Info;
  pid: number;
  /** Sends a request to the child and waits for the reply with the same id. */
  ask<T>(type: string, body?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
  /** kill -9: the process ends at once, in the middle of whatever it was doing. */
  kill(): Promise<void>;
};

type Message = { id?: number; type: string; error?: string } & Record<string, unknown>;

/** Library notices a bare provider prints about its development defaults are noise in a benchmark's output. */
const NOISE = /^oidc-provider (WARNING|NOTICE)|^\s*$/;

export async function startChild<Info>(
  entry: string,
  env: Record<string, string | undefined>,
  execArgv: string[] = [],
): Promise<ChildServer<Info>> {
  const child: ChildProcess = fork(entry, [], {
    env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    execArgv: ['--disable-warning=ExperimentalWarning', ...execArgv],
    // Logs go nowhere (as to a log file), but a server still pays for writing them.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    if (!NOISE.test(line)) process.stderr.write(`  [server] ${line}\n`);
  });
  const pending = new Map<number, { resolve(m: Message): void; reject(e: Error): void }>();
  let nextId = 1;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      for (const p of pending.values()) p.reject(new Error(`server process exited (${code})`));
      resolve(code);
    }),
  );
  const ready = new Promise<Message>((resolve, reject) => {
    child.on('message', (m: Message) => {
      if (m.type === 'ready') resolve(m);
      else if (m.type === 'failed') reject(new Error(`server failed to start: ${m.error}`));
      else if (m.id && pending.has(m.id)) {
        const p = pending.get(m.id)!;
        pending.delete(m.id);
        if (m.error) p.reject(new Error(m.error));
        else p.resolve(m);
      }
    });
    void exited.then((code) => reject(new Error(`server process exited before it was ready (${code})`)));
  });
  const info = (await ready) as unknown as Info;
  return {
    info,
    pid: child.pid!,
    ask<T>(type: string, body: Record<string, unknown> = {}, timeoutMs = 600_000) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${type}: no answer in ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m as unknown as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ id, type, ...body });
      });
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The child side: answers requests with `handlers`, reports a thrown error as `{ error }`, stops on `stop`. */
export function serveParent(
  handlers: Record<string, (m: Message) => Promise<Record<string, unknown>>>,
  stop: () => Promise<void>,
) {
  process.on('message', (m: Message) => {
    if (m.type === 'stop') {
      void stop().finally(() => process.exit(0));
      return;
    }
    const handler = handlers[m.type];
    void (handler ? handler(m) : Promise.reject(new Error(`unknown request ${m.type}`)))
      .then((reply) => process.send!({ id: m.id, type: 'reply', ...reply }))
      .catch((err: Error) => process.send!({ id: m.id, type: 'reply', error: err.message }));
  });
  // The parent going away (Ctrl-C, a crash) ends the child too.
  process.on('disconnect', () => void stop().finally(() => process.exit(0)));
}
