// The pure presence core: tracking on one node, merging replicas (joins, leaves, updates,
// superseded incarnations, collection of permanently-down nodes, rejoin), the diff computation
// (unit cases and the law replay(a, diff(a, merge(a, b))) = merge(a, b) under fast-check), wire
// validation, and the run checks on hand-made worlds (they do fail on a lost diff or a missing
// entry).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { FactRecord } from '../../../src/core/fact.js';
import type { WorldView } from '../../../src/core/guarantee.js';
import {
  applyDiffs,
  decodeState,
  diffViews,
  PresenceState,
  type PresenceView,
  viewLines,
} from '../../../src/stores/primitives/presence.js';
import {
  crashRemovalDelays,
  diffsReplay,
  presenceListsExpected,
} from '../../../src/stores/primitives/presence-guarantees.js';

const all = () => true;
const lines = (s: PresenceState, visible: (n: string) => boolean = all) =>
  viewLines(s.view(visible));

describe('presence state', () => {
  test('track, update, untrack on the owner', () => {
    const a = new PresenceState('n1', 0);
    a.track('room', 'alice', { status: 'online' });
    assert.throws(() => a.track('room', 'alice', {}), /already tracked in room on n1; use update/);
    a.update('room', 'alice', { status: 'away' });
    assert.deepEqual(lines(a), ['room n1 alice n1@0 [["status","away"]]']);
    assert.equal(a.untrack('room', 'alice'), true);
    assert.equal(a.untrack('room', 'alice'), false);
    assert.throws(() => a.update('room', 'alice', {}), /alice is not tracked in room on n1/);
    assert.deepEqual(lines(a), []);
  });

  test('bad metadata and node ids are rejected with the field named', () => {
    const a = new PresenceState('n1', 0);
    assert.throws(
      () => a.track('room', 'k', { nested: {} as unknown as string }),
      /track\(room, k\): metadata field nested must be a string, number, boolean or null/,
    );
    assert.throws(() => new PresenceState('n@1', 0), /must not contain '@'/);
    assert.throws(() => new PresenceState('n1', -1), /incarnation -1/);
  });

  test('merge spreads joins, updates and leaves; a stale peer cannot resurrect', () => {
    const a = new PresenceState('n1', 0);
    const b = new PresenceState('n2', 0);
    a.track('room', 'alice', { s: 1 });
    b.merge(a.encode());
    const stale = a.encode();
    a.untrack('room', 'alice');
    a.track('room', 'bob', { s: 2 });
    b.merge(a.encode());
    assert.deepEqual(lines(b), ['room n1 bob n1@0 [["s",2]]']);
    b.merge(stale); // an old copy of a's state, duplicated or delayed
    assert.deepEqual(lines(b), ['room n1 bob n1@0 [["s",2]]']);
  });

  test('a newer incarnation supersedes the entries of an older one, even relayed', () => {
    const old = new PresenceState('n1', 0);
    old.track('room', 'alice', {});
    const b = new PresenceState('n2', 0);
    const c = new PresenceState('n3', 0);
    b.merge(old.encode());
    c.merge(old.encode());
    const fresh = new PresenceState('n1', 1); // restarted: its tracked processes died
    fresh.track('room', 'carol', {});
    b.merge(fresh.encode());
    assert.deepEqual(lines(b), ['room n1 carol n1@1 []']);
    b.merge(c.encode()); // c still relays the old incarnation
    assert.deepEqual(lines(b), ['room n1 carol n1@1 []']);
    fresh.merge(c.encode()); // and the restarted node never lists its own old entries
    assert.deepEqual(lines(fresh), ['room n1 carol n1@1 []']);
  });

  test('down peers are hidden, collected peers gone, a rejoin re-adds under fresh dots', () => {
    const a = new PresenceState('n1', 0);
    const b = new PresenceState('n2', 0);
    a.track('room', 'alice', {});
    b.track('room', 'bob', {});
    b.merge(a.encode());
    assert.deepEqual(
      lines(b, (n) => n !== 'n1'),
      ['room n2 bob n2@0 []'],
    );
    b.collect('n1');
    b.merge(a.encode()); // the collected dots stay removed
    assert.deepEqual(lines(b), ['room n2 bob n2@0 []']);
    a.reincarnate(1);
    b.merge(a.encode());
    assert.deepEqual(lines(b), ['room n1 alice n1@1 []', 'room n2 bob n2@0 []']);
    assert.throws(() => a.reincarnate(1), /must exceed the current 1/);
    assert.throws(() => b.collect('n2'), /presence-never-collects-self/);
  });

  test('malformed peer state is refused with the place named', () => {
    assert.throws(
      () => decodeState({ entries: [], context: [['n1', 'x']] } as never),
      /context\[0\] must be \[replica, max\]/,
    );
    assert.throws(
      () => decodeState({ entries: [['n1@0', 1, 'n1', 't', 'k', '[]']], context: [] }),
      /entries\[0\] is outside the context/,
    );
    assert.throws(
      () => decodeState({ entries: [['n1@0', 1, 'n2', 't', 'k', '[]']], context: [['n1@0', 1]] }),
      /entries\[0\] is malformed/,
    );
  });
});

