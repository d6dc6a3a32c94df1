// A small HTTP client for the fuzz suite: it sends exactly the bytes it is given (malformed percent-encodings in
// the path, duplicated headers, any body under any content type, chunked or not), which fetch would normalise or
// refuse. Requests a Node client refuses outright (a NUL or a line break inside a header) go over a socket by hand.
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export type Wire = {
  method: string;
  /** The request target as sent: path and query, already encoded (possibly malformed on purpose). */
  target: string;
  headers: [string, string][];
  body?: Buffer;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
  /** Write the request to a socket by hand (bytes Node's client refuses). */
  raw?: boolean;
};

export type Answer = {
  /** 0: no HTTP answer at all. */
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  started: number;
  ended: number;
  transportError?: string;
  /** Sent again on a connection of its own, after this error. */
  retried?: string;
};

const MAX_BODY = 4 * 1024 * 1024;
/** The last request sent on each kept-alive connection (named when the next one fails). */
const lastOn = new WeakMap<object, string>();

export class Client {
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  readonly host: string;
  readonly port: number;
  requests = 0;

  constructor(host: string, port: number) {
    this.host = host;
    this.port = port;
  }

  close(): void {
    this.#agent.destroy();
  }

  async send(w: Wire, timeoutMs = 30_000): Promise<Answer> {
    this.requests++;
    if (w.raw) return this.#sendRaw(w, timeoutMs);
    const answer = await this.#send(w, timeoutMs);
    // A kept-alive connection the server had closed, or an answer (413) sent before the whole body was written:
    // once more on a connection of its own, reading whatever the server answers.
    if (answer.status === 0 && /ECONNRESET|EPIPE|socket hang up/.test(answer.transportError ?? '')) {
      const again = await this.#sendRaw(w, timeoutMs);
      return {
        ...again,
        started: answer.started,
        retried: `${answer.transportError} after ${(answer.ended - answer.started).toFixed(0)} ms`,
      };
    }
    return answer;
  }

  #send(w: Wire, timeoutMs: number): Promise<Answer> {
    const started = performance.now();
    return new Promise<Answer>((resolve) => {
      let settled = false;
      const done = (a: Omit<Answer, 'started' | 'ended'>) => {
        if (settled) return;
        settled = true;
        resolve({ ...a, started, ended: performance.now() });
      };
      const flat: string[] = [];
      const names = new Set(w.headers.map(([k]) => k.toLowerCase()));
      if (!names.has('host')) flat.push('host', `${this.host}:${this.port}`);
      for (const [k, v] of w.headers) flat.push(k, v);
      if (w.body && !w.chunked && !names.has('content-length')) flat.push('content-length', String(w.body.length));
      if (w.chunked) flat.push('transfer-encoding', 'chunked');
      // A large body goes on a connection of its own: after an early answer (413) to a large chunked body the server
      // leaves the rest unread, and the next request on that kept-alive connection waits ~6 s for a reset.
      const alone = (w.body?.length ?? 0) > 64 * 1024;
      if (alone && !names.has('connection')) flat.push('connection', 'close');
      let req: http.ClientRequest;
      try {
        req = http.request({
          host: this.host,
          port: this.port,
          method: w.method,
          path: w.target,
          headers: flat,
          agent: alone ? false : this.#agent,
          setHost: false,
        });
      } catch (err) {
        done({ status: 0, headers: {}, body: '', transportError: `client refused: ${(err as Error).message}` });
        return;
      }
      let prev = '';
      req.on('socket', (sock) => {
        prev = lastOn.get(sock) ?? 'a new connection';
        lastOn.set(
          sock,
          `${w.method} ${w.target.slice(0, 80)}, ${w.body?.length ?? 0} bytes${w.chunked ? ' chunked' : ''}`,
        );
      });
      const timer = setTimeout(() => {
        done({ status: 0, headers: {}, body: '', transportError: `no answer within ${timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_BODY) chunks.push(c);
        });
        const finish = () => {
          clearTimeout(timer);
          done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        };
        res.on('end', finish);
        res.on('error', finish);
        res.on('close', finish);
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        const code = (err as NodeJS.ErrnoException).code ?? err.message;
        done({
          status: 0,
          headers: {},
          body: '',
          transportError: `${code} (the connection's previous request: ${prev})`,
        });
      });
      if (w.body && w.chunked) {
        // A few chunks, so the server sees a body of unknown length arrive in pieces.
        const step = Math.max(1, Math.ceil(w.body.length / 4));
        for (let i = 0; i < w.body.length; i += step) req.write(w.body.subarray(i, i + step));
        req.end();
      } else req.end(w.body);
    });
  }

  #sendRaw(w: Wire, timeoutMs: number): Promise<Answer> {
    const started = performance.now();
    return new Promise<Answer>((resolve) => {
      const socket = net.connect(this.port, this.host);
      const chunks: Buffer[] = [];
      let settled = false;
      const finish = (transportError?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        const text = Buffer.concat(chunks).toString('latin1');
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
        const split = text.indexOf('\r\n\r\n');
        resolve({
          status: m ? Number(m[1]) : 0,
          headers: {},
          body: split >= 0 ? Buffer.from(text.slice(split + 4), 'latin1').toString('utf8') : '',
          started,
          ended: performance.now(),
          transportError: m ? undefined : (transportError ?? 'connection closed without an answer'),
        });
      };
      const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => finish());
      socket.on('close', () => finish());
      socket.on('error', (err) => finish((err as NodeJS.ErrnoException).code ?? err.message));
      const body = w.body ?? Buffer.alloc(0);
      const head = [
        `${w.method} ${w.target} HTTP/1.1`,
        `host: ${this.host}:${this.port}`,
        ...w.headers.filter(([k]) => !/^(host|connection|content-length)$/i.test(k)).map(([k, v]) => `${k}: ${v}`),
        'connection: close',
        w.chunked ? 'transfer-encoding: chunked' : `content-length: ${body.length}`,
        '',
        '',
      ].join('\r\n');
      const payload = w.chunked
        ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')])
        : body;
      socket.write(Buffer.concat([Buffer.from(head, 'latin1'), payload]), () => {});
    });
  }
}

/**
 * Many requests at once (shared), or one alone (exclusive): an error log line that names no request is tied to
 * the request that wrote it by sending that request again while nothing else runs.
 */
export class Gate {
  #active = 0;
  #exclusive = false;
  #waiters: (() => void)[] = [];

  #wake() {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  #wait(): Promise<void> {
    return new Promise<void>((r) => this.#waiters.push(r));
  }

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    // Checked and taken in one step (no await between), so an exclusive turn cannot slip in between.
    while (this.#exclusive) await this.#wait();
    this.#active++;
    try {
      return await fn();
    } finally {
      this.#active--;
      this.#wake();
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#exclusive) await this.#wait();
    this.#exclusive = true;
    try {
      while (this.#active > 0) await this.#wait();
      return await fn();
    } finally {
      this.#exclusive = false;
      this.#wake();
    }
  }
}
