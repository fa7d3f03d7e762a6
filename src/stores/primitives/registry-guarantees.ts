/**
 * The strict registry's guarantee, as a Cadre final check over a run's history. The KV history
 * comes from a watcher that records the change feed of every registration key from revision 1
 * (`watch` operations, ok value `{ from, through, events }`, `events` a list of
 * `[revision, 'put' | 'delete', name, owner, createRevision]`, each watch continuing where the
 * previous ended). Registrants record `register` operations (ok value `{ name, epoch }`, the
 * process id being the owner) and lookers `lookup` operations (ok value
 * `{ name, revision, owner, epoch }`, `owner` null when the name was free).
 *
 * {@link registryExclusive} checks, up to the revision the watcher reached:
 *
 * 1. **No duplicate, ever**: in the KV history, a name's key is never put while it exists — every
 *    registration is created on a free name and lasts until a delete (its lease expired or was
 *    revoked). So the registrations of a name occupy disjoint revision intervals ("name epochs").
 * 2. **Acknowledged means created**: every successful `register` of owner O with epoch E matches
 *    the put that created the name's key at revision E with value O. With (1), two
 *    acknowledgements of one name always have an expiry or unregister (a delete) between them, and
 *    every epoch is handed out once.
 * 3. **Lookups are current**: a lookup answered at revision V returns exactly the registration
 *    the history holds at V — never an owner whose registration was replaced or had expired;
 *    and a list (`list` operations, ok value `{ revision, entries }`, `entries` a list of
 *    `[name, owner, epoch]` of every name) at revision V holds exactly the registrations there.
 */
import type { FinalCheck } from '../../core/guarantee.js';
import type { HistoryEvent } from '../../core/history.js';
import { opField } from './op-field.js';

/** One change of a registration key, as the watcher records it. */
export type RegistryEventRecord = readonly [number, 'put' | 'delete', string, string, number];

function oks(history: readonly HistoryEvent[], f: string): HistoryEvent[] {
  return history.filter((e) => e.f === f && e.type === 'ok');
}

interface Holding {
  readonly owner: string;
  readonly epoch: number;
}

/** The registry's guarantee (see the module comment). `register`, `lookup`, `list` and `watch`
 *  name the history operations. */
export function registryExclusive(
  register = 'register',
  lookup = 'lookup',
  list = 'list',
  watch = 'watch',
): FinalCheck {
  return {
    name: 'registry-exclusive',
    check(world) {
      // Replay the watcher's feed, keeping every name's holding after each revision.
      let through = 0;
      const current = new Map<string, Holding>();
      /** name → [revision, holding after it (undefined: free)] in revision order. */
      const timeline = new Map<string, [number, Holding | undefined][]>();
      const created = new Map<string, Holding>(); // `${name}@${revision}` → holding created
      for (const w of oks(world.history, watch)) {
        const from = opField(w.value, 'from') as number;
        if (from !== through + 1)
          return `${w.process} watched from ${from} after having watched through ${through}`;
        through = opField(w.value, 'through') as number;
        for (const e of (opField(w.value, 'events') ?? []) as readonly RegistryEventRecord[]) {
          const [revision, type, name, owner, createRevision] = e;
          const held = current.get(name);
          if (type === 'put') {
            if (held !== undefined)
              return `duplicate: ${name} was put at revision ${revision} (owner ${owner}) while ${held.owner} held it since revision ${held.epoch}`;
            const holding = { owner, epoch: createRevision };
            current.set(name, holding);
            created.set(`${name}@${revision}`, holding);
          } else current.delete(name);
          const line = timeline.get(name) ?? [];
          line.push([revision, current.get(name)]);
          timeline.set(name, line);
        }
      }
      const at = (name: string, revision: number): Holding | undefined => {
        let holding: Holding | undefined;
        for (const [r, h] of timeline.get(name) ?? []) {
          if (r > revision) break;
          holding = h;
        }
        return holding;
      };
      for (const r of oks(world.history, register)) {
        const name = opField(r.value, 'name') as string;
        const epoch = opField(r.value, 'epoch') as number;
        if (epoch > through) continue;
        const made = created.get(`${name}@${epoch}`);
        if (made === undefined || made.owner !== r.process)
          return `${r.process} was told it registered ${name} at epoch ${epoch}, but the KV history ${made === undefined ? 'created no registration there' : `gave it to ${made.owner}`}`;
      }
      for (const l of oks(world.history, lookup)) {
        const name = opField(l.value, 'name') as string;
        const revision = opField(l.value, 'revision') as number;
        if (revision > through) continue;
        const owner = (opField(l.value, 'owner') ?? null) as string | null;
        const epoch = (opField(l.value, 'epoch') ?? 0) as number;
        const truth = at(name, revision);
        const shown = (o: string | null, e: number) => (o === null ? 'free' : `${o}@${e}`);
        if (
          (truth?.owner ?? null) !== owner ||
          (truth?.epoch ?? 0) !== (owner === null ? 0 : epoch)
        )
          return `${l.process} looked ${name} up at revision ${revision} and got ${shown(owner, epoch)}, but the KV history holds ${shown(truth?.owner ?? null, truth?.epoch ?? 0)} there`;
      }
      for (const l of oks(world.history, list)) {
        const revision = opField(l.value, 'revision') as number;
        if (revision > through) continue;
        const listed = (
          (opField(l.value, 'entries') ?? []) as readonly (readonly [string, string, number])[]
        )
          .map(([name, owner, epoch]) => `${name}=${owner}@${epoch}`)
          .sort();
        const truth: string[] = [];
        for (const name of timeline.keys()) {
          const h = at(name, revision);
          if (h !== undefined) truth.push(`${name}=${h.owner}@${h.epoch}`);
        }
        truth.sort();
        if (listed.join(' ') !== truth.join(' '))
          return `${l.process} listed [${listed.join(' ')}] at revision ${revision}, but the KV history holds [${truth.join(' ')}] there`;
      }
      return undefined;
    },
  };
}
