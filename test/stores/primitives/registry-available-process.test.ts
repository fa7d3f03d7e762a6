// The available registry's process (src/stores/primitives/registry-available-process.ts) under
// the simulator, failure-free: client requests answered (registered, taken, an error naming a bad
// name or the wrong node, a lookup after gossip), malformed gossip from a peer dropped without
// harm, and a duplicate settled with the `onConflict` hook told once on the loser's node only.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Context, defineSpec, type NodeId, type Process } from '../../../src/index.js';
import { runSimulation } from '../../../src/sim/simulator.js';
import type { Conflict } from '../../../src/stores/primitives/registry-available.js';
import {
  availableRegistryProcess,
  type RegistryMsg,
} from '../../../src/stores/primitives/registry-available-process.js';

/** Sends its script of requests, one per ms from `startMs`, and keeps every reply. */
class ScriptedClient implements Process<RegistryMsg> {
  readonly replies: string[] = [];
  constructor(
    readonly script: readonly (readonly [NodeId, RegistryMsg])[],
    readonly startMs: number,
  ) {}
  init(ctx: Context<RegistryMsg>): void {
    ctx.setTimer('0', this.startMs);
  }
  timer(ctx: Context<RegistryMsg>, name: string): void {
    const i = Number(name);
    const [to, msg] = this.script[i] as readonly [NodeId, RegistryMsg];
    ctx.send(to, msg);
    if (i + 1 < this.script.length) ctx.setTimer(String(i + 1), 1);
  }
  receive(_ctx: Context<RegistryMsg>, from: NodeId, msg: RegistryMsg): void {
    const detail =
      msg.type === 'registered'
        ? msg.registration.owner
        : msg.type === 'taken'
          ? msg.holder.owner
          : msg.type === 'owner'
            ? (msg.owner?.owner ?? 'none')
            : msg.type === 'error'
              ? msg.message
              : '';
    this.replies.push(`${from} ${'id' in msg ? msg.id : '-'} ${msg.type} ${detail}`);
  }
}

/** A peer that gossips garbage. */
class GarbagePeer implements Process<RegistryMsg> {
  init(ctx: Context<RegistryMsg>): void {
    ctx.setTimer('junk', 5);
  }
  timer(ctx: Context<RegistryMsg>): void {
    ctx.send('n1', {
      type: 'gossip',
      replica: 'bad@0',
      state: { entries: 'junk', context: [] } as unknown as { entries: []; context: [] },
    });
  }
  receive(): void {}
}

describe('available registry process', () => {
  test('answers requests, refuses bad ones by name, survives malformed gossip', () => {
    const client = new ScriptedClient(
      [
        ['n1', { type: 'register', id: 1, name: '', owner: 'p1' }],
        ['n1', { type: 'register', id: 2, name: 'x', owner: 'p1' }],
        ['n1', { type: 'register', id: 3, name: 'x', owner: 'p2' }],
        ['n2', { type: 'unregister', id: 4, name: 'x', owner: 'p1' }],
        ['n1', { type: 'lookup', id: 5, name: 'x' }],
      ],
      10,
    );
    const spec = defineSpec<RegistryMsg>({
      name: 'registry-process',
      nodes: ['n1', 'n2', 'bad'],
      process: (id) =>
        id === 'bad'
          ? new GarbagePeer()
          : availableRegistryProcess({ gossipIntervalMs: 20, nodeTimeoutMs: 200 })(id),
      clients: { ids: ['c'], process: () => client },
      time: { model: 'async', horizonMs: 200 },
    });
    const run = runSimulation(spec, { seed: 1 });
    assert.equal(run.status, 'pass', run.error);
    // Latency may reorder replies: compare them by request id.
    const byId = (line: string) => Number(line.split(' ')[1]);
    assert.deepEqual(
      [...client.replies].sort((a, b) => byId(a) - byId(b)),
      [
        'n1 1 error register: name must be a non-empty string without NUL, got ""',
        'n1 2 registered p1',
        'n1 3 taken p1',
        'n2 4 error p1 holds no registration of x on n2',
        'n1 5 owner p1',
      ],
    );
    // n2 learnt of the registration through gossip; n1 still serves after the junk.
    assert.equal(run.world.memory('n2').get('owner/x'), 'p1@n1');
    assert.equal(run.world.memory('n1').get('own/x'), 'p1');
  });

  test('a duplicate: onConflict is told once, on the loser node only', () => {
    const told: string[] = [];
    const onConflict = (node: NodeId, c: Conflict) =>
      told.push(`${node}: ${c.name} ${c.loser.owner} lost to ${c.winner.owner} (${c.action})`);
    const spec = defineSpec<RegistryMsg>({
      name: 'registry-process-conflict',
      nodes: ['n1', 'n2'],
      process: availableRegistryProcess({ gossipIntervalMs: 20, nodeTimeoutMs: 200, onConflict }),
      inputs: [
        { at: 1, to: 'n2', msg: { type: 'register', id: 1, name: 'x', owner: 'p2' } },
        { at: 1, to: 'n2', msg: { type: 'register', id: 2, name: 'y', owner: 'p2' } },
        { at: 2, to: 'n1', msg: { type: 'register', id: 3, name: 'x', owner: 'p1' } },
      ],
      time: { model: 'async', horizonMs: 300 },
    });
    const run = runSimulation(spec, { seed: 3 });
    assert.equal(run.status, 'pass', run.error);
    // n2's registration is earlier: n1's p1 loses, and with `kill` nothing else of p1's is held.
    assert.deepEqual(told, ['n1: x p1 lost to p2 (kill)']);
    assert.deepEqual(
      run.facts.filter((f) => f.name === 'registry-conflict').map((f) => f.node),
      ['n1'],
    );
    for (const n of ['n1', 'n2']) {
      assert.equal(run.world.memory(n).get('owner/x'), 'p2@n2');
      assert.equal(run.world.memory(n).get('owner/y'), 'p2@n2');
    }
  });
});
