// Real clients against a RespServer serving the demo command set: the real `redis-cli` (commands,
// inline errors, --pipe mode), ioredis with pipelining (its RESP3 → RESP2 fallback and INFO ready
// check), and a `redis-benchmark` smoke run. Each tool runs as a child process with a timeout.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { RespServer } from '../../src/resp/index.js';
import { type DemoState, demoCommands } from './demo-store.js';

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a tool to completion (the server lives in this process, so never block the loop). */
function run(file: string, args: string[], input?: string, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ stdout, stderr, code: typeof error?.code === 'number' ? error.code : 0 });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

describe('real clients against RespServer', () => {
  let server: RespServer<DemoState>;
  let port: number;
  const data = new Map<string, Buffer>();
  before(async () => {
    server = new RespServer<DemoState>({
      commands: demoCommands(data),
      createState: () => ({ commands: 0 }),
      config: { save: '', appendonly: 'no' },
    });
    ({ port } = await server.listen(0));
  });
  after(() => server.close());

  const cli = (...args: string[]) => run('redis-cli', ['-p', String(port), ...args]);

  test('redis-cli: commands, nil, integers, errors', async () => {
    assert.equal((await cli('SET', 'greeting', 'hello world')).stdout, 'OK\n');
    assert.equal((await cli('GET', 'greeting')).stdout, 'hello world\n');
    assert.equal((await cli('--no-raw', 'GET', 'missing')).stdout, '(nil)\n');
    assert.equal((await cli('--no-raw', 'INCR', 'counter')).stdout, '(integer) 1\n');
    assert.equal(
      (await cli('--no-raw', 'INCR', 'greeting')).stdout,
      '(error) ERR value is not an integer or out of range\n',
    );
    assert.equal(
      (await cli('--no-raw', 'FLUSHALL')).stdout,
      "(error) ERR unknown command 'FLUSHALL', with args beginning with: \n",
    );
    assert.equal(
      (await cli('--no-raw', 'SET', 'k', 'v', 'NX', 'XX')).stdout,
      '(error) ERR syntax error\n',
    );
    assert.equal(
      (await cli('--no-raw', 'MGET', 'greeting', 'missing')).stdout,
      '1) "hello world"\n2) (nil)\n',
    );
    assert.equal((await cli('PING')).stdout, 'PONG\n');
  });

  test('redis-cli reads several commands from stdin, one connection', async () => {
    const many = await run(
      'redis-cli',
      ['-p', String(port), '--no-raw'],
      'SET a 1\nINCR a\nGET a\nCLIENT SETNAME me\nCLIENT GETNAME\n',
    );
    assert.equal(many.stdout, 'OK\n(integer) 2\n"2"\nOK\n"me"\n');
  });

  test('redis-cli --pipe: mass insertion of raw protocol', async () => {
    const n = 2000;
    let input = '';
    for (let i = 0; i < n; i++)
      input += `*3\r\n$3\r\nSET\r\n$${`pipe:${i}`.length}\r\npipe:${i}\r\n$1\r\n${i % 10}\r\n`;
    input += '*2\r\n$3\r\nGET\r\n$0\r\n\r\n*1\r\n$7\r\nBADCMND\r\n';
    const result = await run('redis-cli', ['-p', String(port), '--pipe'], input);
    // redis-cli --pipe exits 1 when any reply was an error (here: the unknown command).
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr + result.stdout, /ERR unknown command 'BADCMND'/);
    assert.match(result.stdout, new RegExp(`errors: 1, replies: ${n + 2}`));
    assert.equal(data.get('pipe:1999')?.toString(), '9');
  });

  test('ioredis: handshake, commands and a pipeline of 1000', async () => {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    try {
      assert.equal(await client.set('io:key', 'value'), 'OK');
      assert.equal(await client.get('io:key'), 'value');
      assert.equal(await client.get('io:none'), null);
      await assert.rejects(client.incr('io:key'), /ERR value is not an integer or out of range/);
      const pipeline = client.pipeline();
      for (let i = 0; i < 1000; i++) pipeline.incr('io:counter');
      const results = await pipeline.exec();
      assert.ok(results);
      assert.deepEqual(
        results.map(([error, value]) => [error, value]),
        Array.from({ length: 1000 }, (_, i) => [null, i + 1]),
      );
      // A binary value survives the round trip.
      const bytes = Buffer.from([0, 255, 13, 10, 128]);
      await client.set('io:bin', bytes);
      assert.deepEqual(await client.getBuffer('io:bin'), bytes);
    } finally {
      client.disconnect();
    }
  });

  test('redis-benchmark -t ping,set,get -n 20000 completes against the server', async () => {
    const result = await run(
      'redis-benchmark',
      ['-p', String(port), '-t', 'ping,set,get', '-n', '20000', '-q'],
      undefined,
      120_000,
    );
    assert.equal(result.code, 0, result.stderr);
    for (const test of ['PING_INLINE', 'PING_MBULK', 'SET', 'GET']) {
      assert.match(
        result.stdout,
        new RegExp(`${test}: [\\d.]+ requests per second`),
        result.stdout,
      );
    }
    assert.doesNotMatch(result.stderr, /Could not fetch server CONFIG/);
    // The server answered every request: 4 tests × 20000, plus CONFIG GETs.
    assert.ok(server.metrics.commandsProcessed >= 80_000);
    assert.equal(server.metrics.protocolErrors, 0);
  });
});
