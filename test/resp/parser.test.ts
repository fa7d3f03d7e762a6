// RESP2 request parser: multibulk and inline requests, incremental across arbitrary chunking,
// limits and Redis's protocol-error wording.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  encodeCommand,
  type RequestLimits,
  RequestParser,
  RespProtocolError,
  splitInlineArgs,
} from '../../src/resp/index.js';

/** Feeds `chunks` and collects every request, as strings; rethrows a protocol error. */
function parseAll(
  chunks: readonly (string | Buffer)[],
  limits: Partial<RequestLimits> = {},
): string[][] {
  const parser = new RequestParser(limits);
  const out: string[][] = [];
  for (const chunk of chunks) {
    parser.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    for (let args = parser.next(); args; args = parser.next()) {
      out.push(args.map((a) => a.toString('latin1')));
    }
  }
  return out;
}

/** The protocol error message `input` produces (fed in one chunk), after any good requests. */
function protocolError(input: string, limits: Partial<RequestLimits> = {}): string {
  try {
    parseAll([input], limits);
  } catch (error) {
    assert.ok(error instanceof RespProtocolError, String(error));
    return error.message;
  }
  assert.fail(`no protocol error for ${JSON.stringify(input)}`);
}

/** Every way of cutting `bytes` into two pieces, and into single bytes. */
function splits(bytes: Buffer): Buffer[][] {
  const out: Buffer[][] = [];
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  out.push([...bytes].map((b) => Buffer.from([b])));
  return out;
}

