/**
 * Goal: LDFI reads the AND/OR structure of `post` off the code — which roots must fall together for
 * a good tuple to vanish — including replicas `post` found alive (Molly's `notin crash`).
 * Method: a durability-shaped `post` over a hand-made world.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FactRecord, PrePost, Tuple, WorldView } from '../../src/index.js';
import { type PostRoot, postKillSets, postRoots } from '../../src/ldfi/outcome-roots.js';

const rec = (name: string, ...args: (string | number)[]): FactRecord => ({
  name,
  args,
  node: String(args[0]),
  time: 1,
  eventId: 0,
});

const facts = [rec('ack', 'C', 'x'), rec('write', 'a', 'x'), rec('write', 'b', 'x')];
const world: WorldView = {
  time: 5,
  nodes: ['a', 'b', 'C'],
  facts: (name) => facts.filter((f) => name === undefined || f.name === name),
  has: (name, ...args) =>
    facts.some((f) => f.name === name && JSON.stringify(f.args) === JSON.stringify(args)),
  crashed: () => false,
  up: () => true,
  memory: () => ({ get: () => undefined, keys: () => [] }),
  storage: () => {
    throw new Error('unused');
  },
  history: [],
};

/** post(X) :- ack(_,X), write(R,X), notin crash(R). */
const durability: PrePost = {
  name: 'durability',
  pre: (w) => w.facts('ack').map((f): Tuple => [f.args[1] ?? null]),
  post(w) {
    const out: Tuple[] = [];
    for (const a of w.facts('ack'))
      for (const wr of w.facts('write'))
        if (wr.args[1] === a.args[1] && !w.crashed(String(wr.args[0])))
          out.push([wr.args[1] ?? null]);
    return out;
  },
};

test('the ack alone, or each replica lost (write gone or node crashed), kills post', () => {
  const alive = new Set<string>();
  const facts = postRoots([durability], world, alive);
  assert.deepEqual(
    facts.map((f) => `${f.name}(${f.args.join(',')})`),
    ['ack(C,x)', 'write(a,x)', 'write(b,x)'],
  );
  assert.deepEqual([...alive].sort(), ['a', 'b']);
  const roots: PostRoot[] = [
    ...facts.map((fact) => ({ kind: 'fact' as const, fact })),
    ...[...alive].sort().map((node) => ({ kind: 'alive' as const, node })),
  ];
  const label = (r: PostRoot) =>
    r.kind === 'fact' ? `${r.fact.name}:${r.fact.args[0]}` : `up:${r.node}`;
  const sets = postKillSets(
    [durability],
    world,
    roots,
    new Map([['durability', new Set(['["x"]'])]]),
  );
  assert.ok(sets !== undefined);
  const shown = sets.map((s) => s.map((i) => label(roots[i] as PostRoot)).join('+')).sort();
  assert.deepEqual(shown, [
    'ack:C',
    'up:a+up:b',
    'write:a+up:b',
    'write:a+write:b',
    'write:b+up:a',
  ]);
});

test('no target tuple (post already lost them): nothing to kill', () => {
  const sets = postKillSets([durability], world, [{ kind: 'alive', node: 'a' }], new Map());
  assert.deepEqual(sets, []);
});

test('too many roots: undefined (the caller treats any single root as enough)', () => {
  const many: PostRoot[] = Array.from({ length: 13 }, (_, i) => ({ kind: 'alive', node: `n${i}` }));
  assert.equal(postKillSets([durability], world, many, new Map()), undefined);
});
