// RespServer over loopback TCP with a raw client: dispatch, error replies, ordering of async
// replies, protocol errors and bad input, flow control, limits, built-ins, graceful close.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import {
  type CommandTable,
  encodeCommand,
  type RespConnection,
  RespServer,
  type RespServerOptions,
} from '../../src/resp/index.js';
import { RawClient } from './client.js';
import { type DemoState, demoCommands } from './demo-store.js';

const cmd = (...args: (string | Buffer)[]) => encodeCommand(args);

async function start(
  extra: Partial<RespServerOptions<DemoState>> = {},
  commands: CommandTable<DemoState> = demoCommands(),
): Promise<{ server: RespServer<DemoState>; port: number }> {
  const server = new RespServer<DemoState>({
    commands,
    createState: () => ({ commands: 0 }),
    ...extra,
  });
  const { port } = await server.listen(0);
  return { server, port };
}

describe('RespServer', () => {
  let server: RespServer<DemoState>;
  let port: number;
  const handlerErrors: string[] = [];
  before(async () => {
    ({ server, port } = await start({
      maxBulkBytes: 1024,
      maxInlineBytes: 256,
      onHandlerError: (error, command) => handlerErrors.push(`${command}: ${String(error)}`),
      config: { save: '', appendonly: 'no' },
      info: () => ({ Keyspace: { keys: 0 } }),
    }));
  });
  after(() => server.close());

  test('runs commands; unknown command, arity and handler errors keep the connection', async () => {
    const c = await RawClient.open(port);
    c.send(
      Buffer.concat([
        cmd('SET', 'k', 'v'),
        cmd('get', 'k'),
        cmd('NOPE', 'a', 'b'),
        cmd('GET'),
        cmd('BOOM'),
        cmd('ASYNCBOOM'),
        cmd('BADREPLY'),
        cmd('INCR', 'k'),
        cmd('NULLARRAY'),
        cmd('GET', 'k'),
      ]),
    );
    assert.deepEqual(await c.take(10), [
      '+OK',
      'v',
      "-ERR unknown command 'NOPE', with args beginning with: 'a' 'b' ",
      "-ERR wrong number of arguments for 'get' command",
      '-ERR boom: deliberate failure',
      '-ERR async boom',
      '-ERR reply could not be encoded: integer reply is not a safe integer: 1.5',
      '-ERR value is not an integer or out of range',
      '*-1',
      'v',
    ]);
    assert.ok(handlerErrors.some((e) => e.startsWith('boom: Error: boom')));
    assert.ok(handlerErrors.some((e) => e.startsWith('asyncboom: Error: async boom')));
    c.close();
  });

  test('pipelined replies come back in request order although async handlers finish out of order', async () => {
    const c = await RawClient.open(port);
    const requests = [
      cmd('SLEEPECHO', '60', 'first'),
      cmd('SET', 'order', 'x'),
      cmd('SLEEPECHO', '0', 'third'),
      cmd('SLEEPECHO', '30', 'fourth'),
      cmd('GET', 'order'),
    ];
    // One byte at a time, to mix chunking into it.
    for (const byte of Buffer.concat(requests)) c.send(Buffer.from([byte]));
    assert.deepEqual(await c.take(5), ['first', '+OK', 'third', 'fourth', 'x']);
    c.close();
  });

  test('built-in connection commands answer as Redis does', async () => {
    const c = await RawClient.open(port);
    c.send(
      Buffer.concat([
        cmd('PING'),
        cmd('PING', 'hi'),
        cmd('ECHO', 'e'),
        cmd('SELECT', '0'),
        cmd('SELECT', '1'),
        cmd('HELLO', '3'),
        cmd('HELLO', 'x'),
        cmd('CLIENT', 'SETNAME', 'worker-1'),
        cmd('CLIENT', 'GETNAME'),
        cmd('CLIENT', 'SETNAME', 'a b'),
        cmd('CLIENT', 'SETINFO', 'LIB-NAME', 'test'),
        cmd('CLIENT', 'NOPE'),
        cmd('COMMAND', 'INFO', 'get', 'nosuch'),
        cmd('CONFIG', 'GET', 'save'),
        cmd('CONFIG', 'GET', '*'),
      ]),
    );
    const replies = await c.take(15);
    assert.deepEqual(replies, [
      '+PONG',
      'hi',
      'e',
      '+OK',
      '-ERR DB index is out of range',
      '-NOPROTO unsupported protocol version',
      '-ERR Protocol version is not an integer or out of range',
      '+OK',
      'worker-1',
      '-ERR Client names cannot contain spaces, newlines or special characters.',
      '+OK',
      "-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.",
      [['get', 2, ['readonly', 'fast'], 1, 1, 1], null],
      ['save', ''],
      ['save', '', 'appendonly', 'no'],
    ]);
    c.send(
      Buffer.concat([cmd('HELLO', '2'), cmd('CLIENT', 'ID'), cmd('INFO'), cmd('COMMAND', 'COUNT')]),
    );
    const [hello, id, info, count] = await c.take(4);
    assert.deepEqual((hello as unknown[]).slice(0, 6), [
      'server',
      'cadre',
      'version',
      '7.0.0',
      'proto',
      2,
    ]);
    assert.equal(typeof id, 'number');
    assert.match(info as string, /# Server\r\nredis_version:7\.0\.0\r\n/);
    assert.match(info as string, /\r\nloading:0\r\n/);
    assert.match(info as string, /# Keyspace\r\nkeys:0\r\n/);
    assert.ok((count as number) >= 15);
    // CONFIG GET patterns are Redis globs matched case-insensitively, as in Redis.
    c.send(Buffer.concat([cmd('CONFIG', 'GET', 'SA?E'), cmd('CONFIG', 'GET', '[a-b]*')]));
    assert.deepEqual(await c.take(2), [
      ['save', ''],
      ['appendonly', 'no'],
    ]);
    c.close();
  });

  test('bad input: each malformed stream gets its protocol error and is closed; others are served', async () => {
    const bystander = await RawClient.open(port);
    const cases: [string, string | Buffer, string][] = [
      ['garbage bytes', '*\x00\xff\xfe\r\n', '-ERR Protocol error: invalid multibulk length'],
      ['huge bulk length', '*1\r\n$99999999999\r\n', '-ERR Protocol error: invalid bulk length'],
      ['bulk over maxBulkBytes', '*1\r\n$1025\r\n', '-ERR Protocol error: invalid bulk length'],
      ['negative bulk length', '*1\r\n$-2\r\n', '-ERR Protocol error: invalid bulk length'],
      ['wrong type byte', '*1\r\n+PING\r\n', "-ERR Protocol error: expected '$', got '+'"],
      [
        'missing CRLF after bulk',
        '*1\r\n$4\r\nPINGxx',
        '-ERR Protocol error: expected CRLF after bulk data',
      ],
      [
        'unterminated inline line over the limit',
        'x'.repeat(300),
        '-ERR Protocol error: too big inline request',
      ],
      [
        'unterminated header over the limit',
        `*1\r\n$${'9'.repeat(300)}`,
        '-ERR Protocol error: too big bulk count string',
      ],
      ['unbalanced quotes', 'SET "k v\r\n', '-ERR Protocol error: unbalanced quotes in request'],
    ];
    for (const [name, input, expected] of cases) {
      const c = await RawClient.open(port);
      c.send(Buffer.concat([cmd('PING'), Buffer.from(input as string, 'latin1')]));
      assert.deepEqual(await c.take(2), ['+PONG', expected], name);
      await c.waitClosed();
      bystander.send(cmd('ECHO', name));
      assert.deepEqual(await bystander.take(1), [name], `server still serves after: ${name}`);
    }
    // An unterminated request below the limits just waits; the server serves others meanwhile.
    const waiting = await RawClient.open(port);
    waiting.send('*2\r\n$3\r\nGET\r\n$5\r\nab');
    bystander.send(cmd('PING'));
    assert.deepEqual(await bystander.take(1), ['+PONG']);
    waiting.send('cde\r\n');
    assert.deepEqual(await waiting.take(1), [null]);
    waiting.close();
    bystander.close();
    assert.ok(server.metrics.protocolErrors >= cases.length);
  });

  test('random bytes on many connections never take the server down (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 8 }),
        async (inputs) => {
          const clients = await Promise.all(inputs.map(() => RawClient.open(port)));
          inputs.forEach((bytes, i) => {
            clients[i]!.send(Buffer.from(bytes));
          });
          const probe = await RawClient.open(port);
          probe.send(cmd('PING'));
          assert.deepEqual(await probe.take(1), ['+PONG']);
          for (const c of [...clients, probe]) c.close();
        },
      ),
      { numRuns: 25 },
    );
  });

  test('QUIT replies OK, closes, and runs nothing after it', async () => {
    const c = await RawClient.open(port);
    c.send(
      Buffer.concat([cmd('SET', 'quit-test', '1'), cmd('QUIT'), cmd('SET', 'quit-test', '2')]),
    );
    assert.deepEqual(await c.take(2), ['+OK', '+OK']);
    await c.waitClosed();
    const d = await RawClient.open(port);
    d.send(cmd('GET', 'quit-test'));
    assert.deepEqual(await d.take(1), ['1']);
    d.close();
  });

  test('a client that half-closes still gets every reply, async ones included', async () => {
    const c = await RawClient.open(port);
    c.socket.end(Buffer.concat([cmd('SLEEPECHO', '30', 'late'), cmd('PING')]));
    assert.deepEqual(await c.take(2), ['late', '+PONG']);
    await c.waitClosed();
  });

  test('per-connection state and ids', async () => {
    const a = await RawClient.open(port);
    const b = await RawClient.open(port);
    a.send(Buffer.concat([cmd('GET', 'x'), cmd('GET', 'x'), cmd('CLIENT', 'ID')]));
    b.send(cmd('CLIENT', 'ID'));
    const [, , idA] = await a.take(3);
    const [idB] = await b.take(1);
    assert.notEqual(idA, idB);
    a.close();
    b.close();
  });
});

