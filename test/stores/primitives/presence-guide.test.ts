// The example of docs/guide/presence.md §2: two replicas, a subscriber fed by diffs, a node that
// goes silent and comes back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyDiffs,
  diffViews,
  PresenceState,
  type PresenceView,
  viewLines,
} from '../../../src/stores/primitives/presence.js';

test('guide: diffs from a merge, a silent node leaves and rejoins', () => {
  const n1 = new PresenceState('n1', 0);
  const n2 = new PresenceState('n2', 0);
  n1.track('room:lobby', 'alice', { status: 'online' });
  n2.track('room:lobby', 'bob', { status: 'online' });

  // n2's subscriber: the list it last delivered, and what it was told.
  let listed: PresenceView = new Map();
  const told: string[] = [];
  const publish = (n1Up: boolean) => {
    const next = n2.view((node) => node !== 'n1' || n1Up);
    for (const d of diffViews(listed, next)) {
      told.push(`${d.topic} +[${d.joins.map((e) => e.key)}] -[${d.leaves.map((e) => e.key)}]`);
    }
    listed = next;
  };

  publish(true);
  n2.merge(n1.encode()); // gossip from n1
  publish(true);
  n1.update('room:lobby', 'alice', { status: 'away' });
  n1.track('room:lobby', 'carol', { status: 'online' });
  n2.merge(n1.encode());
  publish(true);
  publish(false); // n1 silent for nodeTimeoutMs: its entries leave
  publish(true); // heard again: they join back
  assert.deepEqual(told, [
    'room:lobby +[bob] -[]',
    'room:lobby +[alice] -[]',
    'room:lobby +[alice,carol] -[alice]', // the update is a leave and a join
    'room:lobby +[] -[alice,carol]',
    'room:lobby +[alice,carol] -[]',
  ]);
  // The diffs replay to the list.
  let replayed: PresenceView = new Map();
  replayed = applyDiffs(replayed, diffViews(new Map(), listed));
  assert.deepEqual(viewLines(replayed), viewLines(n2.view(() => true)));
});
