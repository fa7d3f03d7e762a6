/**
 * registry: the strict registry (src/stores/primitives/registry.ts) on a three-node Raft KV.
 * Registrants c1..c3 each try, round after round, to register one of the names `a` and `b` under
 * a lease; a winner holds the name for a while (keeping its lease alive, and sometimes stalling
 * past the TTL so its lease expires and the name is freed under it), then unregisters; a loser is
 * told who holds the name. Looker `l` looks names up and lists them; watcher `w` records the
 * change feed of every name from revision 1. The swarm adds partitions, loss, duplication,
 * clogging, clock skew and a KV crash-restart.
 *
 * Checked (`registry-exclusive`): no name is ever put while registered, every acknowledged
 * registration is the put that created its epoch, lookups and lists return what the KV held.
 * With `unconditional: true` the registrants' puts drop `ifAbsent` (a registry that forgot the
 * condition): two owners end up acknowledged for one name, and the check catches it.
 *
 *   npx cadre simulate examples/registry.ts --seeds 1..200
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
import type { KvRequest } from '../src/stores/primitives/kv-request.js';
import {
  IDLE_REGISTRATION,
  listRequest,
  listResult,
  lookupRequest,
  lookupResult,
  onRegistrationResult,
  onRegistryKeepAlive,
  type RegistrationState,
  type RegistrationStep,
  registryKeepAlive,
  startRegister,
  startUnregister,
  watchRequest,
  watchResult,
} from '../src/stores/primitives/registry.js';
import { registryExclusive } from '../src/stores/primitives/registry-guarantees.js';
import { KV_NODES, KvRecipeClient, recipeKvProcess, recipeSwarm } from './kv-recipe-client.js';

/** The names the registrants compete for. */
export const REGISTRY_NAMES = ['a', 'b'] as const;

/** Options of a registrant. */
export interface RegistrantOptions {
  /** Register attempts (rounds) per registrant. */
  readonly rounds: number;
  /** Lease TTL, in ms; keep-alives go every third of it. */
  readonly ttlMs: number;
  /** How long a winner holds its name before unregistering, in ms. */
  readonly holdMs: number;
  /** Probability that a winner stalls (sends no keep-alive) while holding. */
  readonly pauseChance: number;
  /** How long a stall lasts, in ms (longer than `ttlMs`: the lease expires). */
  readonly pauseMs: number;
  /** Pause between rounds, at most, in ms. */
  readonly thinkMs: number;
  /** When the first round starts, in ms. Default: a random time up to `thinkMs`. */
  readonly firstAtMs?: number;
  /** A request with no answer after this long goes to the next KV node, in ms. */
  readonly retryMs: number;
  /** The names to pick from. Default {@link REGISTRY_NAMES}. */
  readonly names?: readonly string[];
  /** A deliberate bug for the tests: the put drops `ifAbsent`. Default false. */
  readonly unconditional?: boolean;
}

type Activity = 'registering' | 'holding' | 'unregistering' | 'idle' | 'done';

/**
 * A registrant: `rounds` times, registers a random name (history `register`: ok `{ name, epoch }`,
 * fail with the holder's name or why the lease was lost), holds it for `holdMs` keeping its lease
 * alive (history `hold`: ok when the lease lasted, fail `lost` when a stall let it expire), then
 * unregisters. Emits `started` and `finished` facts for LDFI's pre/post
 * (examples/registry-ldfi.ts); the history carries everything the check reads.
 */
export class Registrant extends KvRecipeClient {
  constructor(
    kvNodes: readonly NodeId[],
    readonly options: RegistrantOptions,
  ) {
    super(kvNodes, options.retryMs);
  }

  init(ctx: Context<KvWire>): void {
    this.pickTarget(ctx);
    ctx.memory.set('round', 0);
    ctx.memory.set('reg', IDLE_REGISTRATION);
    ctx.memory.set('activity', 'idle' satisfies Activity);
    if (this.options.rounds === 0) return;
    ctx.emit(fact('started', ctx.id));
    ctx.setTimer(
      'next',
      this.options.firstAtMs ?? 1 + Math.floor(ctx.random() * this.options.thinkMs),
    );
  }

  protected onTimer(ctx: Context<KvWire>, name: string): void {
    const activity = ctx.memory.get<Activity>('activity');
    if (name === 'next') this.#startRound(ctx);
    else if (name === 'keepalive' && activity === 'holding') {
      if (ctx.memory.get('stalled') === true) return;
      const request = registryKeepAlive(
        ctx.memory.get<RegistrationState>('reg') as RegistrationState,
      );
      if (request !== undefined) this.request(ctx, request);
    } else if (name === 'resume') {
      ctx.memory.set('stalled', false);
      // Back from the stall: the next keep-alive tells whether the lease survived it.
      if (activity === 'holding') ctx.setTimer('keepalive', 1);
    } else if (name === 'release' && activity === 'holding') {
      ctx.cancelTimer('keepalive');
      ctx.history.ok(ctx.memory.get<number>('holdHandle') as number, null);
      this.#unregister(ctx);
    }
  }