describe('RespServer flow control and lifecycle', () => {
  test('at most maxPendingRequests requests await replies; the rest wait in the socket', async () => {
    let running = 0;
    let maxRunning = 0;
    const commands: CommandTable<DemoState> = {
      slow: {
        arity: 2,
        handler: ([value]) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          return new Promise((resolve) =>
            setTimeout(() => {
              running--;
              resolve(Buffer.from(value!));
            }, 2),
          );
        },
      },
    };
    const { server, port } = await start({ maxPendingRequests: 4 }, commands);
    try {
      const c = await RawClient.open(port);
      const n = 40;
      c.send(Buffer.concat(Array.from({ length: n }, (_, i) => cmd('SLOW', String(i)))));
      assert.deepEqual(
        await c.take(n),
        Array.from({ length: n }, (_, i) => String(i)),
      );
      assert.equal(maxRunning, 4);
      assert.ok(server.metrics.readPauses > 0);
      c.close();
    } finally {
      await server.close();
    }
  });

  test('serialExecution runs one command at a time per connection', async () => {
    const log: string[] = [];
    const commands: CommandTable<DemoState> = {
      step: {
        arity: 2,
        handler: ([name]) => {
          log.push(`start ${name}`);
          return new Promise((resolve) =>
            setTimeout(() => {
              log.push(`end ${name}`);
              resolve(1);
            }, 5),
          );
        },
      },
    };
    const { server, port } = await start({ serialExecution: true }, commands);
    try {
      const c = await RawClient.open(port);
      c.send(Buffer.concat([cmd('STEP', 'a'), cmd('STEP', 'b'), cmd('STEP', 'c')]));
      assert.deepEqual(await c.take(3), [1, 1, 1]);
      assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
      c.close();
    } finally {
      await server.close();
    }
  });

  test('a client that does not read makes the server stop reading from it (backpressure)', async () => {
    let calls = 0;
    const big = Buffer.alloc(256 * 1024, 0x61);
    const commands: CommandTable<DemoState> = {
      big: {
        arity: 1,
        handler: () => {
          calls++;
          return big;
        },
      },
    };
    const { server, port } = await start({}, commands);
    try {
      const c = await RawClient.open(port);
      c.socket.pause();
      const n = 200; // 50 MiB of replies if all ran
      c.send(Buffer.concat(Array.from({ length: n }, () => cmd('BIG'))));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(
        calls < n,
        `server kept running commands for a client that does not read (${calls})`,
      );
      assert.ok(server.metrics.readPauses > 0);
      c.socket.resume();
      const replies = await c.take(n, 20_000);
      assert.equal(replies.length, n);
      assert.equal(calls, n);
      c.close();
    } finally {
      await server.close();
    }
  });

  test('maxClients refuses extra connections with Redis wording', async () => {
    const { server, port } = await start({ maxClients: 1 });
    try {
      const first = await RawClient.open(port);
      first.send(cmd('PING'));
      assert.deepEqual(await first.take(1), ['+PONG']);
      const second = await RawClient.open(port);
      assert.deepEqual(await second.take(1), ['-ERR max number of clients reached']);
      await second.waitClosed();
      assert.equal(server.metrics.connectionsRejected, 1);
      first.close();
    } finally {
      await server.close();
    }
  });

  test('close() finishes in-flight commands, closes sockets, refuses new connections', async () => {
    const disconnected: number[] = [];
    const { server, port } = await start({
      onDisconnect: (conn: RespConnection<DemoState>) => disconnected.push(conn.id),
    });
    const busy = await RawClient.open(port);
    const idle = await RawClient.open(port);
    busy.send(cmd('SLEEPECHO', '100', 'finished'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const closed = server.close();
    assert.deepEqual(await busy.take(1), ['finished']);
    await busy.waitClosed();
    await idle.waitClosed();
    await closed;
    assert.equal(disconnected.length, 2);
    assert.equal(server.metrics.connectionsOpen, 0);
    await assert.rejects(RawClient.open(port));
  });

  test('metrics count commands, errors and connections', async () => {
    const { server, port } = await start();
    try {
      const c = await RawClient.open(port);
      c.send(Buffer.concat([cmd('SET', 'a', '1'), cmd('GET', 'a'), cmd('GET'), cmd('WHAT')]));
      await c.take(4);
      const m = server.metrics.snapshot();
      assert.equal(m.commandsProcessed, 4);
      assert.equal(m.errorReplies, 2);
      assert.equal(m.unknownCommands, 1);
      assert.deepEqual(m.perCommand.get, { calls: 2, errors: 1 });
      assert.equal(m.connectionsOpen, 1);
      c.close();
    } finally {
      await server.close();
    }
  });

  test('rejects a malformed command table', () => {
    assert.throws(
      () => new RespServer({ commands: { get: { arity: 0, handler: () => null } } }),
      /command 'get': arity must be a non-zero integer/,
    );
    assert.throws(
      () => new RespServer({ commands: {}, maxPendingRequests: -1 }),
      /maxPendingRequests must be a positive integer/,
    );
  });
});
