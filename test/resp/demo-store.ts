// A tiny Map-backed GET/SET/DEL/INCR/EXISTS/MGET command set, used by the RESP tests and by
// bench/resp.ts to exercise the server with real clients. Not a store: no persistence, no TTL
// enforcement (SET's options are parsed, only NX/XX/GET act).
import {
  type CommandTable,
  NULL_ARRAY,
  OK,
  parseInt64,
  parseSetOptions,
  RespError,
} from '../../src/resp/index.js';

export interface DemoState {
  /** Commands this connection ran, to show per-connection state works. */
  commands: number;
}

/** The demo command table over `data` (latin1 key strings → value bytes). */
export function demoCommands(data = new Map<string, Buffer>()): CommandTable<DemoState> {
  const key = (arg: Buffer) => arg.toString('latin1');
  return {
    get: {
      arity: 2,
      flags: ['readonly', 'fast'],
      keys: { first: 1, last: 1, step: 1 },
      handler: ([k], conn) => {
        conn.state.commands++;
        return data.get(key(k!)) ?? null;
      },
    },
    set: {
      arity: -3,
      flags: ['write', 'denyoom'],
      keys: { first: 1, last: 1, step: 1 },
      handler: (args, conn) => {
        conn.state.commands++;
        const options = parseSetOptions(args, 2);
        const k = key(args[0]!);
        const old = data.get(k);
        const allowed =
          options.condition === undefined || (options.condition === 'NX') === (old === undefined);
        // Copy: arguments are views into the receive buffer.
        if (allowed) data.set(k, Buffer.from(args[1]!));
        if (options.get) return old ?? null;
        return allowed ? OK : null;
      },
    },
    del: {
      arity: -2,
      flags: ['write'],
      handler: (args) => args.filter((k) => data.delete(key(k))).length,
    },
    exists: {
      arity: -2,
      flags: ['readonly', 'fast'],
      handler: (args) => args.filter((k) => data.has(key(k))).length,
    },
    mget: {
      arity: -2,
      flags: ['readonly', 'fast'],
      handler: (args) => args.map((k) => data.get(key(k)) ?? null),
    },
    incr: {
      arity: 2,
      flags: ['write', 'fast'],
      handler: ([k]) => {
        const old = data.get(key(k!));
        let value = 0n;
        if (old !== undefined) {
          try {
            value = parseInt64(old);
          } catch {
            throw new RespError('value is not an integer or out of range');
          }
        }
        if (value === 2n ** 63n - 1n) throw new RespError('increment or decrement would overflow');
        value++;
        data.set(key(k!), Buffer.from(String(value)));
        return value;
      },
    },
    /** Replies after `ms` milliseconds: for ordering tests with async handlers. */
    sleepecho: {
      arity: 3,
      handler: ([ms, value]) =>
        new Promise((resolve) =>
          setTimeout(() => resolve(Buffer.from(value!)), Number(ms!.toString())),
        ),
    },
    /** Throws a plain Error: the server must answer ERR and keep going. */
    boom: {
      arity: 1,
      handler: () => {
        throw new Error('boom: deliberate failure');
      },
    },
    /** Rejects asynchronously. */
    asyncboom: { arity: 1, handler: () => Promise.reject(new Error('async boom')) },
    /** Returns something that is not a reply. */
    badreply: { arity: 1, handler: () => 1.5 },
    nullarray: { arity: 1, handler: () => NULL_ARRAY },
  };
}
