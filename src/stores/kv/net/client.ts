/**
 * A TypeScript client of the KV store over RESP (raw sockets, no dependency): retries across the
 * cluster's nodes with a deadline, finds the leader (so requests skip the follower hop), and names
 * every write with a (session, seq) pair so that a write retried after a timeout or a dropped
 * connection applies once.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { encodeCommand } from '../../../resp/encoder.js';
import { RespError } from '../../../resp/errors.js';
import { SimpleString } from '../../../resp/reply.js';
import { type ParsedReply, ReplyParser } from '../../../resp/reply-parser.js';
import type { KvRequest, KvResult } from '../commands.js';

/** A RESP address of a KV node. */
export interface KvEndpoint {
  readonly host: string;
  readonly port: number;
}

/** Options of {@link KvClient}. */
export interface KvClientOptions {
  /** RESP addresses of the cluster's nodes (any subset works: followers forward). */
  readonly endpoints: readonly KvEndpoint[];
  /** One attempt (one node) gives up after this long, in ms. Default 2,000. */
  readonly attemptTimeoutMs?: number;
  /** An operation gives up after this long in total, in ms. Default 10,000. */
  readonly deadlineMs?: number;
  /** Session name (unique per client). Default: random. */
  readonly session?: string;
}

/** Why an operation failed. `indeterminate`: a write that may or may not have taken effect (the
 *  deadline passed with no answer); otherwise the operation definitely had no effect. */
