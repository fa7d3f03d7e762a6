/**
 * Raft-style leader election (Raft §5.2), shared by examples/leader-election.ts (correct) and
 * examples/leader-election-buggy.ts (votes forgotten on restart).
 *
 * Every node keeps a term and the candidate it voted for in that term. A follower that hears no
 * leader for a randomized election timeout becomes a candidate: it moves to the next term, votes
 * for itself and asks its peers for their votes; a node grants at most one vote per term, so at
 * most one candidate per term can collect a majority. The winner emits `leader(id, term)` and
 * sends heartbeats, which keep the others following. Any message carrying a higher term makes the
 * receiver adopt that term and step down to follower.
 *
 * "At most one vote per term" only holds if the vote survives a crash: Raft persists currentTerm
 * and votedFor before answering. The correct version does (`durableVote: true`); the buggy one
 * keeps votedFor in volatile memory, so a node that crashes and restarts in the same term can vote
 * a second time and elect a second leader in that term.
 */
import {
  type Context,
  fact,
  fromUtf8,
  type Invariant,
  type Liveness,
  type NodeId,
  type Process,
  type Spec,
  type SwarmOptions,
  utf8,
  type WorldView,
} from '../src/index.js';

export type ElectionMsg =
  | { readonly type: 'request-vote'; readonly term: number; readonly candidate: NodeId }
  | { readonly type: 'vote'; readonly term: number; readonly granted: boolean }
  | { readonly type: 'heartbeat'; readonly term: number; readonly leader: NodeId }
  | { readonly type: 'heartbeat-ack'; readonly term: number };

export interface ElectionOptions {
  /** Persist votedFor with the term before granting a vote (Raft). False: the bug. */
  readonly durableVote: boolean;
}

type Role = 'follower' | 'candidate' | 'leader';

/** Election timeouts are drawn from [MIN, MIN + SPREAD) ms: Raft's suggested 150–300 ms, many
 * message latencies (1–10 ms) wide, so one node usually times out alone and wins. */
export const ELECTION_TIMEOUT_MIN_MS = 150;
export const ELECTION_TIMEOUT_SPREAD_MS = 150;
/** Well below the election timeout, so a healthy leader is never deposed. */
export const HEARTBEAT_MS = 50;
/** A candidate re-asks peers whose vote it lacks: requests and replies may be lost (Raft retries
 * RPCs that get no answer). */
export const VOTE_RETRY_MS = 20;

const TERM_KEY = utf8('raft/term');
const VOTED_FOR_KEY = utf8('raft/voted-for');

/** One node of the election. Volatile state lives in tracked `ctx.memory`; the durable part
 * (term, and votedFor when `durableVote`) is written through to `ctx.storage`. */
export class ElectionNode implements Process<ElectionMsg> {
  readonly #durableVote: boolean;

  constructor(options: ElectionOptions) {
    this.#durableVote = options.durableVote;
  }

  init(ctx: Context<ElectionMsg>): void {
    // First start or restart: rebuild the durable state; everything else starts over.
    const term = ctx.storage.get(TERM_KEY);
    ctx.memory.set('term', term === undefined ? 0 : Number(fromUtf8(term)));
    const votedFor = this.#durableVote ? ctx.storage.get(VOTED_FOR_KEY) : undefined;
    const voted = votedFor === undefined ? '' : fromUtf8(votedFor);
    ctx.memory.set('votedFor', voted === '' ? null : voted);
    ctx.memory.set('role', 'follower' satisfies Role);
    ctx.memory.set('leader', null);
    this.#resetElectionTimer(ctx);
  }

