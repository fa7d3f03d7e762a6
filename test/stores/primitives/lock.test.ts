/**
 * The lock recipe's pure logic (src/stores/primitives/lock.ts) and the fence (fence.ts): step by
 * step against hand-made KV results, and as a property against the real KV state machine
 * (in-process, no replication): with contenders interleaved at random and no lease expiring, at
 * most one contender holds the lock at any moment, every contender eventually acquires, and
 * tokens strictly increase in acquisition order.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { MemoryKV } from '../../../src/storage/memory-kv.js';
import type { KeyValue, KvResult } from '../../../src/stores/kv/commands.js';
import { type KvStateMachine, kvStateMachine } from '../../../src/stores/kv/state-machine.js';
import { admitToken } from '../../../src/stores/primitives/fence.js';
import {
  currentHolder,
  IDLE_LOCK,
  keepAliveRequest,
  type LockOptions,
  type LockStep,
  lockKey,
  lockRange,
  onKeepAlive,
  onResult,
  queuePosition,
  startAcquire,
  startRelease,
} from '../../../src/stores/primitives/lock.js';

const options: LockOptions = { prefix: 'locks/x', ttlMs: 100, owner: 'me', pollMs: 7 };

function kv(key: string, createRevision: number): KeyValue {
  return { key, value: '', createRevision, modRevision: createRevision, version: 1, lease: 1 };
}

describe('lock recipe steps', () => {
  test('uncontended: grant, create, check, hold; release deletes then revokes', () => {
    let step = startAcquire(options);
    assert.deepEqual(step.next, { kind: 'command', command: { op: 'leaseGrant', ttlMs: 100 } });
    step = onResult(options, step.state, {
      type: 'lease',
      revision: 1,
      id: 7,
      ttlMs: 100,
      expiresAtMs: 100,
      keys: [],
    });
    const key = lockKey('locks/x', 7);
    assert.equal(key, 'locks/x/0000000000007');
    assert.deepEqual(step.next, {
      kind: 'command',
      command: { op: 'put', key, value: 'me', lease: 7, ifAbsent: true },
    });
    step = onResult(options, step.state, { type: 'put', revision: 2, written: true, prev: null });
    assert.deepEqual(step.next, {
      kind: 'query',
      query: { op: 'range', start: 'locks/x/', end: 'locks/x0', keysOnly: true },
    });
    step = onResult(options, step.state, {
      type: 'range',
      revision: 2,
      kvs: [kv(key, 2)],
      more: false,
    });
    assert.equal(step.event, 'acquired');
    assert.equal(step.state.phase, 'held');
    assert.equal(step.state.token, 2);
    assert.equal(step.next, undefined);

    step = startRelease(step.state);
    assert.deepEqual(step.next, { kind: 'command', command: { op: 'delete', keys: [key] } });
    step = onResult(options, step.state, { type: 'delete', revision: 3, deleted: 1 });
    assert.deepEqual(step.next, { kind: 'command', command: { op: 'leaseRevoke', id: 7 } });
    step = onResult(options, step.state, { type: 'leaseRevoke', revision: 3, deleted: 0 });
    assert.equal(step.event, 'released');
    assert.equal(step.state.token, 0);
  });

  const queued = (): LockStep => {
    let step = startAcquire(options);
    step = onResult(options, step.state, {
      type: 'lease',
      revision: 4,
      id: 9,
      ttlMs: 100,
      expiresAtMs: 100,
      keys: [],
    });
    step = onResult(options, step.state, { type: 'put', revision: 5, written: true, prev: null });
    return onResult(options, step.state, {
      type: 'range',
      revision: 5,
      kvs: [kv('locks/x/a', 2), kv('locks/x/b', 4), kv(lockKey('locks/x', 9), 5)],
      more: false,
    });
  };

  test('contended: waits on the key just before ours, polling its changes', () => {
    const step = queued();
    assert.equal(step.state.phase, 'waiting');
    assert.equal(step.state.predecessor, 'locks/x/b');
    assert.equal(step.afterMs, 7);
    assert.deepEqual(step.next, {
      kind: 'query',
      query: { op: 'changes', fromRevision: 6, start: 'locks/x/b', end: 'locks/x/b\0' },
    });
    // No change yet: poll again from where the feed left off.
    const again = onResult(options, step.state, {
      type: 'changes',
      revision: 8,
      events: [],
      nextRevision: 9,
    });
    assert.equal(again.state.phase, 'waiting');
    assert.equal(again.state.watchFrom, 9);
  });

  test('after the predecessor is deleted it checks the queue again rather than assuming', () => {
    const step = queued();
    const deleted = onResult(options, step.state, {
      type: 'changes',
      revision: 9,
      events: [{ type: 'delete', kv: { ...kv('locks/x/b', 4), modRevision: 9 }, revision: 9 }],
      nextRevision: 10,
    });
    assert.equal(deleted.state.phase, 'checking');
    assert.equal(deleted.event, undefined);
    // 'a' still holds: back to waiting, now on 'a'.
    const stillBehind = onResult(options, deleted.state, {
      type: 'range',
      revision: 9,
      kvs: [kv('locks/x/a', 2), kv(lockKey('locks/x', 9), 5)],
      more: false,
    });
    assert.equal(stillBehind.state.phase, 'waiting');
    assert.equal(stillBehind.state.predecessor, 'locks/x/a');
  });

  test('a compacted feed sends it back to the queue', () => {
    const step = queued();
    const compacted = onResult(options, step.state, {
      type: 'error',
      revision: 20,
      code: 'compacted',
      message: 'compacted',
    });
    assert.equal(compacted.state.phase, 'checking');
  });

  test('our key gone from the queue, or no lease for the put: lost', () => {
    const step = queued();
    const checking = onResult(options, step.state, {
      type: 'changes',
      revision: 9,
      events: [{ type: 'delete', kv: kv('locks/x/b', 4), revision: 9 }],
      nextRevision: 10,
    });
    const gone = onResult(options, checking.state, {
      type: 'range',
      revision: 9,
      kvs: [kv('locks/x/a', 2)],
      more: false,
    });
    assert.equal(gone.event, 'lost');
    assert.equal(gone.state.reason, 'lease expired while queued');
    let put = startAcquire(options);
    put = onResult(options, put.state, {
      type: 'lease',
      revision: 1,
      id: 3,
      ttlMs: 100,
      expiresAtMs: 100,
      keys: [],
    });
    const noLease = onResult(options, put.state, {
      type: 'error',
      revision: 1,
      code: 'no-lease',
      message: 'gone',
    });
    assert.equal(noLease.event, 'lost');
  });

  test('keep-alives: sent while there is a lease; a no-lease answer loses a held lock', () => {
    assert.equal(keepAliveRequest(IDLE_LOCK), undefined);
    const held = { ...IDLE_LOCK, phase: 'held' as const, lease: 5, key: 'k', token: 8 };
    assert.deepEqual(keepAliveRequest(held), {
      kind: 'command',
      command: { op: 'leaseKeepAlive', id: 5 },
    });
    const lost = onKeepAlive(held, {
      type: 'error',
      revision: 1,
      code: 'no-lease',
      message: 'gone',
    });
    assert.equal(lost.event, 'lost');
    assert.equal(lost.state.token, 0);
    // While releasing, an expired lease changes nothing: the release finishes on its own.
    const releasing = onKeepAlive(
      { ...held, phase: 'revoking' },
      { type: 'error', revision: 1, code: 'no-lease', message: 'gone' },
    );
    assert.equal(releasing.event, undefined);
    // A revoke that finds the lease already expired still releases.
    const revoked = onResult(
      options,
      { ...held, phase: 'revoking' },
      {
        type: 'error',
        revision: 1,
        code: 'no-lease',
        message: 'gone',
      },
    );
    assert.equal(revoked.event, 'released');
  });

  test('late answers after losing are ignored; wrong answers and bad options throw', () => {
    const lost = { ...IDLE_LOCK, phase: 'lost' as const, lease: 5, key: 'k' };
    assert.deepEqual(onResult(options, lost, { type: 'delete', revision: 1, deleted: 0 }), {
      state: lost,
    });
    assert.throws(
      () =>
        onResult(
          options,
          { ...IDLE_LOCK, phase: 'granting' },
          { type: 'tick', revision: 1, expired: 0 },
        ),
      /does not answer phase granting/,
    );
    assert.throws(() => startAcquire({ ...options, prefix: '' }), /prefix must be a non-empty/);
    assert.throws(() => startAcquire({ ...options, ttlMs: 0 }), /ttlMs must be a whole number/);
    assert.throws(() => startAcquire({ ...options, pollMs: -1 }), /pollMs must be a whole number/);
    assert.equal(startRelease(IDLE_LOCK).event, 'released');
    assert.equal(currentHolder([]), undefined);
  });

  test('lockRange covers exactly the keys under the prefix', () => {
    const { start, end } = lockRange('p');
    for (const k of ['p/', 'p/0', 'p/zzz', 'p/\xff'])
      assert.ok(k >= start && k < end, `${JSON.stringify(k)} is in range`);
    for (const k of ['p', 'p.', 'p0', 'q/x', 'o/x'])
      assert.ok(!(k >= start && k < end), `${JSON.stringify(k)} is out of range`);
  });
});

describe('queuePosition', () => {
  test('exactly one key holds; every other waits on the key with the next lower revision', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 12 }),
        (revs) => {
          const kvs = revs.map((r) => kv(`k${r}`, r));
          const sorted = [...revs].sort((a, b) => a - b);
          let holders = 0;
          for (const r of revs) {
            const p = queuePosition(kvs, `k${r}`);
            if (p.kind === 'holds') {
              holders++;
              assert.equal(p.token, sorted[0]);
            } else if (p.kind === 'behind') {
              assert.equal(p.predecessor.createRevision, sorted[sorted.indexOf(r) - 1]);
            } else assert.fail('our own key is in the range');
          }
          assert.equal(holders, 1);
          assert.equal(queuePosition(kvs, 'absent').kind, 'absent');
          assert.equal(currentHolder(kvs)?.createRevision, sorted[0]);
        },
      ),
    );
  });
});

describe('fence', () => {
  test('admits exactly the tokens at least the highest seen; the highest never decreases', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 30 }), (tokens) => {
        let highest = 0;
        for (const t of tokens) {
          const d = admitToken(highest, t);
          assert.equal(d.admitted, t >= highest);
          assert.equal(d.highest, Math.max(highest, t));
          highest = d.highest;
        }
      }),
    );
    assert.throws(() => admitToken(0, 0), /fencing token must be a whole number >= 1, got 0/);
  });
});

describe('the recipe against the real KV state machine', () => {
  /** Runs `n` contenders, each acquiring `rounds` times, delivering one pending request at a time
   *  in the order `picks` chooses, then fairly; a pick of 90 or more makes a queued contender
   *  abandon its attempt. No time passes, so no lease expires. */
  function run(n: number, rounds: number, picks: readonly number[]) {
    const machine = kvStateMachine()(new MemoryKV()) as KvStateMachine;
    let index = 0;
    const contenders = Array.from({ length: n }, (_, i) => ({
      options: { ...options, owner: `c${i}` },
      step: startAcquire({ ...options, owner: `c${i}` }),
      round: 1,
    }));
    const tokens: number[] = [];
    let abandoned = 0;
    let pick = 0;
    for (let guard = 0; guard < 10_000; guard++) {
      const live = contenders.filter(
        (c) => c.step.next !== undefined || c.step.state.phase === 'held',
      );
      if (live.length === 0) break;
      // `picks` first, then round-robin so every contender gets its turn (a fair scheduler).
      const chosen = pick < picks.length ? (picks[pick] as number) : pick;
      const c = live[chosen % live.length];
      assert.ok(c !== undefined);
      if (c.step.state.phase === 'held') c.step = startRelease(c.step.state);
      else if (c.step.state.phase === 'waiting' && pick < picks.length && chosen >= 90) {
        // A queued contender gives up: its key leaves the middle of the queue, so whoever
        // waited on it must look at the queue again rather than assume it is first.
        abandoned++;
        c.step = startRelease(c.step.state);
      } else {
        const next = c.step.next;
        assert.ok(next !== undefined);
        const result: KvResult =
          next.kind === 'command'
            ? machine.apply(++index, next.command, 0)
            : machine.query(next.query);
        c.step = onResult(c.options, c.step.state, result);
      }
      pick++;
      if (c.step.event === 'acquired') tokens.push(c.step.state.token);
      if (c.step.event === 'released' && c.round < rounds) {
        c.round++;
        c.step = startAcquire(c.options);
      }
      const holders = contenders.filter((x) => x.step.state.phase === 'held').length;
      assert.ok(holders <= 1, `${holders} contenders hold the lock at once`);
    }
    return { tokens, contenders, abandoned };
  }

  test('a contender in the middle of the queue giving up does not let the one behind it jump ahead', () => {
    const machine = kvStateMachine()(new MemoryKV()) as KvStateMachine;
    let index = 0;
    const make = (owner: string) => ({
      options: { ...options, owner },
      step: startAcquire(options),
    });
    type Contender = ReturnType<typeof make>;
    const deliver = (c: Contender) => {
      const next = c.step.next;
      assert.ok(next !== undefined, `${c.options.owner} has a request to send`);
      const result =
        next.kind === 'command'
          ? machine.apply(++index, next.command, 0)
          : machine.query(next.query);
      c.step = onResult(c.options, c.step.state, result);
    };
    const [a, b, c] = [make('a'), make('b'), make('c')];
    for (const x of [a, b, c]) for (let i = 0; i < 3; i++) deliver(x); // grant, put, range
    assert.equal(a.step.state.phase, 'held');
    assert.equal(b.step.state.phase, 'waiting');
    assert.equal(c.step.state.phase, 'waiting');
    assert.equal(c.step.state.predecessor, b.step.state.key);
    b.step = startRelease(b.step.state);
    deliver(b); // delete b's key
    deliver(c); // c sees the delete of its predecessor...
    assert.equal(c.step.state.phase, 'checking');
    deliver(c); // ...and the queue: a still holds, so c waits on a
    assert.equal(c.step.state.phase, 'waiting');
    assert.equal(c.step.state.predecessor, a.step.state.key);
    assert.equal(a.step.state.phase, 'held');
  });

  test('mutual exclusion, progress and increasing tokens under any interleaving', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.nat(99), { minLength: 1, maxLength: 200 }),
        (n, rounds, picks) => {
          const { tokens, contenders, abandoned } = run(n, rounds, picks);
          assert.equal(tokens.length, n * rounds - abandoned, 'every round not abandoned acquired');
          for (let i = 1; i < tokens.length; i++)
            assert.ok(
              (tokens[i] as number) > (tokens[i - 1] as number),
              `tokens ${tokens} increase`,
            );
          for (const c of contenders) assert.equal(c.step.state.phase, 'released');
        },
      ),
      { numRuns: 150 },
    );
  });
});
