// The examples of docs/guide/registry.md: the strict registry's recipe against the KV state
// machine in-process (§1), and two available-registry replicas settling a duplicate (§2).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryKV } from '../../../src/storage/memory-kv.js';
import { type KvStateMachine, kvStateMachine } from '../../../src/stores/kv/state-machine.js';
import type { KvRequest } from '../../../src/stores/primitives/kv-request.js';
import {
  listRequest,
  listResult,
  lookupRequest,
  lookupResult,
  onRegistrationResult,
  startRegister,
  startUnregister,
} from '../../../src/stores/primitives/registry.js';
import { AvailableRegistry } from '../../../src/stores/primitives/registry-available.js';

test('guide §1: register, taken, lookup, list, unregister on the strict registry', () => {
  const kv = kvStateMachine()(new MemoryKV()) as KvStateMachine;
  let index = 0;
  const send = (r: KvRequest) =>
    r.kind === 'command' ? kv.apply(++index, r.command, 0) : kv.query(r.query);

  let mine = startRegister({ name: 'billing', owner: 'worker-1', ttlMs: 10_000 });
  while (mine.next !== undefined) mine = onRegistrationResult(mine.state, send(mine.next));
  assert.equal(mine.event, 'registered');
  assert.equal(mine.state.epoch, 2);

  let other = startRegister({ name: 'billing', owner: 'worker-2', ttlMs: 10_000 });
  while (other.next !== undefined) other = onRegistrationResult(other.state, send(other.next));
  assert.equal(other.event, 'taken');
  assert.equal(other.state.holder, 'worker-1');

  assert.deepEqual(lookupResult('billing', send(lookupRequest('billing'))).entry, {
    name: 'billing',
    owner: 'worker-1',
    epoch: 2,
  });
  assert.equal(listResult(send(listRequest('bill'))).entries.length, 1);

  mine = startUnregister(mine.state);
  while (mine.next !== undefined) mine = onRegistrationResult(mine.state, send(mine.next));
  assert.equal(lookupResult('billing', send(lookupRequest('billing'))).entry, undefined);
});

test('guide §2: a duplicate from a partition, settled on the loser node once', () => {
  const up = () => true;
  const n1 = new AvailableRegistry('n1', 0);
  const n2 = new AvailableRegistry('n2', 0);
  assert.equal(n1.register('billing', 'worker-1', 100, up).kind, 'registered');
  assert.equal(n2.register('billing', 'worker-2', 140, up).kind, 'registered');
  n2.merge(n1.encode(), 200);
  assert.equal(n2.lookup('billing', up)?.owner, 'worker-1');
  const [conflict] = n2.settle(up);
  assert.equal(conflict?.loser.owner, 'worker-2');
  assert.equal(conflict?.action, 'kill');
  assert.equal(n2.settle(up).length, 0);
  n1.merge(n2.encode(), 210);
  assert.equal(n1.settle(up).length, 0);
});
