/**
 * The strict registry's pure logic (src/stores/primitives/registry.ts) step by step against
 * hand-made KV results, its key range as a property over byte strings, and as a property against
 * the real KV state machine (in-process, no replication) with registrants interleaved at random,
 * leases expiring and stale owners: the key of a name always holds the registration last
 * acknowledged, acknowledgements of one name get strictly increasing epochs, and lookups answer
 * the acknowledged owner. The guarantee check (registry-guarantees.ts) is shown to catch a
 * duplicate, a wrong acknowledgement and a stale lookup in hand-made histories.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { HistoryEvent, OpValue } from '../../../src/core/history.js';
import { MemoryKV } from '../../../src/storage/memory-kv.js';
import type { KvResult } from '../../../src/stores/kv/commands.js';
import { type KvStateMachine, kvStateMachine } from '../../../src/stores/kv/state-machine.js';
import type { KvRequest } from '../../../src/stores/primitives/kv-request.js';
import {
  listRequest,
  listResult,
  lookupRequest,
  lookupResult,
  onRegistrationResult,
  onRegistryKeepAlive,
  type RegistrationStep,
  registryKeepAlive,
  registryKey,
  registryRange,
  startRegister,
  startUnregister,
  watchRequest,
  watchResult,
} from '../../../src/stores/primitives/registry.js';
import { registryExclusive } from '../../../src/stores/primitives/registry-guarantees.js';

const lease = (id: number): KvResult => ({
  type: 'lease',
  revision: 1,
  id,
  ttlMs: 100,
  expiresAtMs: 100,
  keys: [],
});

describe('registry steps', () => {
  test('register: grant, put if absent under the lease; unregister revokes', () => {
    let step = startRegister({ name: 'svc', owner: 'p1', ttlMs: 100 });
    assert.deepEqual(step.next, { kind: 'command', command: { op: 'leaseGrant', ttlMs: 100 } });
    assert.equal(registryKeepAlive(step.state), undefined, 'no lease yet: nothing to keep alive');
    step = onRegistrationResult(step.state, lease(7));
    assert.deepEqual(step.next, {
      kind: 'command',
      command: { op: 'put', key: 'reg/svc', value: 'p1', lease: 7, ifAbsent: true },
    });
    step = onRegistrationResult(step.state, {
      type: 'put',
      revision: 5,
      written: true,
      prev: null,
    });
    assert.equal(step.event, 'registered');
    assert.equal(step.state.epoch, 5);
    assert.deepEqual(registryKeepAlive(step.state), {
      kind: 'command',
      command: { op: 'leaseKeepAlive', id: 7 },
    });
    step = startUnregister(step.state);
    assert.deepEqual(step.next, { kind: 'command', command: { op: 'leaseRevoke', id: 7 } });
    step = onRegistrationResult(step.state, { type: 'leaseRevoke', revision: 6, deleted: 1 });
    assert.equal(step.event, 'unregistered');
    assert.equal(step.state.epoch, 0);
  });

  test('taken: the holder is named and our lease is given back', () => {
    let step = startRegister({ name: 'svc', owner: 'p2', ttlMs: 100 });
    step = onRegistrationResult(step.state, lease(8));
    const holder = {
      key: 'reg/svc',
      value: 'p1',
      createRevision: 5,
      modRevision: 5,
      version: 1,
      lease: 7,
    };
    step = onRegistrationResult(step.state, {
      type: 'put',
      revision: 6,
      written: false,
      prev: holder,
    });
    assert.equal(step.event, undefined);
    assert.deepEqual(step.next, { kind: 'command', command: { op: 'leaseRevoke', id: 8 } });
    // An expired lease answers the revoke with no-lease: as good as revoked.
    step = onRegistrationResult(step.state, {
      type: 'error',
      revision: 6,
      code: 'no-lease',
      message: 'gone',
    });
    assert.equal(step.event, 'taken');
    assert.equal(step.state.holder, 'p1');
    assert.equal(step.state.holderEpoch, 5);
    assert.equal(registryKeepAlive(step.state), undefined);
  });

  test('a retried put that had written is ours; a put after the lease expired is lost', () => {
    let step = startRegister({ name: 'svc', owner: 'p1', ttlMs: 100 });
    step = onRegistrationResult(step.state, lease(7));
    const mine = { key: 'reg/svc', value: 'p1', createRevision: 5, modRevision: 5, version: 1 };
    const again = onRegistrationResult(step.state, {
      type: 'put',
      revision: 6,
      written: false,
      prev: { ...mine, lease: 7 },
    });
    assert.equal(again.event, 'registered');
    assert.equal(again.state.epoch, 5);
    const late = onRegistrationResult(step.state, {
      type: 'error',
      revision: 6,
      code: 'no-lease',
      message: 'gone',
    });
    assert.equal(late.event, 'lost');
    assert.match(late.state.reason, /lease expired before/);
  });

  test('a keep-alive finding the lease gone loses the name', () => {
    let step = startRegister({ name: 'svc', owner: 'p1', ttlMs: 100 });
    step = onRegistrationResult(step.state, lease(7));
    step = onRegistrationResult(step.state, {
      type: 'put',
      revision: 5,
      written: true,
      prev: null,
    });
    const kept = onRegistryKeepAlive(step.state, lease(7));
    assert.equal(kept.event, undefined);
    const gone = onRegistryKeepAlive(step.state, {
      type: 'error',
      revision: 9,
      code: 'no-lease',
      message: 'expired',
    });
    assert.equal(gone.event, 'lost');
    assert.equal(gone.state.epoch, 0);
    // Unregistering a lost registration sends nothing.
    const after = startUnregister(gone.state);
    assert.equal(after.next, undefined);
    assert.equal(after.event, 'unregistered');
  });

  test('bad input is refused, naming what is wrong; a wrong result names the phase', () => {
    assert.throws(() => startRegister({ name: '', owner: 'p', ttlMs: 1 }), /name must be/);
    assert.throws(() => startRegister({ name: 'a\0b', owner: 'p', ttlMs: 1 }), /without NUL/);
    assert.throws(() => startRegister({ name: 'é€', owner: 'p', ttlMs: 1 }), /byte string/);
    assert.throws(() => startRegister({ name: 'a', owner: '', ttlMs: 1 }), /owner must be/);
    assert.throws(() => startRegister({ name: 'a', owner: 'p', ttlMs: 0.5 }), /ttlMs/);
    const step = startRegister({ name: 'a', owner: 'p', ttlMs: 10 });
    assert.throws(
      () => onRegistrationResult(step.state, { type: 'delete', revision: 1, deleted: 0 }),
      /register a: result .* does not answer phase granting/,
    );
    assert.throws(
      () => lookupResult('a', { type: 'delete', revision: 1, deleted: 0 }),
      /not a get/,
    );
    assert.throws(() => watchRequest('', 0), /fromRevision/);
  });

  test('registryRange holds exactly the names with the prefix (property over byte strings)', () => {
    const byte = fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c));
    const bytes = fc.array(byte, { maxLength: 4 }).map((a) => a.join(''));
    const special = fc.constantFrom('\xff', '\xff\xff', 'a\xff', '');
    fc.assert(
      fc.property(fc.oneof(bytes, special), bytes, (prefix, rest) => {
        const { start, end } = registryRange(prefix);
        const inRange = (key: string) => key >= start && (end === '' || key < end);
        // A name with the prefix is in range.
        if (!inRange(`reg/${prefix}${rest}`)) return false;
        // A name without it is not (strings compare by code unit: byte order).
        const other = `reg/${rest}`;
        return other.startsWith(`reg/${prefix}`) === inRange(other);
      }),
      { numRuns: 500 },
    );
    assert.deepEqual(registryRange('\xff'), { start: 'reg/\xff', end: 'reg0' });
  });
});

interface Contender {
  readonly owner: string;
  readonly name: string;
  step: RegistrationStep;
  pending: KvRequest | undefined;
}

describe('registry against the real KV state machine', () => {
  test('property: one registration per name at a time, epochs increase, lookups agree', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }),
        fc.array(fc.nat(99), { minLength: 1, maxLength: 250 }),
        (count, actions) => {
          const machine = kvStateMachine()(new MemoryKV()) as KvStateMachine;
          let index = 0;
          let nowMs = 0;
          const run = (request: KvRequest): KvResult =>
            request.kind === 'command'
              ? machine.apply(++index, request.command, nowMs)
              : machine.query(request.query);
          const contenders: Contender[] = Array.from({ length: count }, (_, i) => ({
            owner: `o${i}`,
            name: i % 2 === 0 ? 'a' : 'b',
            step: { state: startRegister({ name: 'a', owner: 'x', ttlMs: 1 }).state },
            pending: undefined,
          }));
          for (const c of contenders)
            c.step = { state: { ...c.step.state, phase: 'unregistered' } };
          /** name → last acknowledged [owner, epoch]. */
          const acked = new Map<string, [string, number]>();
          for (const action of actions) {
            const c = contenders[action % count] as Contender;
            const kind = Math.floor(action / count) % 4;
            // Events belong to the step that made them: forget the last one.
            c.step = { state: c.step.state };
            if (kind === 3) {
              nowMs += 40; // leases of 100 ms expire unless kept alive
              machine.apply(++index, { op: 'tick' }, nowMs);
            } else if (kind === 2) {
              const ka = registryKeepAlive(c.step.state);
              c.step =
                ka === undefined
                  ? { state: c.step.state }
                  : onRegistryKeepAlive(c.step.state, run(ka));
            } else if (c.pending !== undefined) {
              const result = run(c.pending);
              c.step = onRegistrationResult(c.step.state, result);
              c.pending = c.step.next;
            } else {
              const phase = c.step.state.phase;
              c.step =
                phase === 'registered' && kind === 1
                  ? startUnregister(c.step.state)
                  : ['unregistered', 'taken', 'lost'].includes(phase)
                    ? startRegister({ name: c.name, owner: c.owner, ttlMs: 100 })
                    : { state: c.step.state };
              c.pending = c.step.next;
            }
            if (c.step.event === 'registered') {
              const before = acked.get(c.name);
              if (before !== undefined && before[1] >= c.step.state.epoch) return false;
              acked.set(c.name, [c.owner, c.step.state.epoch]);
            }
            for (const name of ['a', 'b']) {
              const found = lookupResult(name, run(lookupRequest(name))).entry;
              if (found === undefined) continue;
              // The key present is the last acknowledged registration: the driver feeds each
              // result back at once, so no applied put is unacknowledged.
              const last = acked.get(name);
              if (last?.[0] !== found.owner || last[1] !== found.epoch) return false;
            }
          }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });

  test('list and watch read names under a prefix in order', () => {
    const machine = kvStateMachine()(new MemoryKV()) as KvStateMachine;
    let index = 0;
    const cmd = (r: KvRequest) =>
      r.kind === 'command' ? machine.apply(++index, r.command, 0) : machine.query(r.query);
    for (const [name, owner] of [
      ['svc/b', 'p2'],
      ['svc/a', 'p1'],
      ['other', 'p3'],
    ] as const) {
      let step = startRegister({ name, owner, ttlMs: 1000 });
      while (step.next !== undefined) step = onRegistrationResult(step.state, cmd(step.next));
      assert.equal(step.event, 'registered');
    }
    machine.apply(++index, { op: 'put', key: 'unrelated', value: 'x' }, 0);
    const listed = listResult(cmd(listRequest('svc/')));
    assert.deepEqual(
      listed.entries.map((e) => `${e.name}=${e.owner}`),
      ['svc/a=p1', 'svc/b=p2'],
    );
    assert.equal(listResult(cmd(listRequest(''))).entries.length, 3);
    const watched = watchResult(cmd(watchRequest('svc/', 1)));
    assert.equal(watched.kind, 'changes');
    if (watched.kind === 'changes')
      assert.deepEqual(
        watched.changes.map((c) => `${c.type} ${c.name}`),
        ['registered svc/b', 'registered svc/a'],
      );
    assert.equal(registryKey('svc/a'), 'reg/svc/a');
  });
});

