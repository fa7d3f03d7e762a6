/**
 * The KV store's RESP commands: Redis's GET, SET, DEL, EXISTS, INCR… with their Redis replies,
 * plus compare-and-set, range scans, the change feed, leases and Raft status. Each handler turns
 * its arguments into a {@link KvCommand} or {@link KvQuery}, runs it through the connection's
 * {@link KvSession}, and maps the result (or the cluster's unavailability) to a reply.
 */
import {
  argKeyword,
  argText,
  parseInt64,
  parseInteger,
  parseSetOptions,
} from '../../../resp/args.js';
import type { CommandSpec, CommandTable } from '../../../resp/commands.js';
import { NOT_AN_INTEGER, RespError, SYNTAX_ERROR } from '../../../resp/errors.js';
import { globMatch } from '../../../resp/glob.js';
import { OK, type Reply } from '../../../resp/reply.js';
import { strinc } from '../../../storage/layers/subspace.js';
import {
  type KeyValue,
  KV_KEY_BYTES_MAX,
  KV_VALUE_BYTES_MAX,
  type KvCommand,
  type KvQuery,
  type KvRequest,
  type KvResult,
  LEASE_TTL_MS_MAX,
} from '../commands.js';
import { bytesOf, stringOf } from '../layout.js';
import { commandProblem, queryProblem } from '../validate.js';
import { type KvBackend, type KvSession, KvUnavailableError } from './kv-backend.js';

/** Per-connection state: the connection's client session. */
export interface KvConnState {
  readonly session: KvSession;
}

/** Options of {@link kvCommandTable}. */
export interface KvCommandOptions {
  /** RESP address (`host:port`) of a node, to name the leader in NOTLEADER errors. */
  readonly addressOf?: (nodeId: string) => string | undefined;
  /** Wall clock for SET … EXAT/PXAT, in ms. Default Date.now. */
  readonly nowMs?: () => number;
}

/** Bytes of an argument as a byte string (one character per byte). */
function bytes(arg: Buffer): string {
  return arg.toString('latin1');
}