describe('RequestParser', () => {
  test('parses multibulk requests, binary-safe, several per chunk', () => {
    const input = Buffer.concat([
      encodeCommand(['SET', 'k', 'v\r\n\0\xff']),
      encodeCommand(['GET', 'k']),
      encodeCommand(['PING']),
    ]);
    assert.deepEqual(parseAll([input]), [
      ['SET', 'k', Buffer.from('v\r\n\0\xff').toString('latin1')],
      ['GET', 'k'],
      ['PING'],
    ]);
  });

  test('parses empty bulk strings and skips empty arrays', () => {
    assert.deepEqual(parseAll(['*0\r\n*-1\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n']), [['GET', '']]);
  });

  test('parses inline commands with quoting like redis-cli and telnet', () => {
    assert.deepEqual(parseAll(["PING\r\nset  k   \"a b\\x41\\n\"\n\r\n   \r\nget 'it\\'s'\r\n"]), [
      ['PING'],
      ['set', 'k', 'a bA\n'],
      ['get', "it's"],
    ]);
  });

  test('split at every byte gives the same requests', () => {
    const input = Buffer.concat([
      encodeCommand(['SET', 'key', 'x'.repeat(40)]),
      Buffer.from('PING\r\nECHO "hi there"\r\n'),
      encodeCommand(['MGET', 'a', '', 'c']),
    ]);
    const expected = parseAll([input]);
    assert.equal(expected.length, 4);
    for (const chunks of splits(input)) assert.deepEqual(parseAll(chunks), expected);
  });

  test('arguments inside one chunk are views of it (zero-copy)', () => {
    const chunk = encodeCommand(['SET', 'key', 'value']);
    const parser = new RequestParser();
    parser.push(chunk);
    const args = parser.next()!;
    assert.equal(args[2]!.buffer, chunk.buffer);
  });

  test('a large bulk arriving in many chunks arrives intact, nothing left buffered', () => {
    const value = Buffer.alloc(300_000, 7);
    const input = encodeCommand(['SET', 'k', value]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < input.length; i += 1000) chunks.push(input.subarray(i, i + 1000));
    const parser = new RequestParser();
    let got: Buffer[] | undefined;
    for (const chunk of chunks) {
      parser.push(chunk);
      got ??= parser.next();
    }
    assert.ok(got);
    assert.ok(got[2]!.equals(value));
    assert.equal(parser.bufferedBytes, 0);
  });

  test('protocol errors use Redis wording', () => {
    assert.equal(protocolError('*1\r\n$x\r\n'), 'Protocol error: invalid bulk length');
    assert.equal(protocolError('*1\r\n$-5\r\n'), 'Protocol error: invalid bulk length');
    assert.equal(protocolError('*1\r\n$01\r\nA\r\n'), 'Protocol error: invalid bulk length');
    assert.equal(
      protocolError('*2\r\n$3\r\nGET\r\n:1\r\n'),
      "Protocol error: expected '$', got ':'",
    );
    assert.equal(protocolError('*abc\r\n'), 'Protocol error: invalid multibulk length');
    assert.equal(protocolError('*+1\r\n'), 'Protocol error: invalid multibulk length');
    assert.equal(
      protocolError('*1\r\n$3\r\nGETXX'),
      'Protocol error: expected CRLF after bulk data',
    );
    assert.equal(protocolError('*1\rX'), "Protocol error: expected '\\n' after '\\r'");
    assert.equal(
      protocolError('set "unterminated\r\n'),
      'Protocol error: unbalanced quotes in request',
    );
    assert.equal(protocolError('set "a"b\r\n'), 'Protocol error: unbalanced quotes in request');
  });

  test('limits: bulk, array, inline and request sizes', () => {
    assert.equal(
      protocolError('*1\r\n$11\r\n', { maxBulkBytes: 10 }),
      'Protocol error: invalid bulk length',
    );
    assert.deepEqual(parseAll(['*1\r\n$10\r\n0123456789\r\n'], { maxBulkBytes: 10 }), [
      ['0123456789'],
    ]);
    assert.equal(
      protocolError('*4\r\n', { maxArrayLength: 3 }),
      'Protocol error: invalid multibulk length',
    );
    assert.equal(protocolError('*1\r\n$999999999999\r\n'), 'Protocol error: invalid bulk length');
    assert.equal(
      protocolError('x'.repeat(101), { maxInlineBytes: 100 }),
      'Protocol error: too big inline request',
    );
    assert.equal(
      protocolError(`${'x'.repeat(101)}\n`, { maxInlineBytes: 100 }),
      'Protocol error: too big inline request',
    );
    assert.equal(
      protocolError(`*${'1'.repeat(200)}`, { maxInlineBytes: 100 }),
      'Protocol error: too big mbulk count string',
    );
    assert.equal(
      protocolError(`*1\r\n$${'1'.repeat(200)}`, { maxInlineBytes: 100 }),
      'Protocol error: too big bulk count string',
    );
    assert.equal(
      protocolError('*3\r\n$5\r\n01234\r\n$5\r\n01234\r\n$5\r\n', { maxRequestBytes: 12 }),
      'Protocol error: request larger than 12 bytes',
    );
  });

  test('requests before a protocol error are delivered; then the parser stays failed', () => {
    const parser = new RequestParser();
    parser.push(Buffer.from('PING\r\n*1\r\n$-3\r\nPING\r\n'));
    assert.deepEqual(parser.next()?.map(String), ['PING']);
    assert.throws(() => parser.next(), /invalid bulk length/);
    parser.push(Buffer.from('PING\r\n'));
    assert.throws(() => parser.next(), /invalid bulk length/);
    assert.ok(parser.failed);
  });

  test('error offsets point into the stream', () => {
    const parser = new RequestParser();
    parser.push(Buffer.from('PING\r\n*1\r\n'));
    assert.deepEqual(parser.next()?.map(String), ['PING']);
    assert.equal(parser.next(), undefined);
    parser.push(Buffer.from('$x\r\n'));
    try {
      parser.next();
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof RespProtocolError);
      assert.equal(error.offset, 14);
    }
  });

  test('splitInlineArgs escapes and quoting', () => {
    const split = (s: string) =>
      splitInlineArgs(Buffer.from(s, 'latin1'))?.map((b) => b.toString('latin1'));
    assert.deepEqual(split('  a  b\tc '), ['a', 'b', 'c']);
    assert.deepEqual(split('"\\t\\r\\a\\b\\\\\\"\\x7a"'), ['\t\r\x07\b\\"z']);
    assert.deepEqual(split("'a\\'b' \"\""), ["a'b", '']);
    assert.deepEqual(split('x"y z"'), ['xy z']);
    assert.equal(split('"abc'), undefined);
    assert.equal(split("'abc"), undefined);
    assert.deepEqual(split(''), []);
  });

  test('property: encode then parse, under arbitrary chunking, gives the commands back', () => {
    const arg = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
    const command = fc.array(arg, { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(
        fc.array(command, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (commands, cuts) => {
          const input = Buffer.concat(commands.map((c) => encodeCommand(c)));
          const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort(
            (a, b) => a - b,
          );
          const chunks: Buffer[] = [];
          let at = 0;
          for (const p of points) {
            chunks.push(input.subarray(at, p));
            at = p;
          }
          chunks.push(input.subarray(at));
          const got = parseAll(chunks);
          assert.deepEqual(
            got,
            commands.map((c) => c.map((a) => a.toString('latin1'))),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  test('property: arbitrary bytes never crash the parser: requests or one protocol error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 200 }), (bytes, cut) => {
        const input = Buffer.from(bytes);
        const at = Math.min(cut, input.length);
        const whole = outcome([input]);
        const split = outcome([input.subarray(0, at), input.subarray(at)]);
        assert.deepEqual(split, whole);
      }),
      { numRuns: 500 },
    );
  });
});

/** Requests and the error (if any) for `chunks`; errors as messages. */
function outcome(chunks: Buffer[]): { requests: string[][]; error?: string } {
  const requests: string[][] = [];
  const parser = new RequestParser({ maxInlineBytes: 50, maxBulkBytes: 100 });
  try {
    for (const chunk of chunks) {
      parser.push(chunk);
      for (let args = parser.next(); args; args = parser.next()) {
        requests.push(args.map((a) => a.toString('latin1')));
      }
    }
  } catch (error) {
    assert.ok(error instanceof RespProtocolError, String(error));
    return { requests, error: error.message };
  }
  return { requests };
}
