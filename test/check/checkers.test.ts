/** Convergence, durability and the Maelstrom-style set and counter workload checkers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convergence, diffReplicas } from '../../src/check/convergence.js';
import { durability } from '../../src/check/durability.js';
import { HistoryLog } from '../../src/check/history-log.js';
import { checkHistory } from '../../src/check/linearizable.js';
import { linearizable } from '../../src/check/linearizable-check.js';
import { casRegisterModel } from '../../src/check/models/register.js';
import {
  checkCounterWorkload,
  checkSetWorkload,
  counterWorkload,
  setWorkload,
} from '../../src/check/workloads.js';
import type { WorldView } from '../../src/core/guarantee.js';
import type { HistoryEvent, OpValue } from '../../src/core/history.js';

/** A history from `[process, type, f, value]` rows, completions paired by process. */
function history(rows: readonly [string, HistoryEvent['type'], string, OpValue][]): HistoryEvent[] {
  const open = new Map<string, number>();
  return rows.map(([process, type, f, value], index) => {
    if (type === 'invoke') {
      open.set(process, index);
      return { index, type, process, f, value, time: index };
    }
    const invokeIndex = open.get(process) as number;
    return { index, type, process, f, value, time: index, invokeIndex };
  });
}

/** Just enough of a world for these checks: nodes, liveness, memory and the history. */
function world(
  memories: Record<string, Record<string, unknown>>,
  h: readonly HistoryEvent[] = [],
  down: readonly string[] = [],
): WorldView {
  return {
    nodes: Object.keys(memories),
    up: (n: string) => !down.includes(n),
    memory: (n: string) => ({
      get: (k: string) => memories[n]?.[k],
      keys: (prefix?: string) =>
        Object.keys(memories[n] ?? {}).filter((k) => k.startsWith(prefix ?? '')),
    }),
    history: h,
  } as unknown as WorldView;
}

describe('convergence', () => {
  it('passes when live replicas agree, ignoring down ones', () => {
    const w = world({ a: { x: 1 }, b: { x: 1 }, c: { x: 9 } }, [], ['c']);
    assert.equal(convergence().check(w), undefined);
  });

  it('lists the differing entries against the first live replica', () => {
    const w = world({ a: { x: 1, y: [1, 2] }, b: { x: 2, y: [1, 2] }, c: { y: [1, 2], z: 0 } });
    const message = convergence().check(w);
    assert.equal(
      message,
      'live replicas differ in 3 entries: x: a=1 b=2; x: a=1 c=missing; z: a=missing c=0',
    );
  });

  it('compares structurally (object key order does not matter) and honours the prefix', () => {
    const states = new Map([
      ['a', new Map([['k', { p: 1, q: 2 }]])],
      ['b', new Map([['k', { q: 2, p: 1 }]])],
    ]);
    assert.deepEqual(diffReplicas(states), []);
    const w = world({ a: { 'data/x': 1, tmp: 1 }, b: { 'data/x': 1, tmp: 2 } });
    assert.equal(convergence({ prefix: 'data/' }).check(w), undefined);
    assert.notEqual(convergence().check(w), undefined);
  });
});

describe('durability', () => {
  const h = history([
    ['c1', 'invoke', 'write', 'a'],
    ['c1', 'ok', 'write', 'a'],
    ['c2', 'invoke', 'write', 'b'],
    ['c2', 'info', 'write', 'b'],
    ['c1', 'invoke', 'write', 'c'],
    ['c1', 'fail', 'write', 'c'],
    ['c1', 'invoke', 'write', 'd'],
    ['c1', 'ok', 'write', 'd'],
  ]);
  it('requires every acknowledged write, and only those', () => {
    const stored = new Set(['a']);
    const check = durability({ present: (_w, inv) => stored.has(inv.value as string) });
    assert.equal(
      check.check(world({}, h)),
      '1 acknowledged write(s) lost: c1 write "d" (history #6)',
    );
    stored.add('d');
    assert.equal(check.check(world({}, h)), undefined);
  });
});

describe('set workload', () => {
  const base: [string, HistoryEvent['type'], string, OpValue][] = [
    ['c1', 'invoke', 'add', 1],
    ['c1', 'ok', 'add', 1],
    ['c2', 'invoke', 'add', 2],
    ['c2', 'info', 'add', 2],
    ['c1', 'invoke', 'add', 3],
    ['c1', 'fail', 'add', 3],
  ];
  const withRead = (read: OpValue[]) =>
    history([...base, ['c3', 'invoke', 'read', null], ['c3', 'ok', 'read', read]]);

  it('passes when every acknowledged add is read; info adds may be', () => {
    assert.equal(checkSetWorkload(withRead([1])).valid, true);
    const r = checkSetWorkload(withRead([2, 1]));
    assert.equal(r.valid, true);
    assert.deepEqual(r.recovered, [2]);
  });

  it('reports lost and unexpected elements', () => {
    const r = checkSetWorkload(withRead([2, 3, 7]));
    assert.deepEqual([r.valid, r.lost, r.unexpected], [false, [1], [3, 7]]);
    assert.equal(
      setWorkload().check(world({}, withRead([2, 3, 7]))),
      'lost 1 acknowledged: 1; unexpected 2: 3, 7',
    );
  });

  it('needs a final read', () => {
    assert.equal(setWorkload().check(world({}, history(base))), 'no ok read with a list result');
  });
});

