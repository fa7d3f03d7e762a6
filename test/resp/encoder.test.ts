// Reply encoding: wire format of every reply kind, rejection of malformed replies, and the
// encode → parse round trip (property).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  encodeReply,
  NULL_ARRAY,
  OK,
  type ParsedReply,
  PONG,
  type Reply,
  ReplyParser,
  ReplyWriter,
  RespError,
  SimpleString,
  simple,
} from '../../src/resp/index.js';

const wire = (reply: Reply) => encodeReply(reply).toString('latin1');

describe('reply encoding', () => {
  test('each reply kind has its RESP2 encoding', () => {
    assert.equal(wire(OK), '+OK\r\n');
    assert.equal(wire(PONG), '+PONG\r\n');
    assert.equal(wire(simple('FULLRESYNC')), '+FULLRESYNC\r\n');
    assert.equal(wire(new RespError('bad thing')), '-ERR bad thing\r\n');
    assert.equal(wire(new RespError('Wrong kind', 'WRONGTYPE')), '-WRONGTYPE Wrong kind\r\n');
    assert.equal(wire(new RespError('two\r\nlines')), '-ERR two lines\r\n');
    assert.equal(wire(0), ':0\r\n');
    assert.equal(wire(1), ':1\r\n');
    assert.equal(wire(-42), ':-42\r\n');
    assert.equal(wire(9007199254740991), ':9007199254740991\r\n');
    assert.equal(wire(-(2n ** 63n)), ':-9223372036854775808\r\n');
    assert.equal(wire(null), '$-1\r\n');
    assert.equal(wire(NULL_ARRAY), '*-1\r\n');
    assert.equal(wire(''), '$0\r\n\r\n');
    assert.equal(wire('é'), '$2\r\n\xc3\xa9\r\n');
    assert.equal(wire(Buffer.from([0, 13, 10])), '$3\r\n\0\r\n\r\n');
    assert.equal(wire(new Uint8Array([65])), '$1\r\nA\r\n');
    assert.equal(wire([]), '*0\r\n');
    assert.equal(
      wire([1, 'a', null, [OK, NULL_ARRAY]]),
      '*4\r\n:1\r\n$1\r\na\r\n$-1\r\n*2\r\n+OK\r\n*-1\r\n',
    );
  });

  test('malformed replies are rejected with a named problem, and nothing is written', () => {
    const writer = new ReplyWriter();
    writer.write(OK);
    assert.throws(() => writer.write([1, 2, 1.5]), /integer reply is not a safe integer: 1.5/);
    assert.throws(() => writer.write(2n ** 63n), /outside the signed 64-bit range/);
    assert.throws(() => writer.write(new SimpleString('a\nb')), /contains CR or LF/);
    assert.throws(() => writer.write(undefined as unknown as Reply), /not a RESP reply: undefined/);
    assert.throws(() => writer.write({} as unknown as Reply), /not a RESP reply: Object/);
    assert.throws(() => simple('x\r'), /contains CR or LF/);
    assert.equal(Buffer.concat(writer.take()).toString(), '+OK\r\n');
  });

  test('large bulks are passed by reference between buffered replies', () => {
    const big = Buffer.alloc(100_000, 1);
    const writer = new ReplyWriter();
    writer.write(OK);
    writer.write(big);
    writer.write(1);
    const chunks = writer.take();
    assert.ok(chunks.includes(big));
    assert.equal(Buffer.concat(chunks).length, 5 + 9 + 100_000 + 2 + 4);
    assert.equal(writer.byteLength, 0);
  });

  test('a large reply in many small chunks parses once complete, exactly', () => {
    const big = Buffer.alloc(2_000_000, 0x5a);
    big[1_234_567] = 1;
    const bytes = encodeReply([big, 'tail']);
    const parser = new ReplyParser();
    const got: ParsedReply[] = [];
    for (let i = 0; i < bytes.length; i += 1000) {
      parser.push(bytes.subarray(i, i + 1000));
      for (let r = parser.next(); r !== undefined; r = parser.next()) got.push(r);
    }
    assert.equal(got.length, 1);
    const [value, tail] = got[0] as Buffer[];
    assert.ok(value!.equals(big));
    assert.equal(tail!.toString(), 'tail');
  });

  test('property: encode then parse gives the reply back', () => {
    const leaf: fc.Arbitrary<Reply> = fc.oneof(
      fc.constant(null),
      fc.constant(NULL_ARRAY),
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.uint8Array({ maxLength: 30 }).map((a) => Buffer.from(a)),
      fc
        .string({ maxLength: 20 })
        .filter((s) => !/[\r\n]/.test(s))
        .map((s) => new SimpleString(s)),
      fc
        .tuple(fc.constantFrom('ERR', 'WRONGTYPE', 'MOVED'), fc.string({ maxLength: 20 }))
        .filter(([, m]) => !/[\r\n]/.test(m))
        .map(([code, m]) => new RespError(m, code)),
    );
    const reply = fc.letrec<{ reply: Reply }>((tie) => ({
      reply: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('reply'), { maxLength: 4 })),
    })).reply;
    fc.assert(
      fc.property(
        fc.array(reply, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (replies, cuts) => {
          const bytes = Buffer.concat(replies.map((r) => encodeReply(r)));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const chunks: Buffer[] = [];
          let from = 0;
          for (const p of [...points, bytes.length]) {
            chunks.push(bytes.subarray(from, p));
            from = p;
          }
          const parser = new ReplyParser();
          const got: ParsedReply[] = [];
          for (const chunk of chunks) {
            parser.push(chunk);
            for (let r = parser.next(); r !== undefined; r = parser.next()) got.push(r);
          }
          assert.deepEqual(got.map(normalise), replies.map(normalise));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** A comparable form: integers as bigint strings, bytes as hex, errors as their line. */
function normalise(reply: Reply | ParsedReply): unknown {
  if (reply === null || reply === NULL_ARRAY) return reply;
  if (typeof reply === 'number' || typeof reply === 'bigint') return `int:${BigInt(reply)}`;
  if (reply instanceof Uint8Array) return `bulk:${Buffer.from(reply).toString('hex')}`;
  if (reply instanceof SimpleString) return `simple:${reply.value}`;
  if (reply instanceof RespError) return `error:${reply.line.trimEnd()}`;
  if (Array.isArray(reply)) return reply.map(normalise);
  return reply;
}