export class KvClientError extends Error {
  override readonly name = 'KvClientError';
  constructor(
    message: string,
    readonly indeterminate: boolean,
    /** The RESP error code when the server refused (ERR, NOLEASE, COMPACTED…). */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Error codes after which another attempt (same session and seq) is safe and may succeed. */
const RETRYABLE = new Set(['NOTLEADER', 'NOQUORUM', 'TIMEOUT', 'CLOSED']);

/** One RESP connection: requests pipelined, replies matched in order. */
class Connection {
  readonly socket: Socket;
  readonly #parser = new ReplyParser();
  readonly #waiting: { resolve: (r: ParsedReply) => void; reject: (e: Error) => void }[] = [];
  closed = false;

  constructor(endpoint: KvEndpoint) {
    this.socket = connect(endpoint.port, endpoint.host);
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk) => {
      this.#parser.push(chunk);
      for (;;) {
        let reply: ParsedReply | undefined;
        try {
          reply = this.#parser.next();
        } catch (error) {
          this.#fail(error as Error);
          return;
        }
        if (reply === undefined) return;
        this.#waiting.shift()?.resolve(reply);
      }
    });
    this.socket.on('error', (e) => this.#fail(e));
    this.socket.on('close', () => this.#fail(new Error('connection closed')));
  }

  send(commands: readonly (readonly (string | Uint8Array)[])[]): Promise<ParsedReply>[] {
    if (this.closed) return commands.map(() => Promise.reject(new Error('connection closed')));
    const out = commands.map(
      () =>
        new Promise<ParsedReply>((resolve, reject) => {
          this.#waiting.push({ resolve, reject });
        }),
    );
    this.socket.write(Buffer.concat(commands.map((c) => encodeCommand(c))));
    return out;
  }

  close(): void {
    this.#fail(new Error('connection closed by the client'));
  }

  #fail(error: Error): void {
    if (!this.closed) {
      this.closed = true;
      this.socket.destroy();
    }
    for (const w of this.#waiting.splice(0)) w.reject(error);
  }
}

/**
 * ```ts
 * const kv = new KvClient({ endpoints: [{ host: '127.0.0.1', port: 7001 }, …] });
 * await kv.set('greeting', 'hello');
 * await kv.cas('greeting', 'hello', 'bonjour'); // true
 * kv.close();
 * ```
 * Operations of one client run one at a time, in call order (the session numbers its writes);
 * use several clients for concurrency.
 */
export class KvClient {
  readonly #endpoints: readonly KvEndpoint[];
  readonly #attemptMs: number;
  readonly #deadlineMs: number;
  readonly session: string;
  #seq = 0;
  #current = 0;
  #conn: Connection | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #leaderChecked = false;
  #closed = false;

  constructor(options: KvClientOptions) {
    if (options.endpoints.length === 0)
      throw new TypeError('KvClient: endpoints must not be empty');
    this.#endpoints = [...options.endpoints];
    this.#attemptMs = options.attemptTimeoutMs ?? 2_000;
    this.#deadlineMs = options.deadlineMs ?? 10_000;
    this.session = options.session ?? randomBytes(8).toString('hex');
    this.#current = Math.floor(Math.random() * this.#endpoints.length);
  }

  /** The value of `key`, or null. A linearisable read. */
  async get(key: string): Promise<string | null> {
    const r = await this.#read(['GET', key]);
    return r === null ? null : text(r);
  }

  /** Sets `key`; with `ifAbsent`/`ifPresent` (NX/XX) returns whether it was written; `ttlMs`
   *  attaches a TTL. */
  async set(
    key: string,
    value: string,
    options: { ifAbsent?: boolean; ifPresent?: boolean; ttlMs?: number } = {},
  ): Promise<boolean> {
    const args = ['SET', key, value];
    if (options.ifAbsent === true) args.push('NX');
    if (options.ifPresent === true) args.push('XX');
    if (options.ttlMs !== undefined) args.push('PX', String(options.ttlMs));
    return (await this.#write(args)) !== null;
  }

  /** Deletes keys; returns how many existed. */
  async del(...keys: string[]): Promise<number> {
    return Number(await this.#write(['DEL', ...keys]));
  }

  /** Adds `by` (default 1) to the integer at `key`; returns the new value. */
  async incr(key: string, by = 1): Promise<bigint> {
    return BigInt(String(await this.#write(['INCRBY', key, String(by)])));
  }

  /** Sets `key` to `value` if it holds `expected`; returns whether it did. */
  async cas(key: string, expected: string, value: string): Promise<boolean> {
    return (await this.#write(['CAS', key, expected, value])) === 1;
  }

  /** Sets `key` to `value` if its modRevision is `modRevision` (0: the key is absent). */
  async casRevision(key: string, modRevision: number, value: string): Promise<boolean> {
    return (await this.#write(['CASREV', key, String(modRevision), value])) === 1;
  }

  /** Keys `start <= key < end` ('' end: no bound) with their values, at most `limit`. */
  async range(start: string, end: string, limit?: number): Promise<[string, string][]> {
    const args = ['RANGE', start, end];
    if (limit !== undefined) args.push('LIMIT', String(limit));
    const flat = (await this.#read(args)) as ParsedReply[];
    const out: [string, string][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push([text(flat[i]), text(flat[i + 1])]);
    return out;
  }

  /** The leader as the node this client talks to sees it (CLUSTER LEADER), or null during an
   *  election. */
  async leader(): Promise<string | null> {
    const reply = await this.#read(['CLUSTER', 'LEADER']);
    return reply === null ? null : text(reply);
  }

  /** Runs one command or query as is (the RESP REQUEST command) and returns the store's result,
   *  store errors included as `error` results. Commands are session-numbered like every write,
   *  so a retried one applies once; queries are linearisable reads. */
  async request(request: KvRequest): Promise<KvResult> {
    const args = ['REQUEST', JSON.stringify(request)];
    const reply = request.kind === 'command' ? await this.#write(args) : await this.#read(args);
    return JSON.parse(text(reply)) as KvResult;
  }

  /** Closes the connection; later operations fail. */
  close(): void {
    this.#closed = true;
    this.#conn?.close();
  }

  #read(args: string[]): Promise<ParsedReply> {
    return this.#serial(() => this.#run([args], false));
  }

  #write(args: string[]): Promise<ParsedReply> {
    return this.#serial(() => {
      const seq = ++this.#seq;
      return this.#run([['SESSION', this.session, String(seq)], args], true);
    });
  }

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(op, op);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Sends `commands` (the last one's reply is the answer) until an answer or the deadline. */
  async #run(commands: string[][], isWrite: boolean): Promise<ParsedReply> {
    if (this.#closed) throw new KvClientError('client closed', false);
    const deadline = Date.now() + this.#deadlineMs;
    let lastProblem = 'no attempt';
    let sent = false;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (attempt > 0) await sleep(Math.min(25 * 2 ** Math.min(attempt, 5), 500));
      const conn = await this.#connection();
      const replies = conn.send(commands);
      sent = true;
      let reply: ParsedReply;
      try {
        const all = await withTimeout(
          Promise.all(replies),
          Math.min(this.#attemptMs, deadline - Date.now()),
        );
        reply = all[all.length - 1] as ParsedReply;
        const bind = all[0];
        if (isWrite && bind instanceof RespError)
          throw new KvClientError(bind.line, false, bind.code);
      } catch (error) {
        if (error instanceof KvClientError) throw error;
        lastProblem = (error as Error).message;
        this.#drop();
        continue;
      }
      if (reply instanceof RespError) {
        if (!RETRYABLE.has(reply.code)) throw new KvClientError(reply.line, false, reply.code);
        lastProblem = reply.line;
        const leader = /leader=(\S+)/.exec(reply.message)?.[1];
        this.#drop(leader);
        continue;
      }
      return reply;
    }
    throw new KvClientError(
      `no answer within ${this.#deadlineMs} ms (last problem: ${lastProblem})${isWrite && sent ? '; the write may or may not have taken effect' : ''}`,
      isWrite && sent,
    );
  }

  async #connection(): Promise<Connection> {
    if (this.#conn !== undefined && !this.#conn.closed) return this.#conn;
    if (!this.#leaderChecked) {
      this.#leaderChecked = true;
      await this.#findLeader();
    }
    const endpoint = this.#endpoints[this.#current % this.#endpoints.length] as KvEndpoint;
    this.#conn = new Connection(endpoint);
    return this.#conn;
  }

  /** Asks each node for its id and the leader's, and picks the leader's endpoint. Best effort. */
  async #findLeader(): Promise<void> {
    const ids = await Promise.all(
      this.#endpoints.map(async (endpoint) => {
        const conn = new Connection(endpoint);
        try {
          const [id, leader] = await withTimeout(
            Promise.all(
              conn.send([
                ['CLUSTER', 'MYID'],
                ['CLUSTER', 'LEADER'],
              ]),
            ),
            500,
          );
          return { id: text(id), leader: leader === null ? undefined : text(leader) };
        } catch {
          return undefined;
        } finally {
          conn.close();
        }
      }),
    );
    const leader = ids.find((x) => x?.leader !== undefined)?.leader;
    const index = ids.findIndex((x) => x !== undefined && x.id === leader);
    if (index >= 0) this.#current = index;
  }

  /** Drops the connection and moves to the next endpoint (or rediscovers the named leader). */
  #drop(leader?: string): void {
    this.#conn?.close();
    this.#conn = undefined;
    if (leader !== undefined) this.#leaderChecked = false;
    else this.#current++;
  }
}

function text(reply: ParsedReply | undefined): string {
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  if (reply instanceof SimpleString) return reply.value;
  return String(reply);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no reply within ${Math.round(ms)} ms`)),
      Math.max(1, ms),
    );
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
