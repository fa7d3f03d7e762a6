/**
 * event-log: the event log recipe (src/stores/primitives/event-log.ts) on a three-node Raft KV.
 * Two producers append to topics `a` and `b` alternately; producer p1 also trims topic `a`
 * partway through. Consumer k1 reads `a`, k2 reads `b`; each checkpoints its position in durable
 * storage in the same step that records what it read, and both crash and restart (k1 for long
 * enough to fall behind p1's trim, so it must be told `compacted`). The swarm adds partitions,
 * loss, duplication, clogging, clock skew and a crash-restart of a KV node.
 *
 * Checked: positions increase in real-time order across topics, and every consumer sees every
 * acknowledged entry of its topic in order, once, with gaps only as reported compactions.
 *
 *   npx cadre simulate examples/event-log.ts --seeds 1..200
 */
import {
  type Context,
  defineSpec,
  fact,
  type NodeId,
  type Spec,
  type SwarmOptions,
} from '../src/index.js';
import type { KvResult } from '../src/stores/kv/commands.js';
import type { KvProcessOptions, KvWire } from '../src/stores/kv/process.js';
import {
  appendPosition,
  appendRequest,
  onReadResult,
  onTrimResult,
  type ReadState,
  type ReadStep,
  startRead,
  startTrim,
  type TrimState,
  type TrimStep,
} from '../src/stores/primitives/event-log.js';
import {
  consumersSeeEveryEntry,
  positionsIncrease,
} from '../src/stores/primitives/event-log-guarantees.js';
import { KV_NODES, KvRecipeClient, recipeKvProcess, recipeSwarm } from './kv-recipe-client.js';

/** Options of a producer. */
export interface ProducerOptions {
  /** Appends it performs, to `topics` in turn. */
  readonly appends: number;
  readonly topics: readonly string[];
  /** Pause between appends, at most, in ms. */
  readonly thinkMs: number;
  /** After this many acknowledged appends, trim `trimTopic` below the position of its append
   *  number `trimBelow` (0-based); 0 = never trim. */
  readonly trimAfter: number;
  readonly trimTopic: string;
  readonly trimBelow: number;
  readonly retryMs: number;
}

/** A producer: appends (history `append`: invoke `{ topic, id }`, ok the position) and maybe one
 *  trim (history `trim`: invoke `{ topic, before }`, ok the oldest kept position). */
export class Producer extends KvRecipeClient {
  constructor(
    kvNodes: readonly NodeId[],
    readonly options: ProducerOptions,
  ) {
    super(kvNodes, options.retryMs);
  }

  init(ctx: Context<KvWire>): void {
    ctx.memory.set('next', 0);
    this.pickTarget(ctx);
    ctx.setTimer('append', 1 + Math.floor(ctx.random() * this.options.thinkMs));
  }

  protected onTimer(ctx: Context<KvWire>, name: string): void {
    if (name !== 'append') return;
    const i = ctx.memory.get<number>('next') as number;
    const topic = this.options.topics[i % this.options.topics.length] as string;
    ctx.memory.set('op', 'append');
    ctx.memory.set('topic', topic);
    ctx.memory.set('handle', ctx.history.invoke('append', { topic, id: `${ctx.id}:${i}` }));
    this.request(ctx, appendRequest(topic, ctx.id, i, `event ${i} of ${ctx.id}`));
  }

  protected onAnswer(ctx: Context<KvWire>, result: KvResult): void {
    const handle = ctx.memory.get<number>('handle') as number;
    if (ctx.memory.get('op') === 'trim') {
      this.#trimStep(ctx, onTrimResult(ctx.memory.get<TrimState>('trim') as TrimState, result));
      return;
    }
    const position = appendPosition(result);
    ctx.history.ok(handle, position);
    const i = ctx.memory.get<number>('next') as number;
    // For LDFI's pre/post (examples/event-log-ldfi.ts): this entry must reach its consumer.
    ctx.emit(fact('appended', ctx.memory.get<string>('topic') as string, `${ctx.id}:${i}`));
    if (ctx.memory.get('topic') === this.options.trimTopic) ctx.memory.set(`pos/${i}`, position);
    ctx.memory.set('next', i + 1);
    const below = ctx.memory.get<number>(`pos/${this.options.trimBelow}`);
    if (this.options.trimAfter > 0 && i + 1 === this.options.trimAfter && below !== undefined) {
      ctx.memory.set('op', 'trim');
      ctx.memory.set(
        'handle',
        ctx.history.invoke('trim', { topic: this.options.trimTopic, before: below }),
      );
      this.#trimStep(ctx, startTrim(this.options.trimTopic, below));
      return;
    }
    this.#nextAppend(ctx);
  }

  #trimStep(ctx: Context<KvWire>, step: TrimStep): void {
    ctx.memory.set('trim', step.state);
    if ('next' in step) {
      this.request(ctx, step.next);
      return;
    }
    ctx.history.ok(ctx.memory.get<number>('handle') as number, step.done.oldest);
    ctx.memory.set('op', 'append');
    this.#nextAppend(ctx);
  }

  #nextAppend(ctx: Context<KvWire>): void {
    if ((ctx.memory.get<number>('next') as number) < this.options.appends)
      ctx.setTimer('append', 1 + Math.floor(ctx.random() * this.options.thinkMs));
  }
}