describe('registry-exclusive catches what it claims to', () => {
  let index = 0;
  const op = (process: string, f: string, value: OpValue, time: number): HistoryEvent[] => {
    const invoke: HistoryEvent = { index: index++, type: 'invoke', process, f, value: null, time };
    const ok: HistoryEvent = {
      index: index++,
      type: 'ok',
      process,
      f,
      value,
      time: time + 1,
      invokeIndex: invoke.index,
    };
    return [invoke, ok];
  };
  const check = (history: HistoryEvent[]) =>
    registryExclusive().check({ history } as unknown as Parameters<
      ReturnType<typeof registryExclusive>['check']
    >[0]);
  const feed = (events: OpValue[]) => op('w', 'watch', { from: 1, through: 10, events }, 50);

  test('a clean history passes', () => {
    const history = [
      ...op('c1', 'register', { name: 'a', epoch: 2 }, 1),
      ...op('l', 'lookup', { name: 'a', revision: 3, owner: 'c1', epoch: 2 }, 5),
      ...op('l', 'lookup', { name: 'a', revision: 4, owner: null, epoch: 0 }, 6),
      ...op('l', 'list', { revision: 5, entries: [['a', 'c2', 5]] }, 7),
      ...op('c2', 'register', { name: 'a', epoch: 5 }, 8),
      ...feed([
        [2, 'put', 'a', 'c1', 2],
        [4, 'delete', 'a', '', 0],
        [5, 'put', 'a', 'c2', 5],
      ]),
    ];
    assert.equal(check(history), undefined);
  });

  test('a put over a held name, a wrong ack and a stale lookup are named', () => {
    assert.match(
      check(
        feed([
          [2, 'put', 'a', 'c1', 2],
          [3, 'put', 'a', 'c2', 2],
        ]),
      ) ?? '',
      /duplicate: a was put at revision 3 \(owner c2\) while c1 held it/,
    );
    assert.match(
      check([
        ...op('c2', 'register', { name: 'a', epoch: 2 }, 1),
        ...feed([[2, 'put', 'a', 'c1', 2]]),
      ]) ?? '',
      /c2 was told it registered a at epoch 2, but the KV history gave it to c1/,
    );
    assert.match(
      check([
        ...op('l', 'lookup', { name: 'a', revision: 4, owner: 'c1', epoch: 2 }, 1),
        ...feed([
          [2, 'put', 'a', 'c1', 2],
          [3, 'delete', 'a', '', 0],
        ]),
      ]) ?? '',
      /looked a up at revision 4 and got c1@2, but the KV history holds free there/,
    );
  });
});
