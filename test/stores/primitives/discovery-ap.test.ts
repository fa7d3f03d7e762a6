// AP service discovery: the typed requests (bad input refused with the field named), the mapping
// to presence entries, instance diffs and their replay (unit cases and, under fast-check, the law
// "the diffs a watcher receives replay to its list" over random registrations, merges and peers
// going down), the process front (register / re-register / list / deregister / refusals) in a
// small simulated run, and the checks on hand-made runs that break them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { FactRecord } from '../../../src/core/fact.js';
import type { WorldView } from '../../../src/core/guarantee.js';
import { defineSpec } from '../../../src/core/spec.js';
import { runSimulation } from '../../../src/sim/simulator.js';
import {
  type ApInstance,
  type DiscoveryApMsg,
  deregisterRequest,
  instanceLine,
  instanceOfEntry,
  instancesOf,
  listRequest,
  presenceMetaOf,
  registerRequest,
  replayServiceDiffs,
  serviceDiffs,
} from '../../../src/stores/primitives/discovery-ap.js';
import {
  apDiscoveryListsExpected,
  watchDiffsReplay,
} from '../../../src/stores/primitives/discovery-ap-guarantees.js';
import {
  discoveryApProcess,
  encodeFactEntries,
} from '../../../src/stores/primitives/discovery-ap-process.js';
import {
  diffViews,
  PresenceState,
  type PresenceView,
} from '../../../src/stores/primitives/presence.js';

const lines = (list: readonly ApInstance[]) => list.map(instanceLine);

describe('AP discovery: requests and mapping', () => {
  test('bad names, addresses and labels are refused with the field named', () => {
    assert.throws(() => registerRequest(1, '', 'i1', 'a:1'), /register\("", "i1"\): service/);
    assert.throws(() => registerRequest(1, 'web', 'i\u00001', 'a:1'), /instance id must be/);
    assert.throws(() => registerRequest(1, 'web', 'i1', ''), /address must be a non-empty/);
    assert.throws(
      () => registerRequest(1, 'web', 'i1', 'a:1', { zone: 3 } as never),
      /label zone must be a string, got 3/,
    );
    assert.throws(() => registerRequest(1, 'web', 'i1', 'a:1', [] as never), /labels must be/);
    assert.throws(() => deregisterRequest(1, 'web', ''), /deregister\("web", ""\): instance id/);
    assert.throws(() => listRequest(1, 7 as never), /list\(7\): service/);
  });

  test('an instance round-trips through presence metadata; an entry without address is refused', () => {
    const n1 = new PresenceState('n1', 0);
    n1.track('web', 'i1', presenceMetaOf('10.0.0.1:80', { zone: 'eu', address: 'x' }));
    n1.track('web', 'raw', { status: 'online' });
    const entries = [...(n1.own().get('web')?.values() ?? [])];
    const i1 = instanceOfEntry(entries.find((e) => e.key === 'i1') as never);
    // A label named "address" stays a label: labels live under their own prefix.
    assert.deepEqual(i1, {
      service: 'web',
      id: 'i1',
      address: '10.0.0.1:80',
      meta: { zone: 'eu', address: 'x' },
      node: 'n1',
      replica: 'n1@0',
    });
    assert.throws(
      () => instancesOf(n1.own(), 'web'),
      /presence entry n1\/raw in web has no address: not a service instance/,
    );
  });

  test('replay applies leaves then joins and refuses lost or phantom diffs', () => {
    const a: ApInstance = {
      service: 'web',
      id: 'i1',
      address: 'a:1',
      meta: {},
      node: 'n1',
      replica: 'n1@0',
    };
    const moved = { ...a, address: 'a:2' };
    const list = replayServiceDiffs('web', [], [{ service: 'web', joins: [a], leaves: [] }]);
    assert.deepEqual(lines(list), ['web n1 i1 n1@0 a:1 ']);
    const after = replayServiceDiffs('web', list, [
      { service: 'db', joins: [a], leaves: [] }, // another service: ignored
      { service: 'web', joins: [moved], leaves: [a] },
    ]);
    assert.deepEqual(lines(after), ['web n1 i1 n1@0 a:2 ']);
    assert.throws(
      () => replayServiceDiffs('web', after, [{ service: 'web', joins: [], leaves: [a] }]),
      /leave of i1 \(owner n1\) in web, which is not listed/,
    );
    assert.throws(
      () => replayServiceDiffs('web', after, [{ service: 'web', joins: [a], leaves: [] }]),
      /join of i1 \(owner n1\) in web, which is already listed/,
    );
  });

  test('law: the instance diffs a watcher receives replay to its list', () => {
    // Two replicas; random registrations, re-registrations and deregistrations on either, merges,
    // and n1 going down / up as seen from n2. n2's watcher gets serviceDiffs of every change.
    const op = fc.tuple(
      fc.constantFrom(0, 1),
      fc.constantFrom('register', 'deregister', 'merge', 'toggle'),
      fc.constantFrom('web', 'db'),
      fc.constantFrom('i1', 'i2'),
      fc.constantFrom('a:1', 'a:2'),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const nodes = [new PresenceState('n1', 0), new PresenceState('n2', 0)];
        let n1Up = true;
        let listed: PresenceView = new Map();
        const watched = new Map<string, ApInstance[]>();
        const publish = () => {
          const next = (nodes[1] as PresenceState).view((n) => n !== 'n1' || n1Up);
          for (const d of serviceDiffs(diffViews(listed, next)))
            watched.set(
              d.service,
              replayServiceDiffs(d.service, watched.get(d.service) ?? [], [d]),
            );
          listed = next;
        };
        for (const [who, kind, service, id, address] of ops) {
          const s = nodes[who] as PresenceState;
          const owned = s.own().get(service)?.has(`${s.node}\u0000${id}`) ?? false;
          if (kind === 'register') {
            if (owned) s.update(service, id, presenceMetaOf(address, {}));
            else s.track(service, id, presenceMetaOf(address, {}));
          } else if (kind === 'deregister') s.untrack(service, id);
          else if (kind === 'merge') (nodes[1 - who] as PresenceState).merge(s.encode());
          else n1Up = !n1Up;
          publish();
        }
        for (const service of ['web', 'db'])
          assert.deepEqual(lines(watched.get(service) ?? []), lines(instancesOf(listed, service)));
      }),
      { numRuns: 200 },
    );
  });
});

