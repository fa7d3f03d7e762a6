/**
 * Property tests of the KV state machine against a plain Map model over random command sequences:
 * every result and the final state agree with the model (values, revisions, versions, history);
 * replicas given the same entries end byte-identical; snapshot → restore reproduces the state; a
 * restart in the middle of a sequence changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MemoryKV } from '../../../src/storage/memory-kv.js';
import type { KvCommand, KvResult } from '../../../src/stores/kv/commands.js';
import { KvStateMachine } from '../../../src/stores/kv/state-machine.js';

interface ModelKey {
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
}

/** The model: a Map of keys, a revision counter, the list of change events. */
class Model {
  keys = new Map<string, ModelKey>();
  revision = 1;
  events: [number, 'put' | 'delete', string][] = [];

  put(key: string, value: string): void {
    this.revision++;
    const prev = this.keys.get(key);
    this.keys.set(key, {
      value,
      createRevision: prev?.createRevision ?? this.revision,
      modRevision: this.revision,
      version: (prev?.version ?? 0) + 1,
    });
    this.events.push([this.revision, 'put', key]);
  }

  delete(keys: string[]): number {
    const present = [...new Set(keys)].filter((k) => this.keys.has(k)).sort();
    if (present.length === 0) return 0;
    this.revision++;
    // The state machine records deletes of one command in the order given (deduplicated).
    for (const k of [...new Set(keys)].filter((x) => this.keys.has(x))) {
      this.keys.delete(k);
      this.events.push([this.revision, 'delete', k]);
    }
    return present.length;
  }

  /** Applies `c` and returns what the result must say, as a comparable summary. */
  step(c: KvCommand): unknown {
    switch (c.op) {
      case 'put': {
        const exists = this.keys.has(c.key);
        if ((c.ifAbsent && exists) || (c.ifPresent && !exists))
          return ['put', false, this.revision];
        this.put(c.key, c.value);
        return ['put', true, this.revision];
      }
      case 'delete': {
        const n = this.delete([...c.keys]);
        return ['delete', n, this.revision];
      }
      case 'cas': {
        const cur = this.keys.get(c.key)?.value ?? null;
        const expect = 'value' in c.expect ? c.expect.value : undefined;
        if (cur !== expect) return ['cas', false, this.revision];
        if (c.value === null) this.delete([c.key]);
        else this.put(c.key, c.value);
        return ['cas', true, this.revision];
      }
      case 'incr': {
        const cur = this.keys.get(c.key)?.value ?? '0';
        if (!/^-?(0|[1-9][0-9]*)$/.test(cur) || cur === '-0') return ['error', 'not-integer'];
        const next = String(BigInt(cur) + BigInt(c.by));
        this.put(c.key, next);
        return ['incr', next, this.revision];
      }
      default:
        throw new Error(`model: unexpected ${c.op}`);
    }
  }
}

function summary(r: KvResult): unknown {
  switch (r.type) {
    case 'put':
      return ['put', r.written, r.revision];
    case 'delete':
      return ['delete', r.deleted, r.revision];
    case 'cas':
      return ['cas', r.succeeded, r.revision];
    case 'incr':
      return ['incr', r.value, r.revision];
    case 'error':
      return ['error', r.code];
    default:
      return r;
  }
}

const key = fc.constantFrom('a', 'b', 'c', 'ab', '\x00', '\xff');
const value = fc.constantFrom('', '0', '1', '7', 'x', '-3', '\x80y');
const command: fc.Arbitrary<KvCommand> = fc.oneof(
  fc.record({ op: fc.constant('put' as const), key, value }),
  fc.record({ op: fc.constant('put' as const), key, value, ifAbsent: fc.constant(true) }),
  fc.record({ op: fc.constant('put' as const), key, value, ifPresent: fc.constant(true) }),
  fc.record({
    op: fc.constant('delete' as const),
    keys: fc.array(key, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    op: fc.constant('cas' as const),
    key,
    expect: fc.record({ value: fc.option(value, { nil: null }) }),
    value: fc.option(value, { nil: null }),
  }),
  fc.record({ op: fc.constant('incr' as const), key, by: fc.integer({ min: -5, max: 5 }) }),
);

describe('KV state machine against a Map model', () => {
  it('results, final state and history agree with the model', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        const sm = new KvStateMachine(new MemoryKV(), { historyMax: 1000 });
        const model = new Model();
        commands.forEach((c, i) => {
          assert.deepEqual(summary(sm.apply(i + 1, c, i)), model.step(c), JSON.stringify(c));
        });
        const range = sm.query({ op: 'range', start: '', end: '' });
        assert.equal(range.type, 'range');
        if (range.type !== 'range') return;
        const expected = [...model.keys.entries()]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, m]) => ({ key: k, ...m, lease: 0 }));
        assert.deepEqual(range.kvs, expected);
        const changes = sm.query({ op: 'changes', fromRevision: 1, limit: 10_000 });
        assert.equal(changes.type, 'changes');
        if (changes.type !== 'changes') return;
        assert.deepEqual(
          changes.events.map((e) => [e.revision, e.type, e.kv.key]),
          model.events,
        );
      }),
      { numRuns: 150 },
    );
  });

  it('replicas applying the same entries end byte-identical; a restart mid-way changes nothing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(command, fc.integer({ min: 0, max: 50 })), { maxLength: 40 }),
        fc.nat(40),
        (entries, restartAt) => {
          const a = new MemoryKV();
          const b = new MemoryKV();
          const smA = new KvStateMachine(a, { historyMax: 5 });
          let smB = new KvStateMachine(b, { historyMax: 5 });
          let clock = 0;
          entries.forEach(([c, dt], i) => {
            clock += dt;
            // Half the time, attach a lease to writes so expiry interleaves.
            const cmd: KvCommand = c.op === 'put' && dt % 2 === 0 ? { ...c, ttlMs: 1 + dt } : c;
            if (i === restartAt) smB = new KvStateMachine(b, { historyMax: 5 });
            assert.deepEqual(smA.apply(i + 1, cmd, clock), smB.apply(i + 1, cmd, clock));
          });
          assert.deepEqual(a.range(), b.range());
        },
      ),
      { numRuns: 100 },
    );
  });

  it('snapshot → restore on another replica gives an identical state that evolves identically', () => {
    fc.assert(
      fc.property(
        fc.array(command, { minLength: 1, maxLength: 40 }),
        fc.array(command, { maxLength: 10 }),
        (before, after) => {
          const a = new MemoryKV();
          const smA = new KvStateMachine(a, { historyMax: 8 });
          before.forEach((c, i) => {
            smA.apply(i + 1, c, i * 10);
          });
          const b = new MemoryKV();
          b.put(new Uint8Array([9]), new Uint8Array([9])); // stale data the restore must remove
          const smB = new KvStateMachine(b, { historyMax: 8 });
          smB.restore(before.length, smA.snapshot());
          assert.deepEqual(b.range(), a.range());
          after.forEach((c, i) => {
            const index = before.length + i + 1;
            assert.deepEqual(smB.apply(index, c, index * 10), smA.apply(index, c, index * 10));
          });
          assert.deepEqual(b.range(), a.range());
        },
      ),
      { numRuns: 100 },
    );
  });
});
