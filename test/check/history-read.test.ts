/**
 * Reading histories: Jepsen log lines, Jepsen EDN op maps, JSON lines and JSON; malformed input
 * names the source, the line and what was expected.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readEdn } from '../../src/check/edn.js';
import { detectFormat, HistoryParseError, parseHistory } from '../../src/check/history-read.js';
import { checkHistory } from '../../src/check/linearizable.js';
import { kvModel } from '../../src/check/models/kv.js';
import { casRegisterModel } from '../../src/check/models/register.js';

/** Knossos-style log lines: tabs in some, spaces in others, a nemesis line and another logger. */
const LOG = [
  'INFO  jepsen.core - Running test',
  'INFO  jepsen.util - 0\t:invoke\t:write\t1',
  'INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]',
  'INFO  jepsen.util - 0\t:ok\t:write\t1',
  'INFO  jepsen.util - :nemesis\t:info\t:start\tnil',
  'INFO  jepsen.util - 1  :fail  :cas  [1 2]',
  'INFO  jepsen.util - 2\t:invoke\t:read\tnil',
  'INFO  jepsen.util - 2\t:ok\t:read\t1',
  'INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]',
  'INFO  jepsen.util - 3\t:info\t:cas\t:timed-out',
].join('\n');

const EDN = [
  '{:process 0, :type :invoke, :f :put, :key "x", :value "a"}',
  '{:process 1, :type :invoke, :f :get, :key "x", :value nil}',
  '{:process 0, :type :ok, :f :put, :key "x", :value "a"}',
  '{:process 1, :type :ok, :f :get, :key "x", :value "a"}',
  '{:process 0, :type :invoke, :f :append, :key "y", :value "b", :time 7}',
  '{:process 0, :type :ok, :f :append, :key "y", :value "b", :time 9}',
].join('\n');

describe('history reading', () => {
  it('reads Jepsen log lines and pairs completions by process', () => {
    const h = parseHistory(LOG, { source: 'cas.log' });
    assert.equal(detectFormat(LOG), 'jepsen-log');
    assert.equal(h.length, 8);
    assert.deepEqual(h[0], {
      index: 0,
      type: 'invoke',
      process: '0',
      f: 'write',
      value: 1,
      time: 0,
    });
    assert.deepEqual(h[3], {
      index: 3,
      type: 'fail',
      process: '1',
      f: 'cas',
      value: [1, 2],
      time: 3,
      invokeIndex: 1,
    });
    assert.equal(h[7]?.value, ':timed-out');
    assert.equal(checkHistory(casRegisterModel(), h).verdict, 'linearizable');
  });

  it('a log whose read sees a failed CAS is not linearizable', () => {
    const bad = LOG.replace('2\t:ok\t:read\t1', '2\t:ok\t:read\t2');
    const h = parseHistory(bad);
    assert.equal(checkHistory(casRegisterModel(), h).verdict, 'not-linearizable');
  });

  it('reads EDN op maps, folding :key into the value and reading :time', () => {
    assert.equal(detectFormat(EDN), 'edn');
    const h = parseHistory(EDN);
    assert.deepEqual(h[3]?.value, ['x', 'a']);
    assert.equal(h[4]?.time, 7);
    assert.equal(checkHistory(kvModel(), h).verdict, 'linearizable');
    const stale = EDN.replace(
      ':type :ok, :f :get, :key "x", :value "a"',
      ':type :ok, :f :get, :key "x", :value "z"',
    );
    assert.equal(checkHistory(kvModel(), parseHistory(stale)).verdict, 'not-linearizable');
  });

  it('reads JSON lines and JSON documents (arrays and run summaries)', () => {
    const events = [
      { process: 'c1', type: 'invoke', f: 'write', value: 3 },
      { process: 'c1', type: 'ok', f: 'write', value: 3 },
    ];
    const jsonl = events.map((e) => JSON.stringify(e)).join('\n');
    assert.equal(detectFormat(jsonl), 'jsonl');
    const a = parseHistory(jsonl);
    const b = parseHistory(JSON.stringify(events, null, 2));
    const c = parseHistory(JSON.stringify({ spec: 'x', history: events }, null, 2));
    assert.equal(a[1]?.invokeIndex, 0);
    assert.deepEqual(a, b);
    assert.deepEqual(a, c);
  });

  it('reads EDN values: nested collections, sets, strings, tags, comments', () => {
    assert.deepEqual(readEdn('{:a [1 2.5 "x\\"y"], :b #{:k}, :c (nil true)} ; done'), {
      ':a': [1, 2.5, 'x"y'],
      ':b': [':k'],
      ':c': [null, true],
    });
    assert.equal(readEdn('#inst "2020-01-01"'), '2020-01-01');
    assert.throws(() => readEdn('[1 2'), /column 5: expected \], found the end/);
  });

  const errors: [string, string, RegExp][] = [
    [
      'duplicate invoke',
      '0 :invoke :read nil\n0 :invoke :read nil',
      /h\.log:2: duplicate invoke: process 0 .*line 1/,
    ],
    [
      'unmatched return',
      '0 :invoke :read nil\n1 :ok :read 3',
      /h\.log:2: unmatched ok: process 1 has no open invoke/,
    ],
    [
      'unknown type',
      '0 :invoke :read nil\n0 :done :read 3',
      /h\.log:2: unknown type "done": expected invoke, ok, fail or info/,
    ],
    ['malformed line', '0 :invoke :read nil\nhello', /h\.log:2: expected "<process> :invoke/],
    ['malformed value', '0 :invoke :cas [1 2', /h\.log:1: malformed EDN at column \d+/],
    [
      'completion of another f',
      '0 :invoke :read nil\n0 :ok :write 3',
      /h\.log:2: ok of write completes process 0's read \(line 1\)/,
    ],
    ['EDN map missing :f', '{:process 0, :type :invoke}', /h\.log:1: expected :f/],
    [
      'JSON line missing type',
      '{"process": "a", "f": "read"}',
      /h\.log:1: line 1: expected "type"/,
    ],
  ];
  for (const [name, text, message] of errors) {
    it(`rejects ${name}, naming file and line`, () => {
      assert.throws(
        () => parseHistory(text, { source: 'h.log' }),
        (e: unknown) => e instanceof HistoryParseError && message.test(e.message),
      );
    });
  }
});
