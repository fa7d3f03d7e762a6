/**
 * The fault suite's workload: concurrent KvClients doing random get / put / cas on a few keys,
 * recorded in a HistoryLog (the kv model's format), plus one write-once key per acknowledged
 * "marker" write so that lost acknowledged writes show up directly; a nemesis runs meanwhile.
 * After the nemesis heals everything, final reads of every key join the history.
 */
import { performance } from 'node:perf_hooks';
import { HistoryLog } from '../../../src/check/history-log.js';
import { checkHistory } from '../../../src/check/linearizable.js';
import { kvModel } from '../../../src/check/models/kv.js';
import type { HistoryEvent } from '../../../src/core/history.js';
import { KvClient, KvClientError } from '../../../src/stores/kv/net/client.js';
import type { KvCluster } from './cluster.js';

export interface WorkloadOptions {
  readonly clients: number;
  readonly keys: readonly string[];
  /** Runs while the clients work; the clients stop when it resolves (plus `settleMs`). */
  readonly nemesis: (cluster: KvCluster) => Promise<void>;
  /** Quiet time after the nemesis before the clients stop, in ms. Default 1,500. */
  readonly settleMs?: number;
}

export interface WorkloadResult {
  readonly history: readonly HistoryEvent[];
  readonly counts: { ok: number; fail: number; info: number; markersAcked: number };
  /** Markers acknowledged but missing at the end: must be empty. */
  readonly lostMarkers: readonly string[];
  readonly verdict: string;
  readonly explanation: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runWorkload(
  cluster: KvCluster,
  options: WorkloadOptions,
): Promise<WorkloadResult> {
  const log = new HistoryLog(() => performance.now());
  let stop = false;
  const markers = new Map<string, string>();
  const client = (i: number) =>
    new KvClient({
      endpoints: cluster.endpoints,
      attemptTimeoutMs: 1_000,
      deadlineMs: 4_000,
      session: `w${i}-${Date.now()}`,
    });
  const worker = async (i: number) => {
    const name = `c${i}`;
    const h = log.client(name);
    const kv = client(i);
    let n = 0;
    const seen = new Map<string, string | null>();
    while (!stop) {
      n++;
      const key = options.keys[Math.floor(Math.random() * options.keys.length)] as string;
      const roll = Math.random();
      if (roll < 0.35) {
        const handle = h.invoke('get', [key, null]);
        try {
          const v = await kv.get(key);
          seen.set(key, v);
          h.ok(handle, [key, v]);
        } catch (e) {
          h.info(handle);
          if (!(e instanceof KvClientError)) throw e;
        }
      } else if (roll < 0.7) {
        const value = `${name}-${n}`;
        const handle = h.invoke('put', [key, value]);
        try {
          await kv.set(key, value);
          seen.set(key, value);
          h.ok(handle, [key, value]);
        } catch (e) {
          if (!(e instanceof KvClientError)) throw e;
          if (e.indeterminate) h.info(handle);
          else h.fail(handle);
        }
      } else if (roll < 0.9) {
        const from = seen.get(key) ?? `${name}-0`;
        const to = `${name}-${n}`;
        const handle = h.invoke('cas', [key, [from, to]]);
        try {
          if (await kv.cas(key, from, to)) {
            seen.set(key, to);
            h.ok(handle, [key, [from, to]]);
          } else h.fail(handle);
        } catch (e) {
          if (!(e instanceof KvClientError)) throw e;
          if (e.indeterminate) h.info(handle);
          else h.fail(handle);
        }
      } else {
        // A marker: written once, never overwritten; if acknowledged it must survive.
        const marker = `m:${name}:${n}`;
        try {
          await kv.set(marker, 'x');
          markers.set(marker, 'x');
        } catch (e) {
          if (!(e instanceof KvClientError)) throw e;
        }
      }
    }
    kv.close();
  };
  const workers = Array.from({ length: options.clients }, (_, i) => worker(i + 1));
  try {
    await options.nemesis(cluster);
  } finally {
    cluster.heal();
    await sleep(options.settleMs ?? 1_500);
    stop = true;
    await Promise.all(workers);
  }
  // Final reads, after healing: each key once, by a fresh client, part of the history.
  const final = client(0);
  const h = log.client('final');
  for (const key of options.keys) {
    const handle = h.invoke('get', [key, null]);
    try {
      h.ok(handle, [key, await final.get(key)]);
    } catch {
      h.info(handle);
    }
  }
  const present = new Set((await final.range('m:', 'm;')).map(([k]) => k));
  final.close();
  const lostMarkers = [...markers.keys()].filter((m) => !present.has(m));
  const history = log.events;
  const deadline = Date.now() + 30_000;
  const result = checkHistory(kvModel(), history, { shouldStop: () => Date.now() > deadline });
  const count = (t: string) => history.filter((e) => e.type === t).length;
  const bad = result.partitions.find((p) => p.verdict !== 'linearizable');
  return {
    history,
    counts: {
      ok: count('ok'),
      fail: count('fail'),
      info: count('info'),
      markersAcked: markers.size,
    },
    lostMarkers,
    verdict: result.verdict,
    explanation:
      bad === undefined
        ? ''
        : `key ${bad.key}: ${bad.verdict}${bad.blocked === undefined ? '' : `, blocked at op ${bad.blocked}`}`,
  };
}
