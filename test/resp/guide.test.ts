// The example of docs/guide/resp.md, run as written: a counter store with sessions, registered on
// a RespServer and driven by ioredis.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import {
  type CommandTable,
  OK,
  parseInteger,
  parseOptions,
  RespError,
  RespServer,
} from '../../src/resp/index.js';

// --- guide example begins ---
interface Session {
  /** Set by HELLO-like SESSION command; used to apply a retried INCRBY once. */
  sessionId?: string;
  lastSeq: number;
}

const counters = new Map<string, bigint>();

const commands: CommandTable<Session> = {
  // COUNTER.INCRBY key delta [SEQ n]: arity -3 = at least 3 words, the name included.
  'counter.incrby': {
    arity: -3,
    flags: ['write'],
    keys: { first: 1, last: 1, step: 1 },
    handler: (args, conn) => {
      const key = args[0]!.toString('latin1'); // keys are copied into strings: safe to keep
      const delta = parseInteger(args[1]!); // ERR value is not an integer or out of range
      const { SEQ } = parseOptions(args, 2, { SEQ: 'integer' }); // ERR syntax error
      if (SEQ !== undefined && SEQ <= conn.state.lastSeq) {
        return counters.get(key) ?? 0n; // a retry: already applied
      }
      if (SEQ !== undefined) conn.state.lastSeq = SEQ;
      const value = (counters.get(key) ?? 0n) + BigInt(delta);
      counters.set(key, value);
      return value; // bigint → integer reply
    },
  },
  'counter.get': {
    arity: 2,
    flags: ['readonly', 'fast'],
    handler: ([key]) => {
      const value = counters.get(key!.toString('latin1'));
      if (value === undefined) throw new RespError('no such counter', 'NOTFOUND');
      return value;
    },
  },
  // An asynchronous command. Its effect is applied synchronously, before the first await, so
  // commands pipelined after it (whose handlers run as soon as they are parsed) see it; only the
  // reply waits. Replies always leave in request order.
  'counter.reset': {
    arity: 1,
    flags: ['write'],
    handler: async () => {
      counters.clear();
      await new Promise((resolve) => setTimeout(resolve, 10)); // e.g. an fsync or a Raft commit
      return OK;
    },
  },
};

const server = new RespServer<Session>({
  commands,
  createState: () => ({ lastSeq: 0 }),
  info: () => ({ Counters: { counters: counters.size } }),
});
// --- guide example ends ---

test('the guide example works with ioredis', async () => {
  const { port } = await server.listen(0, '127.0.0.1');
  const client = new Redis({ port, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    assert.equal(await client.call('COUNTER.INCRBY', 'hits', '5', 'SEQ', '1'), 5);
    assert.equal(
      await client.call('COUNTER.INCRBY', 'hits', '5', 'SEQ', '1'),
      5,
      'retry applied once',
    );
    assert.equal(await client.call('counter.incrby', 'hits', '2'), 7);
    await assert.rejects(
      client.call('COUNTER.INCRBY', 'hits', 'x'),
      /^ReplyError: ERR value is not an integer or out of range/,
    );
    await assert.rejects(client.call('COUNTER.INCRBY', 'hits', '1', 'SEQ'), /ERR syntax error/);
    await assert.rejects(client.call('COUNTER.GET', 'nope'), /NOTFOUND no such counter/);
    await assert.rejects(
      client.call('COUNTER.GET'),
      /ERR wrong number of arguments for 'counter.get' command/,
    );
    const info = (await client.info('Counters')) as string;
    assert.match(info, /counters:1/);
    const results = await client
      .pipeline()
      .call('COUNTER.RESET')
      .call('COUNTER.INCRBY', 'hits', '1')
      .exec();
    assert.deepEqual(results, [
      [null, 'OK'],
      [null, 1],
    ]);
    assert.equal(server.metrics.command('counter.incrby').calls, 6);
  } finally {
    client.disconnect();
    await server.close();
  }
});