/** A client that sends scripted requests to n1, one per tick, and states every reply as a fact
 * `reply(requestId, json)`. */
function scriptedClient(requests: readonly DiscoveryApMsg[]) {
  return () => {
    let next = 0;
    return {
      init(ctx: { setTimer(n: string, t: number): void }) {
        ctx.setTimer('send', 5);
      },
      timer(ctx: {
        send(to: string, m: DiscoveryApMsg): void;
        setTimer(n: string, t: number): void;
      }) {
        const r = requests[next++];
        if (r === undefined) return;
        ctx.send('n1', r);
        ctx.setTimer('send', 30);
      },
      receive(
        ctx: { emit(f: { name: string; args: (string | number)[] }): void },
        _from: string,
        msg: DiscoveryApMsg,
      ) {
        const { id, ...rest } = msg as DiscoveryApMsg & { id: number };
        ctx.emit({ name: 'reply', args: [id, JSON.stringify(rest)] });
      },
    };
  };
}

describe('AP discovery: the process front', () => {
  test('register, re-register, list on another node, refusals, deregister', () => {
    const spec = defineSpec<DiscoveryApMsg>({
      name: 'discovery-ap-front',
      nodes: ['n1', 'n2'],
      process: discoveryApProcess({
        gossipIntervalMs: 10,
        nodeTimeoutMs: 100,
        permDownAfterMs: 1000,
      }),
      clients: {
        ids: ['c'],
        process: scriptedClient([
          registerRequest(1, 'web', 'i1', '10.0.0.1:80', { zone: 'eu' }),
          registerRequest(2, 'web', 'i1', '10.0.0.1:80', { zone: 'eu' }), // same: no change
          registerRequest(3, 'web', 'i1', '10.0.0.2:80'), // new address: an update
          listRequest(4, 'web'),
          { type: 'track', id: 5, topic: 'web', key: 'x', meta: {} },
          deregisterRequest(6, 'web', 'nope'),
          {
            type: 'register',
            id: 7,
            service: 'web',
            instance: 'i2',
            address: 5,
            meta: {},
          } as never,
          deregisterRequest(8, 'web', 'i1'),
          listRequest(9, 'web'),
          { type: 'bogus', id: 10 } as never, // ignored
          { type: 'register', id: 11 } as never, // fields missing
        ]) as never,
      },
      time: { model: 'async', horizonMs: 400, network: { latency: { kind: 'fixed', ms: 1 } } },
      guarantees: { final: [apDiscoveryListsExpected, watchDiffsReplay] },
    });
    const r = runSimulation(spec, { seed: 1 });
    assert.equal(r.status, 'pass', JSON.stringify(r.violations));
    const replies = new Map(
      r.facts.filter((f) => f.name === 'reply').map((f) => [f.args[0], f.args[1]]),
    );
    assert.equal(replies.get(1), '{"type":"ok"}');
    assert.equal(replies.get(2), '{"type":"ok"}');
    const listed = JSON.parse(replies.get(4) as string) as { instances: ApInstance[] };
    assert.deepEqual(lines(listed.instances), ['web n1 i1 n1@0 10.0.0.2:80 ']);
    assert.match(replies.get(5) as string, /track is not accepted by a discovery node/);
    assert.match(replies.get(6) as string, /nope is not registered in web on n1/);
    assert.match(replies.get(7) as string, /address must be a non-empty string/);
    assert.equal(replies.get(8), '{"type":"ok"}');
    assert.deepEqual(JSON.parse(replies.get(9) as string).instances, []);
    assert.equal(replies.has(10), false);
    assert.match(replies.get(11) as string, /register\(undefined, undefined\): service must be/);
    // n2's watcher saw the join, the address change (a leave and a join) and the leave.
    const n2 = r.facts.filter((f) => f.node === 'n2' && f.name === 'discovery-diff');
    assert.deepEqual(
      n2.map((f) => [
        JSON.parse(f.args[1] as string).length,
        JSON.parse(f.args[2] as string).length,
      ]),
      [
        [1, 0],
        [1, 1],
        [0, 1],
      ],
    );
    // Registering twice with the same address changed nothing: one registered fact per change.
    assert.equal(r.facts.filter((f) => f.name === 'registered').length, 2);
  });
});

