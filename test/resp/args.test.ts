// Argument parsers: integers with Redis's rules and wording, floats, keyword options, SET options.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  parseFloatArg,
  parseInt64,
  parseInteger,
  parseOptions,
  parseSetOptions,
  RespError,
} from '../../src/resp/index.js';

const b = (s: string) => Buffer.from(s);
const rejects = (fn: () => unknown, message: string) =>
  assert.throws(fn, (e: unknown) => e instanceof RespError && e.line === `ERR ${message}`);

describe('argument parsers', () => {
  test('parseInteger accepts canonical integers only', () => {
    assert.equal(parseInteger(b('0')), 0);
    assert.equal(parseInteger(b('-17')), -17);
    assert.equal(parseInteger(b('9007199254740991')), 9007199254740991);
    for (const bad of ['', '+1', '01', '-0', ' 1', '1 ', '1.0', 'abc', '9007199254740992', '1e3']) {
      rejects(() => parseInteger(b(bad)), 'value is not an integer or out of range');
    }
    rejects(() => parseInteger(b('5'), 0, 4), 'value is not an integer or out of range');
  });

  test('property: parseInteger round-trips every safe integer', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        (n) => {
          assert.equal(parseInteger(b(String(n))), n + 0 /* -0 prints as 0 */);
        },
      ),
    );
  });

  test('parseInt64 covers the full signed 64-bit range exactly', () => {
    assert.equal(parseInt64(b('9223372036854775807')), 2n ** 63n - 1n);
    assert.equal(parseInt64(b('-9223372036854775808')), -(2n ** 63n));
    rejects(() => parseInt64(b('9223372036854775808')), 'value is not an integer or out of range');
    rejects(() => parseInt64(b('12a')), 'value is not an integer or out of range');
  });

  test('parseFloatArg', () => {
    assert.equal(parseFloatArg(b('1.5')), 1.5);
    assert.equal(parseFloatArg(b('-2e3')), -2000);
    assert.equal(parseFloatArg(b('.5')), 0.5);
    assert.equal(parseFloatArg(b('-inf')), Number.NEGATIVE_INFINITY);
    for (const bad of ['', 'nan', '1.5x', ' 1', '1,5']) {
      rejects(() => parseFloatArg(b(bad)), 'value is not a valid float');
    }
  });

  test('parseOptions: keywords any case, values, syntax errors', () => {
    const spec = { MATCH: 'bytes', COUNT: 'integer', NOVALUES: 'flag' } as const;
    const got = parseOptions(
      [b('0'), b('match'), b('a*'), b('Count'), b('10'), b('NOVALUES')],
      1,
      spec,
    );
    assert.equal(got.MATCH?.toString(), 'a*');
    assert.equal(got.COUNT, 10);
    assert.equal(got.NOVALUES, true);
    rejects(() => parseOptions([b('COUNT')], 0, spec), 'syntax error');
    rejects(() => parseOptions([b('BOGUS')], 0, spec), 'syntax error');
    rejects(() => parseOptions([b('COUNT'), b('1'), b('COUNT'), b('2')], 0, spec), 'syntax error');
    rejects(
      () => parseOptions([b('COUNT'), b('x')], 0, spec),
      'value is not an integer or out of range',
    );
    rejects(
      () => parseOptions([b('MATCH'), b('x'), b('COUNT'), b('1')], 0, spec, [['MATCH', 'COUNT']]),
      'syntax error',
    );
    // A spec key inherited from Object.prototype is not an option.
    rejects(() => parseOptions([b('constructor')], 0, spec), 'syntax error');
  });

  test('parseSetOptions: Redis semantics and errors', () => {
    const set = (...words: string[]) => parseSetOptions(['k', 'v', ...words].map(b), 2);
    assert.deepEqual(set(), { get: false, keepTtl: false });
    assert.deepEqual(set('nx', 'EX', '10'), {
      condition: 'NX',
      get: false,
      keepTtl: false,
      expiry: { relativeMs: 10_000 },
    });
    assert.deepEqual(set('XX', 'GET', 'PX', '5'), {
      condition: 'XX',
      get: true,
      keepTtl: false,
      expiry: { relativeMs: 5 },
    });
    assert.deepEqual(set('PXAT', '123'), {
      get: false,
      keepTtl: false,
      expiry: { absoluteMs: 123 },
    });
    assert.deepEqual(set('KEEPTTL'), { get: false, keepTtl: true });
    rejects(() => set('NX', 'XX'), 'syntax error');
    rejects(() => set('EX', '1', 'PX', '1'), 'syntax error');
    rejects(() => set('EX', '1', 'KEEPTTL'), 'syntax error');
    rejects(() => set('EX'), 'syntax error');
    rejects(() => set('WHAT'), 'syntax error');
    rejects(() => set('EX', '0'), "invalid expire time in 'set' command");
    rejects(() => set('EX', '-5'), "invalid expire time in 'set' command");
    rejects(() => set('EX', 'soon'), "invalid expire time in 'set' command");
    rejects(() => set('EX', '9007199254740991'), "invalid expire time in 'set' command");
  });
});