/** A byte string as a bulk reply. */
function bulk(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

function checkKey(key: Buffer): string {
  if (key.length === 0) throw new RespError('empty keys are not allowed');
  if (key.length > KV_KEY_BYTES_MAX) {
    throw new RespError(`key is ${key.length} bytes; the limit is ${KV_KEY_BYTES_MAX}`);
  }
  return bytes(key);
}

function checkValue(value: Buffer): string {
  if (value.length > KV_VALUE_BYTES_MAX) {
    throw new RespError(`value is ${value.length} bytes; the limit is ${KV_VALUE_BYTES_MAX}`);
  }
  return bytes(value);
}

/** The first key after every key starting with `prefix` ('' when none bounds it). */
export function prefixEnd(prefix: string): string {
  const end = strinc(bytesOf(prefix));
  return end === undefined ? '' : stringOf(end);
}

/** The argument of REQUEST as a checked command or query; a RespError names what is wrong. */
function parseRequest(arg: Buffer): KvRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(arg.toString('utf8'));
  } catch (error) {
    throw new RespError(`REQUEST: the argument is not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new RespError('REQUEST: the argument must be a JSON object with a "kind"');
  }
  const { kind, command, query } = parsed as Record<string, unknown>;
  if (kind === 'command') {
    const problem = commandProblem(command);
    if (problem !== undefined) throw new RespError(`REQUEST: command: ${problem}`);
    return { kind, command: command as KvCommand };
  }
  if (kind === 'query') {
    const problem = queryProblem(query);
    if (problem !== undefined) throw new RespError(`REQUEST: query: ${problem}`);
    return { kind, query: query as KvQuery };
  }
  throw new RespError(
    `REQUEST: "kind" must be "command" or "query", got ${JSON.stringify(kind) ?? 'nothing'}`,
  );
}

/** The reply for a store error result. */
function resultError(r: Extract<KvResult, { type: 'error' }>): RespError {
  switch (r.code) {
    case 'not-integer':
      return new RespError(NOT_AN_INTEGER);
    case 'compacted':
      return new RespError(r.message, 'COMPACTED');
    case 'no-lease':
      return new RespError(r.message, 'NOLEASE');
    default:
      return new RespError(r.message);
  }
}

/** Narrows a result to the expected type; a store error becomes an error reply. */
function expect<T extends KvResult['type']>(r: KvResult, type: T): Extract<KvResult, { type: T }> {
  if (r.type === 'error') throw resultError(r);
  if (r.type !== type) throw new RespError(`internal: expected a ${type} result, got ${r.type}`);
  return r as Extract<KvResult, { type: T }>;
}

function kvReply(kv: KeyValue): Reply[] {
  return [bulk(kv.value), kv.modRevision, kv.createRevision, kv.version, kv.lease];
}

/**
 * The command table for a RespServer serving the KV store through `backend`. Replies follow Redis
 * where a Redis command exists; the Cadre-specific commands are documented in docs/guide/kv.md.
 */
export function kvCommandTable(
  backend: KvBackend,
  options: KvCommandOptions = {},
): CommandTable<KvConnState> {
  const nowMs = options.nowMs ?? (() => Date.now());
  const unavailable = (error: unknown): never => {
    if (!(error instanceof KvUnavailableError)) throw error;
    switch (error.code) {
      case 'not-leader': {
        const leader = error.leader ?? backend.status().leader;
        const addr = leader === undefined ? undefined : options.addressOf?.(leader);
        throw new RespError(
          leader === undefined
            ? 'no leader is known (an election is in progress); retry shortly'
            : `leader=${leader}${addr === undefined ? '' : ` addr=${addr}`} this node is not the leader; send the request to the leader`,
          'NOTLEADER',
        );
      }
      case 'no-quorum':
        throw new RespError(
          `${error.message}: the cluster has no reachable majority; the request may or may not take effect`,
          'NOQUORUM',
        );
      case 'timeout':
        throw new RespError(
          `${error.message}: no outcome in time; a write may still take effect`,
          'TIMEOUT',
        );
      default:
        throw new RespError(error.message, 'CLOSED');
    }
  };
  const propose = (s: KvConnState, c: KvCommand) => s.session.propose(c).catch(unavailable);
  const read = (s: KvConnState, q: KvQuery) => s.session.read(q).catch(unavailable);

  const write = ['write'];
  const readonly = ['readonly'];
  const oneKey = { first: 1, last: 1, step: 1 } as const;
  const allKeys = { first: 1, last: -1, step: 1 } as const;

  const incr =
    (sign: 1 | -1, withArg: boolean): CommandSpec<KvConnState>['handler'] =>
    async (args, conn) => {
      const by = withArg ? parseInt64(args[1] as Buffer) * BigInt(sign) : BigInt(sign);
      if (by < BigInt(Number.MIN_SAFE_INTEGER) || by > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new RespError(NOT_AN_INTEGER);
      }
      const r = await propose(conn.state, {
        op: 'incr',
        key: checkKey(args[0] as Buffer),
        by: Number(by),
      });
      return BigInt(expect(r, 'incr').value);
    };

  /** `<name> key expectation new`: 1 if the key met the expectation (read from the second
   * argument) and now holds `new`, else 0. */
  const cas =
    (
      expectation: (arg: Buffer) => Extract<KvCommand, { op: 'cas' }>['expect'],
    ): CommandSpec<KvConnState>['handler'] =>
    async (args, conn) => {
      const r = await propose(conn.state, {
        op: 'cas',
        key: checkKey(args[0] as Buffer),
        expect: expectation(args[1] as Buffer),
        value: checkValue(args[2] as Buffer),
      });
      return expect(r, 'cas').succeeded ? 1 : 0;
    };

  const table: Record<string, CommandSpec<KvConnState>> = {
    get: {
      arity: 2,
      flags: readonly,
      keys: oneKey,
      handler: async (args, conn) => {
        const r = await read(conn.state, { op: 'get', key: checkKey(args[0] as Buffer) });
        const kv = expect(r, 'get').kv;
        return kv === null ? null : bulk(kv.value);
      },
    },
    set: {
      arity: -3,
      flags: write,
      keys: oneKey,
      handler: async (args, conn) => {
        const key = checkKey(args[0] as Buffer);
        const value = checkValue(args[1] as Buffer);
        const opts = parseSetOptions(args, 2);
        let ttlMs: number | undefined;
        if (opts.expiry !== undefined) {
          ttlMs =
            'relativeMs' in opts.expiry ? opts.expiry.relativeMs : opts.expiry.absoluteMs - nowMs();
          if (!(ttlMs >= 1) || ttlMs > LEASE_TTL_MS_MAX) {
            throw new RespError("invalid expire time in 'set' command");
          }
        }
        const command: KvCommand = {
          op: 'put',
          key,
          value,
          ...(opts.condition === 'NX' ? { ifAbsent: true } : {}),
          ...(opts.condition === 'XX' ? { ifPresent: true } : {}),
          ...(ttlMs === undefined ? {} : { ttlMs: Math.round(ttlMs) }),
          ...(opts.keepTtl ? { keepTtl: true } : {}),
        };
        const r = expect(await propose(conn.state, command), 'put');
        if (opts.get) return r.prev === null ? null : bulk(r.prev.value);
        return r.written ? OK : null;
      },
    },
    setnx: {
      arity: 3,
      flags: write,
      keys: oneKey,
      handler: async (args, conn) => {
        const command: KvCommand = {
          op: 'put',
          key: checkKey(args[0] as Buffer),
          value: checkValue(args[1] as Buffer),
          ifAbsent: true,
        };
        return expect(await propose(conn.state, command), 'put').written ? 1 : 0;
      },
    },
    del: {
      arity: -2,
      flags: write,
      keys: allKeys,
      handler: async (args, conn) => {
        const keys = args.map((a) => checkKey(a));
        return expect(await propose(conn.state, { op: 'delete', keys }), 'delete').deleted;
      },
    },
    exists: {
      arity: -2,
      flags: readonly,
      keys: allKeys,
      handler: async (args, conn) => {
        const keys = args.map((a) => checkKey(a));
        return expect(await read(conn.state, { op: 'exists', keys }), 'count').count;
      },
    },
    incr: { arity: 2, flags: write, keys: oneKey, handler: incr(1, false) },
    decr: { arity: 2, flags: write, keys: oneKey, handler: incr(-1, false) },
    incrby: { arity: 3, flags: write, keys: oneKey, handler: incr(1, true) },
    decrby: { arity: 3, flags: write, keys: oneKey, handler: incr(-1, true) },
    // CAS key expected new: 1 if key held `expected` and now holds `new`, else 0.
    cas: {
      arity: 4,
      flags: write,
      keys: oneKey,
      handler: cas((arg) => ({ value: checkValue(arg) })),
    },
    // CASREV key modRevision new: 1 if the key's modRevision was `modRevision` (0: absent).
    casrev: {
      arity: 4,
      flags: write,
      keys: oneKey,
      handler: cas((arg) => ({ modRevision: parseInteger(arg, 0) })),
    },
    // GETREV key: [value, modRevision, createRevision, version, lease], or null when absent.
    getrev: {
      arity: 2,
      flags: readonly,
      keys: oneKey,
      handler: async (args, conn) => {
        const kv = expect(
          await read(conn.state, { op: 'get', key: checkKey(args[0] as Buffer) }),
          'get',
        ).kv;
        return kv === null ? null : kvReply(kv);
      },
    },
    // RANGE start end [LIMIT n]: keys start <= key < end ("" end: no bound), as key, value, ….
    range: {
      arity: -3,
      flags: readonly,
      handler: async (args, conn) => {
        let limit: number | undefined;
        for (let i = 2; i < args.length; i += 2) {
          if (argKeyword(args[i] as Buffer) !== 'LIMIT' || args[i + 1] === undefined) {
            throw new RespError(SYNTAX_ERROR);
          }
          limit = parseInteger(args[i + 1] as Buffer, 1, 1_000_000);
        }
        const q: KvQuery = {
          op: 'range',
          start: bytes(args[0] as Buffer),
          end: bytes(args[1] as Buffer),
          ...(limit === undefined ? {} : { limit }),
        };
        const r = expect(await read(conn.state, q), 'range');
        return r.kvs.flatMap((kv) => [bulk(kv.key), bulk(kv.value)]);
      },
    },
    // SCAN cursor [MATCH pattern] [COUNT n]: the cursor is the hex of the next key to scan.
    scan: {
      arity: -2,
      flags: readonly,
      handler: async (args, conn) => {
        const cursor = argText(args[0] as Buffer);
        if (cursor !== '0' && !/^k[0-9a-f]*$/.test(cursor)) throw new RespError('invalid cursor');
        const start = cursor === '0' ? '' : Buffer.from(cursor.slice(1), 'hex').toString('latin1');
        let count = 10;
        let match: string | undefined;
        for (let i = 1; i < args.length; i += 2) {
          const word = argKeyword(args[i] as Buffer);
          const arg = args[i + 1];
          if (arg === undefined) throw new RespError(SYNTAX_ERROR);
          if (word === 'COUNT') count = parseInteger(arg, 1, 100_000);
          else if (word === 'MATCH') match = bytes(arg);
          else throw new RespError(SYNTAX_ERROR);
        }
        const r = expect(
          await read(conn.state, { op: 'range', start, end: '', limit: count, keysOnly: true }),
          'range',
        );
        const last = r.kvs[r.kvs.length - 1];
        const next =
          r.more && last !== undefined
            ? `k${Buffer.from(`${last.key}\0`, 'latin1').toString('hex')}`
            : '0';
        const keys = r.kvs
          .map((kv) => kv.key)
          .filter((k) => match === undefined || globMatch(match, k));
        return [next, keys.map(bulk)];
      },
    },
    keys: {
      arity: 2,
      flags: readonly,
      handler: async (args, conn) => {
        const pattern = bytes(args[0] as Buffer);
        const literal = /^[^*?[\\]*/.exec(pattern)?.[0] ?? '';

        const r = expect(
          await read(conn.state, {
            op: 'range',
            start: literal,
            end: prefixEnd(literal),
            keysOnly: true,
          }),
          'range',
        );
        return r.kvs
          .map((kv) => kv.key)
          .filter((k) => globMatch(pattern, k))
          .map(bulk);
      },
    },
    dbsize: {
      arity: 1,
      flags: readonly,
      handler: async (_args, conn) =>
        expect(await read(conn.state, { op: 'status' }), 'status').keys,
    },
    // CHANGES fromRevision [RANGE start end] [LIMIT n]:
    // [nextRevision, [[revision, "put"|"delete", key, value, modRevision], …]].
    changes: {
      arity: -2,
      flags: readonly,
      handler: async (args, conn) => {
        const fromRevision = parseInteger(args[0] as Buffer, 1);
        let range: { start: string; end: string } | undefined;
        let limit: number | undefined;
        for (let i = 1; i < args.length; ) {
          const word = argKeyword(args[i] as Buffer);
          if (word === 'RANGE' && args[i + 2] !== undefined) {
            range = { start: bytes(args[i + 1] as Buffer), end: bytes(args[i + 2] as Buffer) };
            i += 3;
          } else if (word === 'LIMIT' && args[i + 1] !== undefined) {
            limit = parseInteger(args[i + 1] as Buffer, 1, 100_000);
            i += 2;
          } else throw new RespError(SYNTAX_ERROR);
        }
        const q: KvQuery = {
          op: 'changes',
          fromRevision,
          ...(range ?? {}),
          ...(limit === undefined ? {} : { limit }),
        };
        const r = expect(await read(conn.state, q), 'changes');
        return [
          r.nextRevision,
          r.events.map((e) => [
            e.revision,
            e.type,
            bulk(e.kv.key),
            bulk(e.kv.value),
            e.kv.modRevision,
          ]),
        ];
      },
    },
    compact: {
      arity: 2,
      flags: write,
      handler: async (args, conn) => {
        const r = await propose(conn.state, {
          op: 'compact',
          revision: parseInteger(args[0] as Buffer, 0),
        });
        return expect(r, 'compact').compactRevision;
      },
    },
    // LEASE GRANT ttlMs | KEEPALIVE id | REVOKE id | INFO id | ATTACH id key value
    lease: {
      arity: -3,
      flags: write,
      handler: async (args, conn) => {
        const sub = argKeyword(args[0] as Buffer);
        const n = (i: number) => parseInteger(args[i] as Buffer, 1);
        const need = (count: number) => {
          if (args.length !== count) {
            throw new RespError(
              `wrong number of arguments for 'lease|${sub.toLowerCase()}' command`,
            );
          }
        };
        switch (sub) {
          case 'GRANT': {
            need(2);
            const r = expect(await propose(conn.state, { op: 'leaseGrant', ttlMs: n(1) }), 'lease');
            return [r.id, r.ttlMs];
          }
          case 'KEEPALIVE': {
            need(2);
            const r = expect(
              await propose(conn.state, { op: 'leaseKeepAlive', id: n(1) }),
              'lease',
            );
            return [r.id, r.ttlMs];
          }
          case 'REVOKE':
            need(2);
            return expect(await propose(conn.state, { op: 'leaseRevoke', id: n(1) }), 'leaseRevoke')
              .deleted;
          case 'INFO': {
            need(2);
            const r = expect(await read(conn.state, { op: 'leaseInfo', id: n(1) }), 'lease');
            return [r.id, r.ttlMs, r.expiresAtMs, r.keys.map(bulk)];
          }
          case 'ATTACH': {
            need(4);
            const command: KvCommand = {
              op: 'put',
              key: checkKey(args[2] as Buffer),
              value: checkValue(args[3] as Buffer),
              lease: n(1),
            };
            expect(await propose(conn.state, command), 'put');
            return OK;
          }
          default:
            throw new RespError(
              `unknown subcommand '${argText(args[0] as Buffer)}'. Try GRANT, KEEPALIVE, REVOKE, INFO, ATTACH.`,
            );
        }
      },
    },
    // REQUEST json: one KvCommand or KvQuery as JSON ({"kind":"command","command":…} or
    // {"kind":"query","query":…}); the reply is the KvResult as JSON. The primitives' network
    // drivers use it, so the same pure cores run in the simulator and against a real cluster.
    // Store errors come back as `error` results (the cores handle them); unavailability as the
    // usual NOTLEADER / NOQUORUM / TIMEOUT errors, so clients retry it like any write.
    request: {
      arity: 2,
      flags: write,
      handler: async (args, conn) => {
        const request = parseRequest(args[0] as Buffer);
        const result =
          request.kind === 'command'
            ? await propose(conn.state, request.command)
            : await read(conn.state, request.query);
        return Buffer.from(JSON.stringify(result), 'utf8');
      },
    },
    // SESSION name seq: this connection's next write is request `seq` of session `name`; a write
    // sent again with the same name and seq (on any connection, to any node) applies once.
    session: {
      arity: 3,
      flags: ['fast'],
      handler: (args, conn) => {
        const name = argText(args[0] as Buffer);
        if (!/^[\x21-\x7e]{1,128}$/.test(name)) {
          throw new RespError('session name must be 1-128 printable ASCII characters');
        }
        conn.state.session.bind(`client/${name}`, parseInteger(args[1] as Buffer, 1));
        return OK;
      },
    },
    // CLUSTER MYID | INFO | MEMBERS | LEADER | ADD id | REMOVE id | TRANSFER id
    cluster: {
      arity: -2,
      flags: readonly,
      handler: async (args) => {
        const s = backend.status();
        const sub = argKeyword(args[0] as Buffer);
        if (sub === 'ADD' || sub === 'REMOVE' || sub === 'TRANSFER') {
          if (args.length !== 2) {
            throw new RespError(
              `wrong number of arguments for 'cluster|${sub.toLowerCase()}' command`,
            );
          }
          const node = argText(args[1] as Buffer);
          const op = sub === 'ADD' ? 'add' : sub === 'REMOVE' ? 'remove' : 'transfer';
          await backend.admin({ op, node }).catch(unavailable);
          return OK;
        }
        if (args.length !== 1) throw new RespError(SYNTAX_ERROR);
        switch (sub) {
          case 'MYID':
            return s.id;
          case 'LEADER':
            return s.leader ?? null;
          case 'MEMBERS':
            return [...s.members];
          case 'INFO':
            return [
              `cluster_state:${s.leader === undefined ? 'fail' : 'ok'}`,
              `raft_id:${s.id}`,
              `raft_role:${s.role}`,
              `raft_term:${s.term}`,
              `raft_leader:${s.leader ?? ''}`,
              `raft_commit_index:${s.commitIndex}`,
              `raft_applied_index:${s.appliedIndex}`,
              `raft_members:${s.members.join(',')}`,
              '',
            ].join('\r\n');
          default:
            throw new RespError(
              `unknown subcommand '${argText(args[0] as Buffer)}'. Try MYID, INFO, MEMBERS, LEADER, ADD, REMOVE, TRANSFER.`,
            );
        }
      },
    },
  };
  return table;
}

/** The `raft` section the server adds to INFO. */
export function raftInfoSection(backend: KvBackend): Record<string, string | number> {
  const s = backend.status();
  return {
    id: s.id,
    role: s.role,
    term: s.term,
    leader: s.leader ?? '',
    commit_index: s.commitIndex,
    applied_index: s.appliedIndex,
    members: s.members.join(','),
  };
}