/** A hand-made world: facts and mirrored lists (`disc/` keys) per node, every node up. */
function world(facts: FactRecord[], lists: Record<string, Record<string, string>>): WorldView {
  return {
    time: 100,
    nodes: ['n1', 'n2'],
    facts: (name) => facts.filter((f) => name === undefined || f.name === name),
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

describe('AP discovery: the checks catch broken runs', () => {
  const f = (node: string, time: number, name: string, ...args: string[]): FactRecord => ({
    node,
    time,
    name,
    args,
    eventId: time,
  });
  const i1: ApInstance = {
    service: 'web',
    id: 'i1',
    address: 'a:1',
    meta: {},
    node: 'n1',
    replica: 'n1@0',
  };
  const listing = { 'disc/web\u0000n1\u0000i1': JSON.stringify(['n1@0', 'a:1', '[]']) };
  const base = [
    f('n1', 0, 'presence-start', 'n1@0'),
    f('n2', 0, 'presence-start', 'n2@0'),
    f('n1', 1, 'registered', 'web', 'i1', 'a:1', '[]'),
    f('n1', 1, 'discovery-diff', 'web', encodeFactEntries([i1]), '[]'),
  ];

  test('a consistent run passes both checks', () => {
    const w = world([...base, f('n2', 5, 'discovery-diff', 'web', encodeFactEntries([i1]), '[]')], {
      n1: listing,
      n2: listing,
    });
    assert.equal(apDiscoveryListsExpected.check(w), undefined);
    assert.equal(watchDiffsReplay.check(w), undefined);
  });

  test('a node missing an instance, and a watcher that lost the join, are named', () => {
    const w = world(base, { n1: listing, n2: listing });
    assert.match(
      watchDiffsReplay.check(w) ?? '',
      /n2: replayed watch diffs give 0 instances, it lists 1/,
    );
    const missing = world(base, { n1: listing, n2: {} });
    assert.match(
      apDiscoveryListsExpected.check(missing) ?? '',
      /n2 lists 0 instances, live nodes own 1; missing \[web n1 i1 a:1 \[\]\]/,
    );
    const phantom = world(
      [...base, f('n2', 5, 'discovery-diff', 'web', '[]', encodeFactEntries([i1]))],
      { n1: listing, n2: {} },
    );
    assert.match(
      watchDiffsReplay.check(phantom) ?? '',
      /leave of i1 \(owner n1\) in web, which is not listed/,
    );
  });
});
