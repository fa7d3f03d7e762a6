// Redis glob patterns (KEYS, SCAN … MATCH) as Redis's stringmatchlen matches them, and a pattern
// built to make a naive backtracking matcher take exponential time answers at once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { globMatch } from '../../src/resp/glob.js';

describe('globMatch', () => {
  test('stars, question marks, classes, ranges, negation and escapes', () => {
    const cases: [string, string, boolean][] = [
      ['*', '', true],
      ['*', 'anything', true],
      ['user:*', 'user:17', true],
      ['user:*', 'usr:17', false],
      ['h?llo', 'hello', true],
      ['h?llo', 'hllo', false],
      ['h[ae]llo', 'hallo', true],
      ['h[ae]llo', 'hillo', false],
      ['h[^e]llo', 'hallo', true],
      ['h[^e]llo', 'hello', false],
      ['h[a-c]llo', 'hbllo', true],
      ['h[c-a]llo', 'hbllo', true],
      ['h[a-c]llo', 'hdllo', false],
      ['h\\*llo', 'h*llo', true],
      ['h\\*llo', 'hallo', false],
      ['[\\]]', ']', true],
      ['*b*b*', 'abab', true],
      ['*b*b*', 'ab', false],
      ['a*', 'A', false],
    ];
    for (const [pattern, text, want] of cases) {
      assert.equal(globMatch(pattern, text), want, `${pattern} against ${text}`);
    }
  });

  test('a pathological pattern is answered in linear-ish time', () => {
    const started = process.hrtime.bigint();
    assert.equal(globMatch(`${'*a'.repeat(30)}b`, 'a'.repeat(5000)), false);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(ms < 1000, `${ms} ms`);
  });
});