  #startRound(ctx: Context<KvWire>): void {
    const round = (ctx.memory.get<number>('round') ?? 0) + 1;
    ctx.memory.set('round', round);
    const names = this.options.names ?? REGISTRY_NAMES;
    const name = names[Math.floor(ctx.random() * names.length)] as string;
    ctx.memory.set('activity', 'registering' satisfies Activity);
    ctx.memory.set('handle', ctx.history.invoke('register', { name }));
    this.#apply(ctx, startRegister({ name, owner: ctx.id, ttlMs: this.options.ttlMs }));
  }

  #unregister(ctx: Context<KvWire>): void {
    ctx.memory.set('activity', 'unregistering' satisfies Activity);
    this.#apply(
      ctx,
      startUnregister(ctx.memory.get<RegistrationState>('reg') as RegistrationState),
    );
  }

  protected onAnswer(ctx: Context<KvWire>, result: KvResult): void {
    const reg = ctx.memory.get<RegistrationState>('reg') as RegistrationState;
    if (ctx.memory.get<Activity>('activity') === 'holding') {
      const step = onRegistryKeepAlive(reg, result);
      ctx.memory.set('reg', step.state);
      if (step.event === 'lost') {
        ctx.cancelTimer('release');
        ctx.history.fail(ctx.memory.get<number>('holdHandle') as number, 'lost');
        this.#unregister(ctx);
      } else ctx.setTimer('keepalive', Math.max(1, Math.floor(this.options.ttlMs / 3)));
      return;
    }
    this.#apply(ctx, onRegistrationResult(reg, result));
  }

  #apply(ctx: Context<KvWire>, step: RegistrationStep): void {
    ctx.memory.set('reg', step.state);
    if (step.next !== undefined) this.request(ctx, this.#withBug(step.next));
    const handle = ctx.memory.get<number>('handle') as number;
    if (step.event === 'registered') {
      ctx.history.ok(handle, { name: step.state.name, epoch: step.state.epoch });
      ctx.memory.set('activity', 'holding' satisfies Activity);
      ctx.memory.set('holdHandle', ctx.history.invoke('hold', { name: step.state.name }));
      ctx.setTimer('keepalive', Math.max(1, Math.floor(this.options.ttlMs / 3)));
      if (ctx.random() < this.options.pauseChance) {
        // A stalled process does nothing, releasing included: it holds on after it wakes.
        ctx.memory.set('stalled', true);
        ctx.setTimer('resume', this.options.pauseMs);
        ctx.setTimer('release', this.options.pauseMs + this.options.holdMs);
      } else ctx.setTimer('release', this.options.holdMs);
    } else if (step.event === 'taken' || step.event === 'lost') {
      ctx.history.fail(
        handle,
        step.event === 'taken' ? `taken by ${step.state.holder}` : step.state.reason,
      );
      this.#roundOver(ctx);
    } else if (step.event === 'unregistered') this.#roundOver(ctx);
  }

  #withBug(request: KvRequest): KvRequest {
    if (this.options.unconditional !== true || request.kind !== 'command') return request;
    const c = request.command;
    return c.op === 'put' ? { kind: 'command', command: { ...c, ifAbsent: false } } : request;
  }

  #roundOver(ctx: Context<KvWire>): void {
    if ((ctx.memory.get<number>('round') ?? 0) >= this.options.rounds) {
      ctx.memory.set('activity', 'done' satisfies Activity);
      ctx.emit(fact('finished', ctx.id));
      return;
    }
    ctx.memory.set('activity', 'idle' satisfies Activity);
    ctx.setTimer('next', 1 + Math.floor(ctx.random() * this.options.thinkMs));
  }
}

/** Looks a name up (`lookup`, ok `{ name, revision, owner, epoch }`) or lists every name (`list`,
 *  ok `{ revision, entries: [[name, owner, epoch]] }`) every `everyMs`, in turn. */
export class RegistryLooker extends KvRecipeClient {
  constructor(
    kvNodes: readonly NodeId[],
    readonly everyMs: number,
    retryMs: number,
    readonly names: readonly string[] = REGISTRY_NAMES,
  ) {
    super(kvNodes, retryMs);
  }

  init(ctx: Context<KvWire>): void {
    this.startPolling(ctx, this.everyMs);
    ctx.memory.set('turn', 0);
  }