describe('presence diffs', () => {
  test('a merge that adds and removes yields both, and an update is leave + join', () => {
    const a = new PresenceState('n1', 0);
    const b = new PresenceState('n2', 0);
    a.track('room', 'alice', { s: 'on' });
    a.track('room', 'bob', {});
    b.merge(a.encode());
    const before = b.view(all);
    a.untrack('room', 'alice');
    a.update('room', 'bob', { s: 'away' });
    a.track('lobby', 'carol', {});
    b.merge(a.encode());
    const diffs = diffViews(before, b.view(all));
    assert.deepEqual(
      diffs.map((d) => [d.topic, d.joins.map((e) => e.key), d.leaves.map((e) => e.key)]),
      [
        ['lobby', ['carol'], []],
        ['room', ['bob'], ['alice', 'bob']],
      ],
    );
    assert.deepEqual(viewLines(applyDiffs(before, diffs)), viewLines(b.view(all)));
  });

  test('replaying a lost or phantom diff fails', () => {
    const a = new PresenceState('n1', 0);
    a.track('room', 'alice', {});
    const diffs = diffViews(new Map(), a.view(all));
    assert.throws(
      () => applyDiffs(a.view(all), diffs),
      /join of n1\/alice in room, which is already listed/,
    );
    const leave = diffViews(a.view(all), new Map());
    assert.throws(
      () => applyDiffs(new Map(), leave),
      /leave of n1\/alice in room, which is not listed/,
    );
  });

  type Op = readonly [
    node: 0 | 1 | 2,
    kind: 'track' | 'update' | 'untrack' | 'sync',
    topic: 0 | 1,
    key: 0 | 1 | 2,
    meta: 0 | 1,
  ];
  const op = fc.tuple(
    fc.constantFrom(0, 1, 2),
    fc.constantFrom('track', 'update', 'untrack', 'sync'),
    fc.constantFrom(0, 1),
    fc.constantFrom(0, 1, 2),
    fc.constantFrom(0, 1),
  ) as fc.Arbitrary<Op>;

  test('law: replay(a, diff(a, merge(a, b))) = merge(a, b), and merge is order-insensitive', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.constantFrom(0, 1, 2), (ops, hidden) => {
        const states = [0, 1, 2].map((i) => new PresenceState(`n${i}`, 0));
        for (const [n, kind, t, k, m] of ops) {
          const s = states[n] as PresenceState;
          const topic = `t${t}`;
          const key = `k${k}`;
          if (kind === 'sync') s.merge((states[(n + 1) % 3] as PresenceState).encode());
          else if (kind === 'untrack') s.untrack(topic, key);
          else {
            try {
              if (kind === 'track') s.track(topic, key, { m });
              else s.update(topic, key, { m });
            } catch {
              // already tracked / not tracked: a refused operation changes nothing
            }
          }
        }
        const [a, b, c] = states as [PresenceState, PresenceState, PresenceState];
        const visible = (n: string) => n !== `n${hidden}`;
        const before: PresenceView = a.view(visible);
        a.merge(b.encode());
        const merged = a.view(visible);
        assert.deepEqual(
          viewLines(applyDiffs(before, diffViews(before, merged))),
          viewLines(merged),
        );
        b.merge(c.encode());
        b.merge(a.encode());
        a.merge(c.encode());
        c.merge(a.encode());
        assert.deepEqual(lines(a), lines(b));
        assert.deepEqual(lines(a), lines(c));
      }),
      { numRuns: 300 },
    );
  });
});

function world(facts: FactRecord[], lists: Record<string, Record<string, string>>): WorldView {
  return {
    time: 1000,
    nodes: Object.keys(lists),
    facts: (name) => (name === undefined ? facts : facts.filter((f) => f.name === name)),
    has: () => false,
    crashed: () => false,
    up: () => true,
    memory: (node) => ({
      get: <T>(k: string) => lists[node]?.[k] as T | undefined,
      keys: (prefix = '') => Object.keys(lists[node] ?? {}).filter((k) => k.startsWith(prefix)),
    }),
    storage: () => {
      throw new Error('not used');
    },
    history: [],
  };
}

const rec = (
  node: string,
  time: number,
  name: string,
  ...args: (string | number)[]
): FactRecord => ({
  node,
  time,
  eventId: time,
  name,
  args,
});

describe('presence checks', () => {
  const join = JSON.stringify([['n1', 'alice', 'n1@0', '[]']]);
  const good = [
    rec('n1', 0, 'presence-start', 'n1@0'),
    rec('n2', 0, 'presence-start', 'n2@0'),
    rec('n1', 5, 'tracked', 'room', 'alice', '[]'),
    rec('n1', 5, 'presence-diff', 'room', join, '[]'),
    rec('n2', 9, 'presence-diff', 'room', join, '[]'),
  ];
  const listed = { 'list/room\u0000n1\u0000alice': 'n1@0 []' };

  test('pass on a consistent run', () => {
    const w = world(good, { n1: listed, n2: listed });
    assert.equal(presenceListsExpected.check(w), undefined);
    assert.equal(diffsReplay.check(w), undefined);
  });

  test('fail on a missing entry and on a lost diff', () => {
    const missing = world(good, { n1: listed, n2: {} });
    assert.match(
      presenceListsExpected.check(missing) ?? '',
      /n2 lists 0 entries, live nodes own 1/,
    );
    const lost = world(good.slice(0, 4), { n1: listed, n2: listed });
    assert.match(diffsReplay.check(lost) ?? '', /n2: replayed diffs give 0 entries, it lists 1/);
  });

  test('crash removal is measured from the plan', () => {
    const facts = [...good, rec('n2', 400, 'presence-diff', 'room', '[]', join)];
    const m = crashRemovalDelays(
      { faults: [{ kind: 'crash', node: 'n1', at: 100, mode: 'restart' }] },
      facts,
    );
    assert.deepEqual(m, { delaysMs: [300], unremoved: [] });
    const never = crashRemovalDelays(
      { faults: [{ kind: 'crash', node: 'n1', at: 100, mode: 'restart' }] },
      good,
    );
    assert.equal(never.unremoved.length, 1);
  });
});
