/**
 * The cache served over RESP on the real runtime: a {@link NodeHost} runs the cache process (the
 * same one the simulator runs) with its peers over TCP, and a {@link RespServer} turns each client
 * connection into a local endpoint whose requests become process messages and whose replies come
 * back as RESP. Commands: GET, SET (EX/PX/EXAT/PXAT, NX/XX), DEL, EXPIRE, PEXPIRE, TTL, PTTL,
 * INCRBY, INCR, DECR, DECRBY, MGET, SCAN (MATCH, COUNT, TYPE), plus the RESP server's built-ins
 * (PING, INFO, …).
 *
 * Keys and values are binary-safe: bytes travel as latin1 strings (one character per byte). A
 * reply leaves only after the handler's writes are durable, and a node reads its own writes.
 *
 * Before starting, the data directory is read and validated ({@link readCacheData}); a damaged
 * one makes `start` throw {@link CacheDataError} instead of gossiping bad state.
 */
import { existsSync, readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { Logger } from 'pino';
import type { NodeId } from '../../core/ids.js';
import {
  argKeyword,
  type CommandTable,
  OK,
  parseInteger,
  parseSetOptions,
  type Reply,
  RespError,
  RespServer,
} from '../../resp/index.js';
import { NodeHost } from '../../runtime/node-host.js';
import type { Address } from '../../runtime/transport.js';
import { LmdbKV } from '../../storage/backends/lmdb-kv.js';
import type { CacheMsg, CacheReply, CacheRequest } from './messages.js';
import { CacheDataError, CacheNode, type CacheOptions, readCacheData } from './process.js';

/** Options of {@link CacheServer.start}. */
export interface CacheServerOptions {
  readonly id: NodeId;
  /** Every node with its node-to-node address (this node's entry is where it listens). */
  readonly peers: Readonly<Record<NodeId, Address>>;
  /** Node-to-node listen address. Default: this node's entry in `peers`. */
  readonly listen?: Address;
  /** Where RESP clients connect (port 0: the OS picks). */
  readonly resp: Address;
  /** LMDB directory of this node. */
  readonly dataDir: string;
  /** The cache process's options. Default: persistence on, everything else the process's
   * defaults. */
  readonly cache?: CacheOptions;
  readonly secret?: string;
  readonly logger?: Logger;
  /**
   * Sets V8's `--optimize-for-size` for the whole process when the server starts: smaller
   * young generation, slower old-space growth and more compaction, so the process's RSS tracks
   * its live data instead of keeping several times it in reserved heap pages (see the memory
   * figures in docs/BENCHMARKS.md: RSS per key 2.8–2.9× Redis' instead of 4.8–7.1× at 1M keys).
   * It costs throughput (about 19% of SETs and 9% of GETs there) and is process-wide and cannot
   * be undone, which is why it is an option for a process that is a cache server and nothing
   * else (`cadre cache serve` sets it unless `--no-compact-heap`). Default false.
   */
  readonly compactHeap?: boolean;
}

interface ConnState {
  endpoint: string;
  nextId: number;
  readonly pending: Map<number, (reply: CacheReply) => void>;
  detach: (() => void) | undefined;
}

/** A running cache node: node host plus RESP server. */
export class CacheServer {
  readonly host: NodeHost<CacheMsg>;
  readonly resp: RespServer<ConnState>;
  readonly #node: () => CacheNode | undefined;

  private constructor(
    host: NodeHost<CacheMsg>,
    resp: RespServer<ConnState>,
    node: () => CacheNode | undefined,
  ) {
    this.host = host;
    this.resp = resp;
    this.#node = node;
  }

  /** Validates the data directory, starts the node and the RESP listener. */
  static async start(options: CacheServerOptions): Promise<CacheServer> {
    preflight(options.dataDir, options.id);
    if (options.compactHeap === true) setFlagsFromString('--optimize-for-size');
    let current: CacheNode | undefined;
    const cacheOptions: CacheOptions = { persist: true, ...options.cache };
    const listen = options.listen ?? options.peers[options.id];
    if (listen === undefined)
      throw new TypeError(`peers has no address for this node ${options.id}`);
    const host = await NodeHost.start<CacheMsg>({
      id: options.id,
      listen,
      peers: options.peers,
      nodes: Object.keys(options.peers),
      process: () => {
        current = new CacheNode(cacheOptions);
        return current;
      },
      dataDir: options.dataDir,
      specName: 'cache',
      ...(options.secret === undefined ? {} : { secret: options.secret }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    const resp = new RespServer<ConnState>({
      commands: cacheCommands(host),
      serverName: 'cadre-cache',
      createState: (conn) => ({
        endpoint: `client:${conn.id}`,
        nextId: 1,
        pending: new Map(),
        detach: undefined,
      }),
      onDisconnect: (conn) => {
        conn.state.detach?.();
        conn.state.pending.clear();
      },
      config: { save: '', appendonly: 'no' },
      info: () => {
        const node = current;
        const map = node?.replica;
        return {
          Cache: {
            replica: map?.replica ?? '',
            keys: map?.liveKeys ?? 0,
            stored_keys: map?.storedKeys ?? 0,
            approx_state_bytes: map?.bytes ?? 0,
            heap_used_bytes: process.memoryUsage().heapUsed,
            rss_bytes: process.memoryUsage.rss(),
            ...(node === undefined ? {} : { ...node.stats }),
          },
        };
      },
    });
    try {
      await resp.listen(options.resp.port, options.resp.host);
    } catch (e) {
      await host.stop();
      throw e;
    }
    return new CacheServer(host, resp, () => current);
  }

  get respAddress(): Address {
    const a = this.resp.address();
    return { host: a.address, port: a.port };
  }

  get nodeAddress(): Address {
    return this.host.address;
  }

  /** The running cache process (for stats). */
  get node(): CacheNode | undefined {
    return this.#node();
  }

  /** Stops accepting clients, finishes what was started, stops the node. */
  async stop(): Promise<void> {
    await this.resp.close();
    await this.host.stop();
  }
}

/** Refuses a data directory whose records cannot be read back. */
function preflight(dataDir: string, id: NodeId): void {
  if (!existsSync(dataDir) || readdirSync(dataDir).length === 0) return;
  let kv: LmdbKV;
  try {
    kv = LmdbKV.open(dataDir);
  } catch (e) {
    throw new CacheDataError(
      `node ${id}: refusing to start: the data directory ${dataDir} cannot be opened ` +
        `(${(e as Error).message}); move it away to rejoin as an empty replica`,
    );
  }
  try {
    readCacheData(kv, id);
  } finally {
    kv.close();
  }
}

const text = (arg: Buffer | undefined): string => (arg as Buffer).toString('latin1');

/** Most keys one SCAN call may examine (COUNT): one call holds the node for its duration. */
const SCAN_COUNT_MAX = 100_000;

/** The RESP commands, each a request to the process answered through the connection's endpoint. */
function cacheCommands(host: NodeHost<CacheMsg>): CommandTable<ConnState> {
  const call = (
    conn: { state: ConnState },
    build: (id: number) => CacheRequest,
  ): Promise<CacheReply> => {
    const state = conn.state;
    if (state.detach === undefined) {
      state.detach = host.attach(state.endpoint, (msg) => {
        if (!('id' in msg)) return;
        const resolve = state.pending.get(msg.id);
        state.pending.delete(msg.id);
        resolve?.(msg as CacheReply);
      });
    }
    const id = state.nextId++;
    return new Promise((resolve) => {
      state.pending.set(id, resolve);
      host.deliver(state.endpoint, build(id));
    });
  };
  const toReply = (r: CacheReply): Reply => {
    switch (r.type) {
      case 'ok':
        return OK;
      case 'value':
        return r.value === null ? null : Buffer.from(r.value, 'latin1');
      case 'values':
        return r.values.map((v) => (v === null ? null : Buffer.from(v, 'latin1')));
      case 'int':
        return r.value;
      case 'error':
        return new RespError(r.message);
      case 'scanned':
        return [Buffer.from(String(r.cursor)), r.keys.map((k) => Buffer.from(k, 'latin1'))];
    }
  };
  const run = async (conn: { state: ConnState }, build: (id: number) => CacheRequest) =>
    toReply(await call(conn, build));
  const incr = (sign: 1 | -1, fixed?: number) => ({
    arity: fixed === undefined ? 3 : 2,
    flags: ['write', 'denyoom', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    handler: (args: readonly Buffer[], conn: { state: ConnState }) => {
      const by = sign * (fixed ?? parseInteger(args[1] as Buffer));
      return run(conn, (id) => ({ type: 'incrby', id, key: text(args[0]), by }));
    },
  });
  const ttl = (unitMs: number) => ({
    arity: 2,
    flags: ['readonly', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    handler: async (args: readonly Buffer[], conn: { state: ConnState }) => {
      const r = await call(conn, (id) => ({ type: 'ttl', id, key: text(args[0]) }));
      if (r.type !== 'int' || r.value < 0) return toReply(r);
      // Redis rounds TTL to the nearest second.
      return unitMs === 1 ? r.value : Math.floor((r.value + 500) / 1000);
    },
  });
  const expire = (unitMs: number) => ({
    arity: 3,
    flags: ['write', 'fast'],
    keys: { first: 1, last: 1, step: 1 },
    handler: (args: readonly Buffer[], conn: { state: ConnState }) => {
      const ttlMs = parseInteger(args[1] as Buffer) * unitMs;
      if (!Number.isSafeInteger(ttlMs))
        throw new RespError("invalid expire time in 'expire' command");
      return run(conn, (id) => ({ type: 'expire', id, key: text(args[0]), ttlMs }));
    },
  });
  return {
    get: {
      arity: 2,
      flags: ['readonly', 'fast'],
      keys: { first: 1, last: 1, step: 1 },
      handler: (args, conn) => run(conn, (id) => ({ type: 'get', id, key: text(args[0]) })),
    },
    set: {
      arity: -3,
      flags: ['write', 'denyoom'],
      keys: { first: 1, last: 1, step: 1 },
      handler: (args, conn) => {
        // Checked before parsing: parseSetOptions reports only Redis' bare `syntax error`.
        const words =
          args.length > 3 ? new Set(args.slice(2).map((a) => argKeyword(a))) : undefined;
        if (words?.has('NX') === true && words.has('XX')) {
          throw new RespError(
            'syntax error: SET takes NX (set only if absent) or XX (only if present), not both',
          );
        }
        const options = parseSetOptions(args, 2);
        if (options.get || options.keepTtl) {
          const which = options.get ? 'GET' : 'KEEPTTL';
          throw new RespError(`SET option ${which} is not supported by the cadre cache`);
        }
        const condition = options.condition;
        let ttlMs: number | undefined;
        if (options.expiry !== undefined) {
          ttlMs =
            'relativeMs' in options.expiry
              ? options.expiry.relativeMs
              : options.expiry.absoluteMs - Date.now();
          if (ttlMs <= 0) ttlMs = 1; // an absolute time in the past: expires at once
        }
        const key = text(args[0]);
        const value = text(args[1]);
        return run(conn, (id) => ({
          type: 'set',
          id,
          key,
          value,
          ...(ttlMs === undefined ? {} : { ttlMs }),
          ...(condition === undefined ? {} : { condition }),
        }));
      },
    },
    // SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]: see CacheNode's #scan for the cursor.
    scan: {
      arity: -2,
      flags: ['readonly'],
      handler: async (args, conn) => {
        const cursorText = text(args[0]);
        if (!/^(0|[1-9][0-9]{0,15})$/.test(cursorText) || !Number.isSafeInteger(Number(cursorText)))
          throw new RespError(
            `invalid cursor ${JSON.stringify(cursorText.slice(0, 40))}: a cursor is the number the previous SCAN returned, or 0 to start`,
          );
        let count = 10;
        let match: string | undefined;
        let type: string | undefined;
        for (let i = 1; i < args.length; i += 2) {
          const word = argKeyword(args[i] as Buffer);
          const value = args[i + 1];
          if (word !== 'COUNT' && word !== 'MATCH' && word !== 'TYPE')
            throw new RespError(
              `syntax error: unknown SCAN option ${JSON.stringify(text(args[i]).slice(0, 40))} (MATCH, COUNT or TYPE)`,
            );
          if (value === undefined) throw new RespError(`syntax error: SCAN ${word} needs a value`);
          if (word === 'MATCH') match = text(value);
          else if (word === 'TYPE') type = text(value).toLowerCase();
          else {
            const n = /^[0-9]{1,16}$/.test(text(value)) ? Number(text(value)) : Number.NaN;
            if (!(n >= 1 && n <= SCAN_COUNT_MAX))
              throw new RespError(
                `syntax error: SCAN COUNT must be a whole number from 1 to ${SCAN_COUNT_MAX}, got ${JSON.stringify(text(value).slice(0, 40))}`,
              );
            count = n;
          }
        }
        const r = await call(conn, (id) => ({
          type: 'scan',
          id,
          cursor: Number(cursorText),
          count,
          ...(match === undefined ? {} : { match }),
        }));
        // Every value of the cache is a string: another TYPE matches nothing (the scan still
        // advances, as in Redis).
        if (r.type === 'scanned' && type !== undefined && type !== 'string')
          return [Buffer.from(String(r.cursor)), []];
        return toReply(r);
      },
    },
    del: {
      arity: -2,
      flags: ['write'],
      keys: { first: 1, last: -1, step: 1 },
      handler: (args, conn) =>
        run(conn, (id) => ({ type: 'del', id, keys: args.map((a) => text(a)) })),
    },
    mget: {
      arity: -2,
      flags: ['readonly', 'fast'],
      keys: { first: 1, last: -1, step: 1 },
      handler: (args, conn) =>
        run(conn, (id) => ({ type: 'mget', id, keys: args.map((a) => text(a)) })),
    },
    expire: expire(1000),
    pexpire: expire(1),
    ttl: ttl(1000),
    pttl: ttl(1),
    incrby: incr(1),
    decrby: incr(-1),
    incr: incr(1, 1),
    decr: incr(-1, 1),
  };
}
