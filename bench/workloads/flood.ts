/**
 * Benchmark workload: a 5-node broadcast flood (asynchronous model, fixed 1 ms latency).
 *
 * Every millisecond each node's `wave` timer starts a broadcast: it sends to every peer, and every
 * node that receives a first-hop copy relays it to all of its own peers (eager relay broadcast).
 * A wave from one node is 4 + 16 = 20 deliveries, so the five nodes keep about 100 deliveries and
 * 5 timers in every simulated millisecond: the simulator is saturated with deliveries. Nothing is
 * kept in memory (the gossip workload exercises memory), so the run costs are the simulator's own.
 */
import { type Context, defineSpec, type Process, type Spec } from '../../src/index.js';

/** A broadcast copy: who started the wave, its number, and how many hops it has travelled. */
export interface FloodMsg {
  readonly origin: string;
  readonly wave: number;
  readonly hop: number;
}

/** Period of the wave timer, in virtual ms. */
export const FLOOD_PERIOD_MS = 1;
/** Nodes of the flood. */
export const FLOOD_NODES = ['n1', 'n2', 'n3', 'n4', 'n5'] as const;

class Flooder implements Process<FloodMsg> {
  #wave = 0;

  init(ctx: Context<FloodMsg>): void {
    ctx.setTimer('wave', FLOOD_PERIOD_MS);
  }

  receive(ctx: Context<FloodMsg>, _from: string, msg: FloodMsg): void {
    if (msg.hop >= 1) return;
    const relay: FloodMsg = { origin: msg.origin, wave: msg.wave, hop: msg.hop + 1 };
    for (const peer of ctx.peers) ctx.send(peer, relay);
  }

  timer(ctx: Context<FloodMsg>, _name: string): void {
    const msg: FloodMsg = { origin: ctx.id, wave: this.#wave++, hop: 0 };
    for (const peer of ctx.peers) ctx.send(peer, msg);
    ctx.setTimer('wave', FLOOD_PERIOD_MS);
  }
}

/** Simulated events (deliveries + timers) per virtual ms in the steady state. */
export const FLOOD_EVENTS_PER_MS = FLOOD_NODES.length * (1 + 4 + 4 * 4);

/** The flood spec, run long enough for about `events` deliveries and timers. */
export function floodSpec(events: number): Spec<FloodMsg> {
  return defineSpec<FloodMsg>({
    name: 'bench-flood',
    description: '5-node broadcast flood: every timer starts a wave, first-hop receivers relay it.',
    nodes: [...FLOOD_NODES],
    process: () => new Flooder(),
    time: {
      model: 'async',
      horizonMs: Math.max(1, Math.ceil(events / FLOOD_EVENTS_PER_MS)),
      network: { latency: { kind: 'fixed', ms: 1 } },
    },
    limits: { eventsMax: events * 2 + 1000 },
  });
}
