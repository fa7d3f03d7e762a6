// Byte helpers: unsigned lexicographic order, latin1 map keys that preserve it, UTF-8 round trips.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  compareBytes,
  copyBytes,
  describeBytes,
  fromKeyString,
  fromUtf8,
  toKeyString,
  utf8,
} from '../../src/storage/bytes.js';

const b = (...xs: number[]) => new Uint8Array(xs);

describe('bytes', () => {
  test('compareBytes is unsigned and lexicographic, shorter prefix first', () => {
    assert.ok(compareBytes(b(), b(0)) < 0);
    assert.ok(compareBytes(b(0x7f), b(0x80)) < 0, '0x80 sorts after 0x7f (unsigned)');
    assert.ok(compareBytes(b(0xff), b(0x00, 0x00)) > 0);
    assert.ok(compareBytes(b(1, 2), b(1, 2, 0)) < 0);
    assert.equal(compareBytes(b(1, 2, 3), b(1, 2, 3)), 0);
    assert.ok(compareBytes(b(2), b(1, 0xff)) > 0);
  });

  test('latin1 key strings preserve byte order (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (x, y) => {
        const byBytes = Math.sign(compareBytes(x, y));
        const kx = toKeyString(x);
        const ky = toKeyString(y);
        const byString = kx < ky ? -1 : kx > ky ? 1 : 0;
        assert.equal(byString, byBytes);
        assert.deepEqual(fromKeyString(kx), x);
      }),
      { numRuns: 500 },
    );
  });

  test('toKeyString honours subarray offsets', () => {
    const whole = b(9, 1, 2, 9);
    assert.deepEqual(fromKeyString(toKeyString(whole.subarray(1, 3))), b(1, 2));
  });

  test('utf8 round-trips and fromUtf8 rejects invalid UTF-8', () => {
    assert.equal(fromUtf8(utf8('héllo ✓')), 'héllo ✓');
    assert.throws(() => fromUtf8(b(0xff)));
  });

  test('copyBytes copies', () => {
    const x = b(1, 2);
    const y = copyBytes(x);
    x[0] = 7;
    assert.deepEqual(y, b(1, 2));
  });

  test('describeBytes prints printable keys as text and others as hex', () => {
    assert.equal(describeBytes(utf8('key/1')), '"key/1"');
    assert.equal(describeBytes(b(0, 0xff)), '0x00ff');
    assert.equal(describeBytes(b()), '""');
  });
});