  protected onTimer(ctx: Context<KvWire>, name: string): void {
    if (name !== 'go') return;
    const turn = ctx.memory.get<number>('turn') ?? 0;
    const looked = this.names[turn % (this.names.length + 1)];
    ctx.memory.set('looked', looked ?? null);
    ctx.memory.set(
      'handle',
      ctx.history.invoke(looked === undefined ? 'list' : 'lookup', looked ?? null),
    );
    this.request(ctx, looked === undefined ? listRequest('') : lookupRequest(looked));
  }

  protected onAnswer(ctx: Context<KvWire>, result: KvResult): void {
    const handle = ctx.memory.get<number>('handle') as number;
    const looked = ctx.memory.get<string | null>('looked') ?? null;
    if (looked === null) {
      const l = listResult(result);
      ctx.history.ok(handle, {
        revision: l.revision,
        entries: l.entries.map((e) => [e.name, e.owner, e.epoch]),
      });
    } else {
      const l = lookupResult(looked, result);
      ctx.history.ok(handle, {
        name: looked,
        revision: l.revision,
        owner: l.entry?.owner ?? null,
        epoch: l.entry?.epoch ?? 0,
      });
    }
    ctx.memory.set('turn', (ctx.memory.get<number>('turn') ?? 0) + 1);
    ctx.setTimer('go', this.everyMs);
  }
}

/** Watches every name from revision 1 (`watch`, ok `{ from, through, events: [[revision,
 *  'put' | 'delete', name, owner, epoch]] }`) every `everyMs`: the KV history the check reads. */
export class RegistryWatcher extends KvRecipeClient {
  constructor(
    kvNodes: readonly NodeId[],
    readonly everyMs: number,
    retryMs: number,
  ) {
    super(kvNodes, retryMs);
  }

  init(ctx: Context<KvWire>): void {
    this.startPolling(ctx, this.everyMs);
    ctx.memory.set('from', 1);
  }

  protected onTimer(ctx: Context<KvWire>, name: string): void {
    if (name !== 'go') return;
    const from = ctx.memory.get<number>('from') as number;
    ctx.memory.set('handle', ctx.history.invoke('watch', { from }));
    this.request(ctx, watchRequest('', from));
  }

  protected onAnswer(ctx: Context<KvWire>, result: KvResult): void {
    const handle = ctx.memory.get<number>('handle') as number;
    const from = ctx.memory.get<number>('from') as number;
    const w = watchResult(result);
    if (w.kind === 'compacted') {
      // The history is gone: the check cannot go on from here; the watcher stops (the tests
      // assert it never happens).
      ctx.history.fail(handle, w.message);
      return;
    }
    ctx.history.ok(handle, {
      from,
      through: w.nextRevision - 1,
      events: w.changes.map((c) =>
        c.type === 'registered'
          ? [c.revision, 'put', c.name, c.owner, c.epoch]
          : [c.revision, 'delete', c.name, '', 0],
      ),
    });
    ctx.memory.set('from', w.nextRevision);
    ctx.setTimer('go', this.everyMs);
  }
}

/** Settings of a registry spec. */
export interface RegistrySpecOptions {
  readonly registrant?: Partial<RegistrantOptions>;
  readonly registrants?: number;
  readonly kv?: KvProcessOptions;
  readonly horizonMs?: number;
  readonly swarm?: SwarmOptions | false;
}

/** The strict registry on a three-node KV: registrants c1..cN, looker l, watcher w. */
export function registrySpec(options: RegistrySpecOptions = {}): Spec<KvWire> {
  const registrant: RegistrantOptions = {
    rounds: 4,
    ttlMs: 150,
    holdMs: 200,
    pauseChance: 0.25,
    pauseMs: 400,
    thinkMs: 60,
    retryMs: 100,
    ...options.registrant,
  };
  const ids = Array.from({ length: options.registrants ?? 3 }, (_, i) => `c${i + 1}`);
  return defineSpec<KvWire>({
    name: registrant.unconditional === true ? 'registry-unconditional' : 'registry',
    description:
      'The strict registry on the Raft KV: a name is put only if absent, under a lease; no duplicates.',
    nodes: [...KV_NODES],
    process: recipeKvProcess(options.kv) as unknown as Spec<KvWire>['process'],
    clients: {
      ids: [...ids, 'l', 'w'],
      process: (id) =>
        id === 'l'
          ? new RegistryLooker(KV_NODES, 30, 100)
          : id === 'w'
            ? new RegistryWatcher(KV_NODES, 40, 100)
            : new Registrant(KV_NODES, registrant),
    },
    time: { model: 'async', horizonMs: options.horizonMs ?? 2_000 },
    guarantees: { final: [registryExclusive()] },
    faults: recipeSwarm(options.swarm),
  });
}

export default registrySpec();