  receive(ctx: Context<ElectionMsg>, from: NodeId, msg: ElectionMsg): void {
    if (msg.term > this.#term(ctx)) this.#stepDown(ctx, msg.term);
    const term = this.#term(ctx);
    switch (msg.type) {
      case 'request-vote': {
        const votedFor = ctx.memory.get<NodeId | null>('votedFor') ?? null;
        const granted = msg.term === term && (votedFor === null || votedFor === msg.candidate);
        if (granted) {
          this.#setHardState(ctx, term, msg.candidate);
          // A follower that just voted gives that candidate time to win before competing.
          this.#resetElectionTimer(ctx);
        }
        // Persist before send: the simulator makes this handler's writes durable before the
        // vote leaves, so a crash can never keep the vote on the wire and lose it on disk.
        ctx.send(from, { type: 'vote', term, granted });
        return;
      }
      case 'vote': {
        if (!msg.granted || msg.term !== term || this.#role(ctx) !== 'candidate') return;
        const votes = ctx.memory.get<readonly NodeId[]>('votes') ?? [];
        if (votes.includes(from)) return; // a duplicated vote counts once
        const next = [...votes, from].sort();
        ctx.memory.set('votes', next);
        if (next.length > ctx.nodes.length / 2) this.#becomeLeader(ctx);
        return;
      }
      case 'heartbeat':
        if (msg.term === term) {
          // Only a leader of our term sends these, and there is at most one: follow it.
          ctx.memory.set('role', 'follower' satisfies Role);
          ctx.memory.set('leader', msg.leader);
          ctx.cancelTimer('vote-retry');
          this.#resetElectionTimer(ctx);
        }
        // Answer stale leaders too: the ack's higher term makes them step down.
        ctx.send(from, { type: 'heartbeat-ack', term });
        return;
      case 'heartbeat-ack':
        return; // its term, already handled above, is all it carries
    }
  }

  timer(ctx: Context<ElectionMsg>, name: string): void {
    switch (name) {
      case 'election':
        if (this.#role(ctx) !== 'leader') this.#startElection(ctx);
        return;
      case 'vote-retry':
        if (this.#role(ctx) !== 'candidate') return;
        this.#requestVotes(ctx);
        ctx.setTimer('vote-retry', VOTE_RETRY_MS);
        return;
      case 'heartbeat':
        if (this.#role(ctx) !== 'leader') return;
        this.#sendHeartbeats(ctx);
        ctx.setTimer('heartbeat', HEARTBEAT_MS);
        return;
    }
  }

  #startElection(ctx: Context<ElectionMsg>): void {
    const term = this.#term(ctx) + 1;
    this.#setHardState(ctx, term, ctx.id);
    ctx.memory.set('role', 'candidate' satisfies Role);
    ctx.memory.set('leader', null);
    ctx.memory.set('votes', [ctx.id]);
    this.#resetElectionTimer(ctx); // a split vote ends in a fresh election, not a stall
    if (ctx.nodes.length === 1) {
      this.#becomeLeader(ctx);
      return;
    }
    this.#requestVotes(ctx);
    ctx.setTimer('vote-retry', VOTE_RETRY_MS);
  }

  #requestVotes(ctx: Context<ElectionMsg>): void {
    const term = this.#term(ctx);
    const votes = ctx.memory.get<readonly NodeId[]>('votes') ?? [];
    for (const peer of ctx.peers) {
      if (!votes.includes(peer)) ctx.send(peer, { type: 'request-vote', term, candidate: ctx.id });
    }
  }

  #becomeLeader(ctx: Context<ElectionMsg>): void {
    ctx.memory.set('role', 'leader' satisfies Role);
    ctx.memory.set('leader', ctx.id);
    ctx.emit(fact('leader', ctx.id, this.#term(ctx)));
    ctx.cancelTimer('election');
    ctx.cancelTimer('vote-retry');
    this.#sendHeartbeats(ctx);
    ctx.setTimer('heartbeat', HEARTBEAT_MS);
  }

  #sendHeartbeats(ctx: Context<ElectionMsg>): void {
    const term = this.#term(ctx);
    for (const peer of ctx.peers) ctx.send(peer, { type: 'heartbeat', term, leader: ctx.id });
  }

  /** A higher term was seen: adopt it with no vote cast yet, and follow. */
  #stepDown(ctx: Context<ElectionMsg>, term: number): void {
    const wasLeader = this.#role(ctx) === 'leader';
    this.#setHardState(ctx, term, null);
    ctx.memory.set('role', 'follower' satisfies Role);
    ctx.memory.set('leader', null);
    ctx.cancelTimer('vote-retry');
    ctx.cancelTimer('heartbeat');
    if (wasLeader) this.#resetElectionTimer(ctx);
  }

  /** Term and vote, in memory and (write-through) in storage. The buggy version never stores the
   * vote, so a restart forgets it while remembering the term. */
  #setHardState(ctx: Context<ElectionMsg>, term: number, votedFor: NodeId | null): void {
    ctx.memory.set('term', term);
    ctx.memory.set('votedFor', votedFor);
    ctx.storage.put(TERM_KEY, utf8(String(term)));
    if (this.#durableVote) ctx.storage.put(VOTED_FOR_KEY, utf8(votedFor ?? ''));
  }

  #resetElectionTimer(ctx: Context<ElectionMsg>): void {
    ctx.setTimer(
      'election',
      ELECTION_TIMEOUT_MIN_MS + Math.floor(ctx.random() * ELECTION_TIMEOUT_SPREAD_MS),
    );
  }

  #term(ctx: Context<ElectionMsg>): number {
    return ctx.memory.get<number>('term') ?? 0;
  }

