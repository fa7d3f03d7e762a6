/**
 * kafka — Molly's `kafka.ded` with `fake_zk.ded` (paper Fig. 10, §6; reference §4 "Kafka"): Kafka's
 * in-sync-replica (ISR) replication, with a durability guarantee.
 *
 * Nodes: replicas a, b, c; client C; ZooKeeper Z, which starts with `leader(Z, a)` and
 * `member(Z, a)`. At tick 1 every replica registers with Z. Z's `timer_svc(Z, _, 2)` times out at
 * tick 2 (k−1 ticks later), when Z tells each registered member every member and the leader, once.
 * The leader re-sends each write, every tick, to each member it knows that has not acked it;
 * followers store it and reply `ack_int`; the leader acks the write to its origin on every tick at
 * which no member's `ack_int` is missing. The client sends its write request to its known leader
 * at ticks 2, 3 and 4.
 *
 * Durability (`kafka.ded`'s assertions):
 *
 *     pre(X)  :- ack(_, X, _);
 *     post(X) :- ack(_, X, _), write(R, X, _), notin crash(R, R, _);
 *
 * Port notes (DESIGN §3.1). Tracked keys stand for the persistent relations (`member/<M>`,
 * `leader`, `write/<X>` holding the origin, `ackint/<M>/<X>`). The leader's per-tick work runs in
 * timers after the tick's deliveries: one per peer for replication (reading that peer's
 * membership and ack only, as the Dedalus rule's body does) and one for acking; they are armed by
 * a self-re-arming `clock` timer that reads nothing. Z's announcement is one timer per
 * (recipient, member) pair and per recipient for the leader, so that each `member(N, M)` message
 * depends on the registrations of N and M only, as the Dedalus join does. The client is
 * configured with the initial leader a: the reference has it write to "its known leader" from
 * tick 2, while an answer from Z could reach it only at tick 3 (registrations arrive at 2), and
 * with a first write at tick 3 no write could be acked by EOT 6 even failure-free.
 *
 * Expected: counterexample at 6/4/1 after 38 executions (Fig. 12; Combinations 1.85e25), also at
 * 7/4/1; none at 7/4/0. The counterexample: b's and c's registrations are lost (`O(b,Z,1)`,
 * `O(c,Z,1)`), so the ISR is {a}; a acks the write with no replica, then crashes. Here the crash
 * is hypothesised at EOT: `post` asks whether each replica crashed, and LDFI treats a replica found
 * alive as a root that crashing it falsifies (Molly's negative support for `notin crash`).
 * b and c run the same code and nothing names them: they are declared symmetric.
 */
import {
  type Context,
  defineSpec,
  fact,
  type PrePost,
  type Process,
  type Tuple,
  type WorldView,
} from '../../src/index.js';

export type KafkaMsg =
  /** A replica registers with Z (`member(Z, N)`). */
  | { readonly type: 'register' }
  /** Z to a member: `member(N, M)`. */
  | { readonly type: 'member'; readonly member: string }
  /** Z to a member: `leader(N, L)`. */
  | { readonly type: 'leader'; readonly leader: string }
  /** The injected `write_req(C, X)` at the client. */
  | { readonly type: 'write_req'; readonly data: string }
  /** Client to leader: `write(L, X, C)`. */
  | { readonly type: 'write'; readonly data: string }
  /** Leader to follower: `write(M, X, L)`. */
  | { readonly type: 'replicate'; readonly data: string }
  /** Follower to leader: `ack_int(L, X, M)`. */
  | { readonly type: 'ack_int'; readonly data: string }
  /** Leader to client: `ack(C, X, L)`. */
  | { readonly type: 'ack'; readonly data: string };

const ZK = 'Z';
const CLIENT = 'C';
const INITIAL_LEADER = 'a';

class Replica implements Process<KafkaMsg> {
  init(ctx: Context<KafkaMsg>): void {
    ctx.send(ZK, { type: 'register' });
    this.#tick(ctx);
  }

  receive(ctx: Context<KafkaMsg>, from: string, msg: KafkaMsg): void {
    switch (msg.type) {
      case 'member':
        ctx.memory.set(`member/${msg.member}`, true);
        return;
      case 'leader':
        ctx.memory.set('leader', msg.leader);
        return;
      case 'write':
        this.#store(ctx, msg.data, from);
        return;
      case 'replicate':
        this.#store(ctx, msg.data, from);
        ctx.send(from, { type: 'ack_int', data: msg.data });
        return;
      case 'ack_int':
        ctx.memory.set(`ackint/${from}/${msg.data}`, true);
        return;
      default:
        return;
    }
  }

  timer(ctx: Context<KafkaMsg>, name: string): void {
    if (name === 'clock') this.#tick(ctx);
    else if (name.startsWith('replicate/'))
      this.#replicate(ctx, name.slice('replicate/'.length, name.indexOf('@')));
    else this.#ack(ctx);
  }

