/**
 * The available registry's pure core (src/stores/primitives/registry-available.ts): registering,
 * taken names, hidden down peers, conflicts settled identically on every replica with the loser
 * told once, `kill` versus `keep`, the earliest registration winning whatever the wall clocks say
 * of "newest", resolvers that break the contract refused, malformed gossip refused without
 * change; and, as a property, convergence: replicas registering and gossiping in any order end,
 * after a full exchange, resolving every name to the same single owner, its only registration
 * left, with every loser reported exactly once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  AvailableRegistry,
  type Conflict,
  type ConflictResolver,
  lowestRegistrationWinsKeep,
  registrationText,
} from '../../../src/stores/primitives/registry-available.js';

const all = () => true;

describe('available registry', () => {
  test('register, taken on the same node, lookup and list by prefix, unregister', () => {
    const n1 = new AvailableRegistry('n1', 0);
    const r = n1.register('svc:a', 'p1', 10, all);
    assert.equal(r.kind, 'registered');
    const again = n1.register('svc:a', 'p2', 11, all);
    assert.equal(again.kind, 'taken');
    if (again.kind === 'taken') assert.equal(again.holder.owner, 'p1');
    n1.register('svc:b', 'p2', 12, all);
    n1.register('other', 'p3', 13, all);
    assert.deepEqual(
      n1.list('svc:', all).map((x) => `${x.name}=${x.owner}`),
      ['svc:a=p1', 'svc:b=p2'],
    );
    assert.equal(n1.lookup('svc:a', all)?.owner, 'p1');
    assert.equal(n1.unregister('svc:a', 'p1'), true);
    assert.equal(n1.unregister('svc:a', 'p1'), false);
    assert.equal(n1.lookup('svc:a', all), undefined);
    assert.throws(() => n1.register('', 'p', 1, all), /register: name must be a non-empty/);
    assert.throws(() => n1.register('x', '', 1, all), /register x: owner must be/);
  });

  test('a duplicate is settled the same way on both nodes; only the loser is told, once', () => {
    const n1 = new AvailableRegistry('n1', 0);
    const n2 = new AvailableRegistry('n2', 0);
    n2.register('x', 'p2', 20, all); // later, on n2's clock
    n1.register('x', 'p1', 10, all);
    n1.merge(n2.encode(), 30);
    n2.merge(n1.encode(), 30);
    assert.equal(n1.lookup('x', all)?.owner, 'p1');
    assert.equal(n2.lookup('x', all)?.owner, 'p1');
    assert.deepEqual(n1.settle(all), [], 'the winner has nothing to settle');
    const told = n2.settle(all);
    assert.equal(told.length, 1);
    const c = told[0] as Conflict;
    assert.equal(registrationText(c.winner), 'x p1@n1 10.0');
    assert.equal(registrationText(c.loser), 'x p2@n2 20.0');
    assert.equal(c.action, 'kill');
    assert.deepEqual(n2.settle(all), [], 'told once: the losing registration is gone');
    n1.merge(n2.encode(), 40);
    assert.deepEqual(
      n1.own().map((r) => r.owner),
      ['p1'],
    );
    assert.deepEqual(n2.own(), []);
  });

  test('the earliest registration wins, by hybrid clock, not the newest wall clock', () => {
    // n2's clock runs far ahead; n1 registers later in real time but at a smaller timestamp.
    const n1 = new AvailableRegistry('n1', 0);
    const n2 = new AvailableRegistry('n2', 0);
    n2.register('x', 'fast', 5_000, all);
    n1.register('x', 'slow', 100, all);
    n1.merge(n2.encode(), 101);
    assert.equal(n1.lookup('x', all)?.owner, 'slow');
    // Once n1 has seen n2's clock, its later registrations order after it.
    n1.unregister('x', 'slow');
    n2.unregister('x', 'fast');
    n1.register('y', 'after', 102, all);
    assert.ok((n1.lookup('y', all)?.registeredAt.wallMs ?? 0) >= 5_000);
  });

  test('kill drops every name of the losing owner on its node; keep only the contested one', () => {
    for (const [resolver, released] of [
      [undefined, ['z']],
      [lowestRegistrationWinsKeep, []],
    ] as const) {
      const n1 = new AvailableRegistry('n1', 0, resolver);
      const n2 = new AvailableRegistry('n2', 0, resolver);
      n1.register('x', 'p1', 10, all);
      n2.register('x', 'p2', 20, all);
      n2.register('z', 'p2', 21, all);
      n2.merge(n1.encode(), 30);
      const [c] = n2.settle(all);
      assert.deepEqual(c?.released, released);
      assert.equal(c?.action, resolver === undefined ? 'kill' : 'keep');
      assert.deepEqual(
        n2.own().map((r) => r.name),
        released.length === 0 ? ['z'] : [],
      );
    }
  });

  test('registrations of a down peer are hidden: its names can be taken here', () => {
    const n1 = new AvailableRegistry('n1', 0);
    const n2 = new AvailableRegistry('n2', 0);
    n2.register('x', 'p2', 10, all);
    n1.merge(n2.encode(), 11);
    const n2Down = (node: string) => node !== 'n2';
    assert.equal(n1.register('x', 'p1', 12, all).kind, 'taken');
    assert.equal(n1.register('x', 'p1', 12, n2Down).kind, 'registered');
    // n2 is heard again: the duplicate is in view, the earlier (n2's) wins, n1 settles.
    const [c] = n1.settle(all);
    assert.equal(c?.winner.owner, 'p2');
  });

  test('a resolver that returns no candidate is refused, naming the name', () => {
    const bad: ConflictResolver = (_name, candidates) => ({
      winner: { ...(candidates[0] as NonNullable<(typeof candidates)[0]>), owner: 'someone' },
      action: 'kill',
    });
    const n1 = new AvailableRegistry('n1', 0, bad);
    const n2 = new AvailableRegistry('n2', 0, bad);
    n1.register('x', 'p1', 10, all);
    n2.register('x', 'p2', 20, all);
    n1.merge(n2.encode(), 30);
    assert.throws(() => n1.lookup('x', all), /conflict resolver for x returned .* one of the 2/);
  });

  test('malformed gossip is refused and changes nothing', () => {
    const n1 = new AvailableRegistry('n1', 0);
    n1.register('x', 'p1', 10, all);
    const before = JSON.stringify(n1.encode());
    const good = new AvailableRegistry('n2', 0);
    good.register('y', 'p2', 5, all);
    const wire = good.encode();
    const entry = wire.entries[0] as readonly [string, number, string, string, string, string];
    const broken = {
      ...wire,
      entries: [[entry[0], entry[1], entry[2], entry[3], entry[4], '[["wallMs","soon"]]'] as const],
    };
    assert.throws(() => n1.merge(broken, 20), /entries\[0\] needs registeredAt/);
    assert.throws(
      () => n1.merge({ entries: 'nope' } as unknown as typeof wire, 20),
      /needs an entries array/,
    );
    assert.equal(JSON.stringify(n1.encode()), before);
  });

  test('property: any registrations and gossip order converge to one owner per name', () => {
    const nodes = ['n1', 'n2', 'n3'];
    const action = fc.oneof(
      fc.record({
        kind: fc.constant('register' as const),
        node: fc.nat(2),
        name: fc.constantFrom('x', 'y'),
        owner: fc.constantFrom('p', 'q', 'r'),
        dt: fc.nat(20),
      }),
      fc.record({ kind: fc.constant('merge' as const), into: fc.nat(2), from: fc.nat(2) }),
      fc.record({
        kind: fc.constant('unregister' as const),
        node: fc.nat(2),
        name: fc.constantFrom('x', 'y'),
        owner: fc.constantFrom('p', 'q', 'r'),
      }),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60 }), fc.boolean(), (actions, keep) => {
        const replicas = nodes.map(
          (n) => new AvailableRegistry(n, 0, keep ? lowestRegistrationWinsKeep : undefined),
        );
        const told: string[] = [];
        let now = 0;
        const settle = (r: AvailableRegistry) => {
          for (const c of r.settle(all)) {
            if (c.loser.node !== r.node) return false;
            told.push(registrationText(c.loser));
          }
          return true;
        };
        const merge = (into: AvailableRegistry, from: AvailableRegistry) => {
          into.merge(from.encode(), now);
          return settle(into);
        };
        for (const a of actions) {
          if (a.kind === 'register') {
            now += a.dt;
            (replicas[a.node] as AvailableRegistry).register(a.name, a.owner, now, all);
          } else if (a.kind === 'unregister')
            (replicas[a.node] as AvailableRegistry).unregister(a.name, a.owner);
          else if (
            !merge(replicas[a.into] as AvailableRegistry, replicas[a.from] as AvailableRegistry)
          )
            return false;
        }
        // Full exchange, twice around: every replica sees every other's final state.
        for (let round = 0; round < 2; round++)
          for (const into of replicas)
            for (const from of replicas) if (into !== from && !merge(into, from)) return false;
        if (new Set(told).size !== told.length) return false; // a loser told twice
        const views = replicas.map((r) => r.list('', all).map(registrationText).join(';'));
        if (new Set(views).size !== 1) return false;
        for (const name of ['x', 'y']) {
          const owns = replicas.flatMap((r) => r.own().filter((o) => o.name === name));
          const seen = replicas[0]?.lookup(name, all);
          if (owns.length > 1) return false;
          if ((owns[0] === undefined) !== (seen === undefined)) return false;
          if (
            owns[0] !== undefined &&
            registrationText(owns[0]) !== registrationText(seen as NonNullable<typeof seen>)
          )
            return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});