  #role(ctx: Context<ElectionMsg>): Role {
    return ctx.memory.get<Role>('role') ?? 'follower';
  }
}

/** Election safety (Raft §5.2): no two nodes ever become leader in the same term. Read from the
 * `leader` facts, which outlive crashes, so a leader that crashed still counts. */
export const oneLeaderPerTerm: Invariant = {
  name: 'at-most-one-leader-per-term',
  check(world: WorldView): string | undefined {
    const leaders = new Map<number, NodeId>();
    for (const f of world.facts('leader')) {
      const [node, term] = f.args as [NodeId, number];
      const other = leaders.get(term);
      if (other !== undefined && other !== node) {
        return `two leaders in term ${term}: ${other} and ${node} (at ${f.time} ms)`;
      }
      leaders.set(term, node);
    }
    return undefined;
  },
};

/** After the heal, the cluster settles on a leader: some running node leads a term in which a
 * majority of the nodes (itself included) are running, in that term, and follow it. */
export const leaderAfterHeal: Liveness = {
  name: 'leader-after-heal',
  holds(world: WorldView): boolean {
    for (const id of world.nodes) {
      const mem = world.memory(id);
      if (!world.up(id) || mem.get('role') !== 'leader') continue;
      const term = mem.get<number>('term');
      const followers = world.nodes.filter(
        (n) =>
          world.up(n) &&
          world.memory(n).get('leader') === id &&
          world.memory(n).get<number>('term') === term,
      );
      if (followers.length > world.nodes.length / 2) return true;
    }
    return false;
  },
};

/** Three nodes: a majority is two, so one candidate plus one voter that forgot its vote is
 * already a second leader. (With five, two voters must forget, which needs rarer plans.) */
export const ELECTION_NODES: readonly NodeId[] = ['n1', 'n2', 'n3'];
/** Safety phase length: about two election timeouts. Swarm faults land uniformly in it, so a short
 * phase puts them near the first elections, where the votes are cast. The invariant is checked in
 * the liveness phase too, where every node still down restarts at once and elections resume. */
export const ELECTION_HORIZON_MS = 400;

/** Swarm settings of both versions. Every node may crash (restart mode): durability across
 * restarts is what is under test, and a node that missed an election while down is what meets a
 * restarted node that forgot its vote. Partitions and loss make nodes miss elections too. Disk
 * faults are left out on purpose: `unsynced` switches off persist-before-send, the very contract
 * the correct version relies on, and a corrupted term record needs a recovery story (refuse to vote
 * until repaired) this example does not tell. */
export const ELECTION_SWARM: SwarmOptions = {
  kinds: ['crash', 'partition', 'one-way-partition', 'loss'],
  crashMode: 'restart',
  crashesMax: ELECTION_NODES.length,
  faultsMax: 10,
};

/** The spec fields both versions share. */
export function electionSpec(
  name: string,
  description: string,
  options: ElectionOptions,
): Spec<ElectionMsg> {
  return {
    name,
    description,
    nodes: ELECTION_NODES,
    process: () => new ElectionNode(options),
    time: { model: 'async', horizonMs: ELECTION_HORIZON_MS },
    guarantees: { invariants: [oneLeaderPerTerm], liveness: [leaderAfterHeal] },
    faults: { swarm: ELECTION_SWARM, livenessBoundMs: 3_000 },
  };
}