/** Options of a consumer. */
export interface ConsumerOptions {
  readonly topic: string;
  /** Most entries per read. */
  readonly limit: number;
  /** Wait before reading again after a read that returned nothing, in ms. */
  readonly pollMs: number;
  readonly retryMs: number;
  /** A deliberate bug for the tests: a compacted read is recorded as an empty successful read up
   *  to the oldest kept position, hiding the entries it skipped. Default false. */
  readonly hideCompaction?: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const POSITION_KEY = encoder.encode('position');
const INCARNATION_KEY = encoder.encode('incarnation');

function readNumber(ctx: Context<KvWire>, key: Uint8Array): number | undefined {
  const raw = ctx.storage.get(key);
  return raw === undefined ? undefined : Number(decoder.decode(raw));
}

/** A consumer: reads its topic from its checkpoint on, forever (history `read`; see
 *  src/stores/primitives/event-log-guarantees.ts for the values), saving the next position in
 *  durable storage in the same step that records the read, so a restart resumes exactly there. */
export class Consumer extends KvRecipeClient {
  constructor(
    kvNodes: readonly NodeId[],
    readonly options: ConsumerOptions,
  ) {
    super(kvNodes, options.retryMs);
  }

  init(ctx: Context<KvWire>): void {
    const incarnation = (readNumber(ctx, INCARNATION_KEY) ?? 0) + 1;
    ctx.storage.put(INCARNATION_KEY, encoder.encode(String(incarnation)));
    ctx.memory.set('incarnation', incarnation);
    this.pickTarget(ctx);
    this.#startRead(ctx, 1);
  }

  #startRead(ctx: Context<KvWire>, afterMs: number): void {
    const from = readNumber(ctx, POSITION_KEY) ?? 1;
    ctx.memory.set('handle', ctx.history.invoke('read', { topic: this.options.topic, from }));
    this.#step(ctx, startRead(this.options.topic, from, this.options.limit), afterMs);
  }

  #step(ctx: Context<KvWire>, step: ReadStep, afterMs = 0): void {
    ctx.memory.set('read', step.state);
    if ('next' in step) {
      this.request(ctx, step.next, afterMs);
      return;
    }
    const handle = ctx.memory.get<number>('handle') as number;
    const outcome = step.outcome;
    if (outcome.kind === 'compacted') {
      ctx.storage.put(POSITION_KEY, encoder.encode(String(outcome.oldest)));
      if (this.options.hideCompaction === true)
        ctx.history.ok(handle, {
          from: outcome.position,
          through: outcome.oldest - 1,
          entries: [],
        });
      else ctx.history.fail(handle, { compacted: outcome.position, oldest: outcome.oldest });
      this.#startRead(ctx, 0);
      return;
    }
    ctx.storage.put(POSITION_KEY, encoder.encode(String(outcome.nextPosition)));
    for (const e of outcome.entries)
      ctx.emit(fact('consumed', this.options.topic, `${e.producer}:${e.seq}`));
    ctx.history.ok(handle, {
      from: step.state.position,
      through: outcome.nextPosition - 1,
      entries: outcome.entries.map((e) => [e.position, `${e.producer}:${e.seq}`]),
    });
    this.#startRead(ctx, outcome.entries.length === 0 ? this.options.pollMs : 0);
  }

  protected onAnswer(ctx: Context<KvWire>, result: KvResult): void {
    this.#step(ctx, onReadResult(ctx.memory.get<ReadState>('read') as ReadState, result));
  }

  protected onTimer(): void {}
}

/** Settings of an event-log spec. */
export interface EventLogSpecOptions {
  readonly name?: string;
  readonly producer?: Partial<ProducerOptions>;
  readonly consumer?: Partial<ConsumerOptions>;
  readonly kv?: KvProcessOptions;
  readonly horizonMs?: number;
  /** Crash-restart of the consumers: k1 down over [200, 700) ms, k2 over [450, 650) ms, unless
   *  false. */
  readonly consumerCrashes?: boolean;
  /** Swarm faults on the KV nodes. Default {@link KV_RECIPE_SWARM}. */
  readonly swarm?: SwarmOptions | false;
}

/** The event log on a three-node KV: producers p1, p2, consumers k1 (topic a), k2 (topic b). */
export function eventLogSpec(options: EventLogSpecOptions = {}): Spec<KvWire> {
  const producer: ProducerOptions = {
    appends: 8,
    topics: ['a', 'b'],
    thinkMs: 60,
    trimAfter: 0,
    trimTopic: 'a',
    trimBelow: 0,
    retryMs: 100,
    ...options.producer,
  };
  // p1 trims topic a below its fifth append (number 4, on topic a) once it has six acknowledged.
  const trimmer: ProducerOptions = { ...producer, trimAfter: 6, trimBelow: 4, ...options.producer };
  const consumer = { limit: 4, pollMs: 40, retryMs: 100, ...options.consumer };
  const kv = recipeKvProcess(options.kv);
  return defineSpec<KvWire>({
    name: options.name ?? 'event-log',
    description:
      'An event log on the Raft KV: global positions, consumers resuming from a checkpoint, a trim.',
    nodes: [...KV_NODES],
    process: kv as unknown as Spec<KvWire>['process'],
    clients: {
      ids: ['p1', 'p2', 'k1', 'k2'],
      process: (id) =>
        id === 'k1' || id === 'k2'
          ? new Consumer(KV_NODES, { ...consumer, topic: id === 'k1' ? 'a' : 'b' })
          : new Producer(KV_NODES, id === 'p1' ? trimmer : producer),
    },
    time: { model: 'async', horizonMs: options.horizonMs ?? 2_000 },
    guarantees: { final: [positionsIncrease(), consumersSeeEveryEntry()] },
    faults: {
      ...(options.consumerCrashes === false
        ? {}
        : {
            plan: {
              faults: [
                { kind: 'crash', node: 'k1', at: 200, mode: 'restart', restartAt: 700 },
                { kind: 'crash', node: 'k2', at: 450, mode: 'restart', restartAt: 650 },
              ],
            },
          }),
      ...recipeSwarm(options.swarm),
    },
  });
}

export default eventLogSpec();
