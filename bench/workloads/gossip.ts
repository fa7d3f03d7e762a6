/**
 * Benchmark workload: a 50-node gossip (asynchronous model, uniform 1–10 ms latency).
 *
 * Every node runs a `gossip` timer (period 10 ms plus a jitter drawn with `ctx.random()`). When it
 * fires, the node bumps its own version, stores the merged state in `ctx.memory`, and sends that
 * state to 3 peers chosen with `ctx.random()`. A receiver merges the incoming state into its own
 * (max of versions, keeping the value of the newer one) and writes it back to `ctx.memory`: every
 * delivery is a tracked read plus a tracked write.
 */
import { type Context, defineSpec, type Process, type Spec } from '../../src/index.js';

/** The small state nodes gossip: the newest version seen and who wrote it. */
export interface GossipState {
  readonly version: number;
  readonly writer: string;
}

/** Nodes of the gossip. */
export const GOSSIP_NODES: readonly string[] = Array.from(
  { length: 50 },
  (_, i) => `g${String(i + 1).padStart(2, '0')}`,
);
/** Mean period of a node's gossip timer, in virtual ms. */
export const GOSSIP_PERIOD_MS = 10;
/** Peers contacted per round. */
export const GOSSIP_FANOUT = 3;

const EMPTY: GossipState = { version: 0, writer: '' };

function merge(a: GossipState, b: GossipState): GossipState {
  if (b.version > a.version || (b.version === a.version && b.writer > a.writer)) return b;
  return a;
}

class Gossiper implements Process<GossipState> {
  init(ctx: Context<GossipState>): void {
    ctx.memory.set('state', EMPTY);
    ctx.setTimer('gossip', 1 + ctx.random() * GOSSIP_PERIOD_MS);
  }

  receive(ctx: Context<GossipState>, _from: string, msg: GossipState): void {
    const mine = ctx.memory.get<GossipState>('state') ?? EMPTY;
    ctx.memory.set('state', merge(mine, msg));
  }

  timer(ctx: Context<GossipState>, _name: string): void {
    const mine = ctx.memory.get<GossipState>('state') ?? EMPTY;
    const next: GossipState = { version: mine.version + 1, writer: ctx.id };
    ctx.memory.set('state', next);
    const peers = ctx.peers;
    for (let i = 0; i < GOSSIP_FANOUT; i++) {
      const peer = peers[Math.floor(ctx.random() * peers.length)] as string;
      ctx.send(peer, next);
    }
    ctx.setTimer('gossip', GOSSIP_PERIOD_MS - 1 + ctx.random() * 2);
  }
}

/** Simulated events (deliveries + timers) per virtual ms in the steady state. */
export const GOSSIP_EVENTS_PER_MS = (GOSSIP_NODES.length * (1 + GOSSIP_FANOUT)) / GOSSIP_PERIOD_MS;

/** The gossip spec, run long enough for about `events` deliveries and timers. */
export function gossipSpec(events: number): Spec<GossipState> {
  return defineSpec<GossipState>({
    name: 'bench-gossip',
    description: '50-node gossip: timers push a small state to 3 random peers, receivers merge.',
    nodes: [...GOSSIP_NODES],
    process: () => new Gossiper(),
    time: {
      model: 'async',
      horizonMs: Math.max(1, Math.ceil(events / GOSSIP_EVENTS_PER_MS)),
      network: { latency: { kind: 'uniform', minMs: 1, maxMs: 10 } },
    },
    limits: { eventsMax: events * 2 + 1000 },
  });
}