  /** Arms next tick's clock, per-peer replication and ack timers (named after their tick:
   * re-arming a pending timer of the same name would replace it). */
  #tick(ctx: Context<KafkaMsg>): void {
    const next = ctx.now() + 1;
    ctx.setTimer('clock', 1);
    for (const peer of ctx.peers) ctx.setTimer(`replicate/${peer}@${next}`, 1);
    ctx.setTimer(`ack@${next}`, 1);
  }

  #store(ctx: Context<KafkaMsg>, data: string, origin: string): void {
    ctx.memory.set(`write/${data}`, origin);
    ctx.emit(fact('write', ctx.id, data, origin));
  }

  /** `write(M, X, L)@async :- write(L, X, _), leader(L, L), member(L, M), notin ack_int(L, X, M)`. */
  #replicate(ctx: Context<KafkaMsg>, member: string): void {
    if (!ctx.memory.has(`member/${member}`)) return;
    if (ctx.memory.get('leader') !== ctx.id) return;
    for (const key of ctx.memory.keys('write/')) {
      const data = key.slice('write/'.length);
      if (!ctx.memory.has(`ackint/${member}/${data}`))
        ctx.send(member, { type: 'replicate', data });
    }
  }

  /** `ack(O, X, L)@async :- write(L, X, O), leader(L, L), notin missing_ack(L, X)`, where a member
   * M ≠ L without `ack_int(L, X, M)` is missing. */
  #ack(ctx: Context<KafkaMsg>): void {
    if (ctx.memory.get('leader') !== ctx.id) return;
    for (const key of ctx.memory.keys('write/')) {
      const data = key.slice('write/'.length);
      const origin = ctx.memory.get<string>(key) as string;
      const missing = ctx.memory
        .keys('member/')
        .map((k) => k.slice('member/'.length))
        .some((m) => m !== ctx.id && !ctx.memory.has(`ackint/${m}/${data}`));
      if (!missing) ctx.send(origin, { type: 'ack', data });
    }
  }
}

class Client implements Process<KafkaMsg> {
  init(ctx: Context<KafkaMsg>): void {
    ctx.memory.set('leader', INITIAL_LEADER);
  }

  receive(ctx: Context<KafkaMsg>, from: string, msg: KafkaMsg): void {
    if (msg.type === 'write_req') {
      const leader = ctx.memory.get<string>('leader');
      if (leader !== undefined) ctx.send(leader, { type: 'write', data: msg.data });
    } else if (msg.type === 'ack') {
      ctx.emit(fact('ack', ctx.id, msg.data, from));
    }
  }

  timer(_ctx: Context<KafkaMsg>, _name: string): void {}
}

class Zookeeper implements Process<KafkaMsg> {
  init(ctx: Context<KafkaMsg>): void {
    ctx.memory.set(`member/${INITIAL_LEADER}`, true);
    ctx.memory.set('leader', INITIAL_LEADER);
    // timer_svc(Z, _, 2): the timeout comes one tick later, at tick 2.
    for (const to of ctx.peers) {
      ctx.setTimer(`announce-leader/${to}`, 1);
      for (const m of ctx.peers) ctx.setTimer(`announce-member/${to}/${m}`, 1);
    }
  }

  receive(ctx: Context<KafkaMsg>, from: string, msg: KafkaMsg): void {
    if (msg.type === 'register') ctx.memory.set(`member/${from}`, true);
  }

  timer(ctx: Context<KafkaMsg>, name: string): void {
    const [kind, to, m] = name.split('/') as [string, string, string | undefined];
    if (!ctx.memory.has(`member/${to}`)) return;
    if (kind === 'announce-leader') {
      ctx.send(to, { type: 'leader', leader: ctx.memory.get<string>('leader') as string });
    } else if (m !== undefined && ctx.memory.has(`member/${m}`)) {
      ctx.send(to, { type: 'member', member: m });
    }
  }
}

/** Durability: an acked write is held by some replica that never crashed. */
export const durability: PrePost = {
  name: 'durability',
  pre(world: WorldView): Tuple[] {
    return [...new Set(world.facts('ack').map((f) => f.args[1] as string))].map((x) => [x]);
  },
  post(world: WorldView): Tuple[] {
    const out = new Set<string>();
    for (const ack of world.facts('ack'))
      for (const w of world.facts('write'))
        if (w.args[1] === ack.args[1] && !world.crashed(w.args[0] as string))
          out.add(w.args[1] as string);
    return [...out].map((x) => [x]);
  },
};

export default defineSpec<KafkaMsg>({
  name: 'kafka',
  description: 'Kafka ISR replication with a fake ZooKeeper; acked writes must survive (Molly).',
  nodes: ['a', 'b', 'c', CLIENT, ZK],
  process: (id) => (id === ZK ? new Zookeeper() : id === CLIENT ? new Client() : new Replica()),
  time: { model: 'sync', eot: 6 },
  inputs: [2, 3, 4].map((at) => ({
    at,
    to: CLIENT,
    msg: { type: 'write_req', data: 'data' } as KafkaMsg,
  })),
  guarantees: { prePost: [durability] },
  // Durability's `post` is monotone in facts (its only negation, `notin crash(R,R,_)`, is over
  // crashes, which LDFI handles as crash roots), so negative support can be off: the game then
  // learns that an acked write held by two live replicas falls only when both do.
  ldfi: { eot: 6, eff: 4, crashes: 1, symmetry: [['b', 'c']], negativeSupport: false },
});