describe('counter workload', () => {
  it('bounds each read by the adds before and during it', () => {
    const h = history([
      ['c1', 'invoke', 'add', 5],
      ['c1', 'ok', 'add', 5],
      ['c2', 'invoke', 'add', 3],
      ['c3', 'invoke', 'read', null],
      ['c3', 'ok', 'read', 8],
      ['c2', 'info', 'add', 3],
      ['c3', 'invoke', 'read', null],
      ['c3', 'ok', 'read', 5],
    ]);
    assert.deepEqual(checkCounterWorkload(h), []);
    const low = h.map((e) => (e.index === 7 ? { ...e, value: 4 } : e));
    assert.deepEqual(checkCounterWorkload(low), [
      { index: 7, process: 'c3', value: 4, lower: 5, upper: 8 },
    ]);
    assert.match(
      counterWorkload().check(world({}, low)) ?? '',
      /read 4 \(history #7\), allowed \[5, 8\]/,
    );
  });

  it('negative adds (pn-counter) widen the lower bound', () => {
    const h = history([
      ['c1', 'invoke', 'add', -2],
      ['c2', 'invoke', 'read', null],
      ['c2', 'ok', 'read', -2],
    ]);
    assert.deepEqual(checkCounterWorkload(h), []);
    const high = h.map((e) => (e.index === 2 ? { ...e, value: 1 } : e));
    assert.equal(checkCounterWorkload(high).length, 1);
  });
});

describe('linearizable() final check', () => {
  const h = history([
    ['c1', 'invoke', 'write', 1],
    ['c2', 'invoke', 'ping', null],
    ['c1', 'ok', 'write', 1],
    ['c2', 'ok', 'ping', 'pong'],
    ['c2', 'invoke', 'read', null],
    ['c2', 'ok', 'read', 1],
  ]);

  it('checks only the named operations when asked (renumbering the history)', () => {
    assert.throws(() => linearizable(casRegisterModel()).check(world({}, h)), /ping/);
    assert.equal(
      linearizable(casRegisterModel(), { ops: ['read', 'write'] }).check(world({}, h)),
      undefined,
    );
    const stale = h.map((e) => (e.index === 5 ? { ...e, value: 2 } : e));
    const message = linearizable(casRegisterModel(), { ops: ['read', 'write'] }).check(
      world({}, stale),
    );
    assert.match(message ?? '', /could not linearise: op \d+ c2 read\(null\) -> 2/);
  });

  it('fails on unknown unless told to pass', () => {
    const many = history(
      Array.from({ length: 14 }, (_, i): [string, HistoryEvent['type'], string, OpValue] => [
        `c${i}`,
        'invoke',
        'write',
        i,
      ]).concat([
        ['z', 'invoke', 'read', null],
        ['z', 'ok', 'read', 99],
      ]),
    );
    const strict = linearizable(casRegisterModel(), { stepsMax: 10 }).check(world({}, many));
    assert.match(
      strict ?? '',
      /^unknown: [\s\S]*: unknown: the step \(stepsMax\) budget ran out after 11 steps$/,
    );
    assert.equal(
      linearizable(casRegisterModel(), { stepsMax: 10, onUnknown: 'pass' }).check(world({}, many)),
      undefined,
    );
  });
});

describe('HistoryLog (real clients)', () => {
  it('records per-client operations that the checker reads, with the injected clock', () => {
    let now = 100;
    const log = new HistoryLog(() => now++);
    const a = log.client('a');
    const b = log.client('b');
    const w = a.invoke('write', 1);
    const r = b.invoke('read', null);
    a.ok(w, 1);
    b.ok(r, 1);
    assert.deepEqual(
      log.events.map((e) => [e.type, e.process, e.time, e.invokeIndex]),
      [
        ['invoke', 'a', 100, undefined],
        ['invoke', 'b', 101, undefined],
        ['ok', 'a', 102, 0],
        ['ok', 'b', 103, 1],
      ],
    );
    assert.equal(checkHistory(casRegisterModel(), log.events).verdict, 'linearizable');
  });

  it('rejects a second open operation and completing the wrong handle', () => {
    const c = new HistoryLog().client('c');
    const h = c.invoke('read', null);
    assert.throws(() => c.invoke('read', null), /c: invoke read while operation 0 is still open/);
    assert.throws(() => c.ok(h + 1, 1), /c: ok of operation 1, which is not open on it/);
    c.info(h);
    assert.throws(() => c.fail(h), /not open/);
  });
});
