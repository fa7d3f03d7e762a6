/**
 * Service discovery's pure core (src/stores/primitives/discovery.ts) against the real KV state
 * machine (in-process, no replication), with leases expiring as time advances: after any
 * interleaving of registrations, keep-alives, deregistrations, time passing and lists, every list
 * at revision R equals the replay of the watch diffs (read from revision 1, with any limit) up to
 * R — also as the Cadre check (discovery-guarantees.ts), which catches a broken history.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { HistoryEvent, OpValue } from '../../../src/core/history.js';
import { MemoryKV } from '../../../src/storage/memory-kv.js';
import type { KvResult } from '../../../src/stores/kv/commands.js';
import { type KvStateMachine, kvStateMachine } from '../../../src/stores/kv/state-machine.js';
import {
  type DiscoveryDiff,
  type DiscoveryRequest,
  deregisterRequest,
  instanceKey,
  keepAliveRequest,
  listRequest,
  listResult,
  registered,
  registerLeaseRequest,
  registerPutRequest,
  replay,
  serviceRange,
  stillRegistered,
  watchRequest,
  watchResult,
} from '../../../src/stores/primitives/discovery.js';
import { listEqualsReplay } from '../../../src/stores/primitives/discovery-guarantees.js';

class Kv {
  readonly machine = kvStateMachine()(new MemoryKV()) as KvStateMachine;
  nowMs = 0;
  send(request: DiscoveryRequest): KvResult {
    return request.kind === 'command'
      ? this.machine.apply(this.machine.appliedIndex() + 1, request.command, this.nowMs)
      : this.machine.query(request.query);
  }
}

function register(kv: Kv, service: string, id: string, address: string, ttlMs: number): number {
  const { lease, request } = registerPutRequest(
    service,
    id,
    address,
    kv.send(registerLeaseRequest(ttlMs)),
  );
  assert.ok(registered(kv.send(request)));
  return lease;
}

describe('discovery steps', () => {
  test('keys and ranges; bad names are named', () => {
    assert.equal(instanceKey('web', 'i1'), 'svc/web/i/i1');
    assert.deepEqual(serviceRange('web'), { start: 'svc/web/i/', end: 'svc/web/i0' });
    assert.throws(() => instanceKey('web', 'a/b'), /instance id must be a non-empty string/);
    assert.throws(() => registerLeaseRequest(0), /ttlMs must be a whole number of ms >= 1/);
    assert.throws(() => watchRequest('web', 0), /watchFrom web: revision must be/);
  });

  test('register, list, expire, watch: joins and leaves in order', () => {
    const kv = new Kv();
    const a = register(kv, 'web', 'a', '10.0.0.1:80', 100);
    register(kv, 'web', 'b', '10.0.0.2:80', 100);
    register(kv, 'db', 'x', '10.0.1.1:5432', 100);
    const listed = listResult('web', kv.send(listRequest('web')));
    assert.deepEqual(
      listed.instances.map((i) => i.id),
      ['a', 'b'],
    );
    kv.nowMs = 60;
    assert.ok(stillRegistered(kv.send(keepAliveRequest(a))));
    kv.nowMs = 120; // b's lease is past due; a's was pushed to 160
    kv.send({ kind: 'command', command: { op: 'tick' } });
    assert.deepEqual(
      listResult('web', kv.send(listRequest('web'))).instances.map((i) => i.id),
      ['a'],
    );
    kv.send(deregisterRequest(a));
    assert.equal(stillRegistered(kv.send(keepAliveRequest(a))), false);
    const watched = watchResult('web', kv.send(watchRequest('web', 1)));
    assert.equal(watched.kind, 'diffs');
    assert.deepEqual(
      (watched as { diffs: readonly DiscoveryDiff[] }).diffs.map((d) => `${d.type} ${d.id}`),
      ['join a', 'join b', 'leave b', 'leave a'],
    );
  });

  test('a compacted watch says so', () => {
    const kv = new Kv();
    register(kv, 'web', 'a', 'x', 100);
    const revision = kv.send({ kind: 'query', query: { op: 'status' } }).revision;
    kv.send({ kind: 'command', command: { op: 'compact', revision } });
    const w = watchResult('web', kv.send(watchRequest('web', 1)));
    assert.equal(w.kind, 'compacted');
    assert.match((w as { message: string }).message, /^watch web: revision 1 has been compacted/);
  });
});

describe('list equals replay (property, against the KV state machine)', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('register' as const), id: fc.constantFrom('a', 'b', 'c') }),
    fc.record({ kind: fc.constant('keepAlive' as const), id: fc.constantFrom('a', 'b', 'c') }),
    fc.record({ kind: fc.constant('deregister' as const), id: fc.constantFrom('a', 'b', 'c') }),
    fc.record({ kind: fc.constant('time' as const), ms: fc.integer({ min: 1, max: 80 }) }),
    fc.record({ kind: fc.constant('list' as const) }),
  );

  test('every list at R equals the replay of the diffs up to R, for any watch limit', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (ops, limit) => {
        const kv = new Kv();
        const leases = new Map<string, number>();
        const lists: { revision: number; instances: Map<string, string> }[] = [];
        let n = 0;
        for (const o of ops) {
          if (o.kind === 'register') leases.set(o.id, register(kv, 'web', o.id, `addr${n++}`, 100));
          else if (o.kind === 'keepAlive' && leases.has(o.id)) {
            if (!stillRegistered(kv.send(keepAliveRequest(leases.get(o.id) as number))))
              leases.delete(o.id);
          } else if (o.kind === 'deregister' && leases.has(o.id)) {
            kv.send(deregisterRequest(leases.get(o.id) as number));
            leases.delete(o.id);
          } else if (o.kind === 'time') {
            kv.nowMs += o.ms;
            kv.send({ kind: 'command', command: { op: 'tick' } });
          } else if (o.kind === 'list') {
            const l = listResult('web', kv.send(listRequest('web')));
            lists.push({
              revision: l.revision,
              instances: new Map(l.instances.map((i) => [i.id, i.address])),
            });
          }
        }
        const diffs: DiscoveryDiff[] = [];
        let from = 1;
        for (let guard = 0; guard < 200; guard++) {
          const w = watchResult('web', kv.send(watchRequest('web', from, limit)));
          assert.equal(w.kind, 'diffs');
          if (w.kind !== 'diffs') return;
          diffs.push(...w.diffs);
          if (w.nextRevision === from || w.diffs.length === 0) break;
          from = w.nextRevision;
        }
        for (const l of lists) assert.deepEqual(replay(new Map(), diffs, l.revision), l.instances);
        const final = listResult('web', kv.send(listRequest('web')));
        assert.deepEqual(
          replay(new Map(), diffs, final.revision),
          new Map(final.instances.map((i) => [i.id, i.address])),
        );
      }),
      { numRuns: 150 },
    );
  });
});

describe('discovery guarantee check', () => {
  function history(listed: OpValue): HistoryEvent[] {
    let index = 0;
    const ev = (process: string, f: string, value: OpValue, time: number): HistoryEvent[] => {
      const invoke: HistoryEvent = {
        index: index++,
        type: 'invoke',
        process,
        f,
        value: null,
        time,
      };
      return [
        invoke,
        {
          index: index++,
          type: 'ok',
          process,
          f,
          value,
          time: time + 1,
          invokeIndex: invoke.index,
        },
      ];
    };
    return [
      ...ev(
        'w',
        'watch',
        {
          from: 1,
          through: 5,
          diffs: [
            [2, 'join', 'a', 'x'],
            [4, 'leave', 'a', ''],
          ],
        },
        0,
      ),
      ...ev('l', 'list', listed, 2),
    ];
  }
  const run = (h: HistoryEvent[]) =>
    listEqualsReplay().check({ history: h } as unknown as Parameters<
      ReturnType<typeof listEqualsReplay>['check']
    >[0]);

  test('a list matching the replay passes; one that does not is named', () => {
    assert.equal(run(history({ revision: 3, instances: [['a', 'x']] })), undefined);
    assert.equal(run(history({ revision: 4, instances: [] })), undefined);
    assert.match(
      String(run(history({ revision: 4, instances: [['a', 'x']] }))),
      /l listed \[\["a","x"\]\] at revision 4, but w's diffs replay to \[\]/,
    );
  });
});
