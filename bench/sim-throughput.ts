/**
 * Simulator throughput benchmark (issue 2, item 7).
 *
 *   node --expose-gc --import tsx bench/sim-throughput.ts [--events N] [--reps R]
 *   npm run bench:sim -- [--events N] [--reps R]
 *
 * Two workloads (bench/workloads/): a 5-node broadcast flood and a 50-node gossip, each run with
 * the trace off and with the full trace on (`trace: true`), side by side in this one process.
 * Throughput counts simulated events per wall-clock second: deliveries plus timers, from
 * `result.stats`. Each configuration is run R times (interleaved, after a short warm-up) and the
 * best run is reported. Memory per retained trace event: after a forced GC, (heapUsed +
 * arrayBuffers after the traced run − before it) / trace.eventCount, with the result still
 * referenced; the worst of the R traced runs is reported, next to trace.columnBytes / eventCount.
 *
 * Each run also reports events per CPU-second (process.cpuUsage: user + system time of all of the
 * process's threads, GC helpers included), a figure less disturbed than wall-clock time when other
 * jobs share the machine; the load average at start and end is printed for the same reason.
 *
 * Wall-clock time (performance.now) is fine here: the benchmark is not part of the simulator.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { RunResult, Spec } from '../src/index.js';
import { runSimulation } from '../src/index.js';
import { floodSpec } from './workloads/flood.js';
import { gossipSpec } from './workloads/gossip.js';

const TARGET_OFF = 1_000_000;
const TARGET_ON = 300_000;
const TARGET_BYTES = 200;

interface Workload {
  readonly name: string;
  readonly spec: (events: number) => Spec<unknown>;
}

const workloads: readonly Workload[] = [
  { name: '5-node broadcast flood', spec: (n) => floodSpec(n) as Spec<unknown> },
  { name: '50-node gossip', spec: (n) => gossipSpec(n) as Spec<unknown> },
];

interface Sample {
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** Events per second of CPU time used by this process (user + system, all threads). */
  readonly perCpuSecond: number;
}

interface MemorySample {
  readonly traceEvents: number;
  readonly heapBytesPerEvent: number;
  readonly columnBytesPerEvent: number;
}

function parseArgs(argv: readonly string[]): { events: number; reps: number; seed: number } {
  const out = { events: 3_000_000, reps: 3, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = Number(argv[i + 1]);
    const key =
      arg === '--events'
        ? 'events'
        : arg === '--reps'
          ? 'reps'
          : arg === '--seed'
            ? 'seed'
            : undefined;
    if (key === undefined)
      throw new Error(`unknown argument ${arg} (use --events N, --reps R, --seed S)`);
    if (!Number.isSafeInteger(value) || (key !== 'seed' && value < 1))
      throw new Error(`${arg} needs a positive integer, got ${argv[i + 1]}`);
    out[key] = value;
    i++;
  }
  return out;
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined)
    throw new Error('run node with --expose-gc (see the usage at the top of this file)');
  g();
  g();
}

function usedBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function simulatedEvents(result: RunResult): number {
  return result.stats.deliveries + result.stats.timers;
}

function check(result: RunResult, what: string): void {
  if (result.status !== 'pass') {
    throw new Error(
      `${what}: run ended ${result.status}: ${result.error ?? JSON.stringify(result.violations)}`,
    );
  }
}

/** One timed run; for traced runs also the retained memory per trace event. */
function measure(
  spec: Spec<unknown>,
  seed: number,
  trace: boolean,
): { sample: Sample; memory?: MemorySample } {
  gc();
  const before = usedBytes();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = runSimulation(spec, { seed, trace });
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  check(result, spec.name);
  const events = simulatedEvents(result);
  const seconds = (t1 - t0) / 1000;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const sample = {
    events,
    seconds,
    perSecond: events / seconds,
    perCpuSecond: events / cpuSeconds,
  };
  if (!trace) return { sample };
  gc();
  const after = usedBytes();
  // `result` is still referenced below, so the whole trace is retained in `after`.
  const t = result.trace;
  if (t === undefined) throw new Error('traced run has no trace');
  return {
    sample,
    memory: {
      traceEvents: t.eventCount,
      heapBytesPerEvent: (after - before) / t.eventCount,
      columnBytesPerEvent: t.columnBytes / t.eventCount,
    },
  };
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function main(): void {
  const { events, reps, seed } = parseArgs(process.argv.slice(2));
  console.log(
    `sim-throughput: ${fmtInt(events)} events per run, best of ${reps}, seed ${seed}, node ${process.version},` +
      ` ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}); the simulator runs on one`,
  );
  const startLoad = loadavg();
  // Warm-up: let the JIT see every configuration before anything is timed.
  for (const w of workloads) {
    const spec = w.spec(Math.min(200_000, events));
    for (const trace of [false, true]) check(runSimulation(spec, { seed, trace }), w.name);
  }
  const best = new Map<string, Sample>();
  const bestCpu = new Map<string, number>();
  const worstMemory = new Map<string, MemorySample>();
  for (let rep = 1; rep <= reps; rep++) {
    for (const w of workloads) {
      const spec = w.spec(events);
      for (const trace of [false, true]) {
        const key = `${w.name}/${trace ? 'on' : 'off'}`;
        const { sample, memory } = measure(spec, seed, trace);
        process.stdout.write(
          `  rep ${rep} ${pad(w.name, 24)} trace ${trace ? 'on ' : 'off'} ${pad(fmtInt(sample.perSecond), 11, true)} events/s` +
            ` (${fmtInt(sample.events)} events in ${sample.seconds.toFixed(2)} s;` +
            ` ${fmtInt(sample.perCpuSecond)} per CPU-second)` +
            (memory === undefined
              ? ''
              : `, ${memory.heapBytesPerEvent.toFixed(1)} B/event retained`) +
            '\n',
        );
        const prev = best.get(key);
        if (prev === undefined || sample.perSecond > prev.perSecond) best.set(key, sample);
        bestCpu.set(key, Math.max(bestCpu.get(key) ?? 0, sample.perCpuSecond));
        if (memory !== undefined) {
          const prevMem = worstMemory.get(w.name);
          if (prevMem === undefined || memory.heapBytesPerEvent > prevMem.heapBytesPerEvent)
            worstMemory.set(w.name, memory);
        }
      }
    }
  }
  console.log('');
  const header = [
    pad('workload', 24),
    pad('trace off (ev/s)', 17, true),
    pad('trace on (ev/s)', 16, true),
    pad('on/off', 7, true),
    pad('heap B/event', 13, true),
    pad('column B/event', 15, true),
    pad('off (ev/CPU-s)', 15, true),
    pad('on (ev/CPU-s)', 14, true),
  ].join('  ');
  console.log(header);
  console.log('-'.repeat(header.length));
  let ok = true;
  for (const w of workloads) {
    const off = best.get(`${w.name}/off`) as Sample;
    const on = best.get(`${w.name}/on`) as Sample;
    const mem = worstMemory.get(w.name) as MemorySample;
    ok &&=
      off.perSecond >= TARGET_OFF &&
      on.perSecond >= TARGET_ON &&
      mem.heapBytesPerEvent <= TARGET_BYTES;
    console.log(
      [
        pad(w.name, 24),
        pad(fmtInt(off.perSecond), 17, true),
        pad(fmtInt(on.perSecond), 16, true),
        pad((on.perSecond / off.perSecond).toFixed(2), 7, true),
        pad(mem.heapBytesPerEvent.toFixed(1), 13, true),
        pad(mem.columnBytesPerEvent.toFixed(1), 15, true),
        pad(fmtInt(bestCpu.get(`${w.name}/off`) ?? 0), 15, true),
        pad(fmtInt(bestCpu.get(`${w.name}/on`) ?? 0), 14, true),
      ].join('  '),
    );
  }
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(
    `\nload average (1, 5, 15 min): ${load(startLoad)} at start, ${load(loadavg())} at end`,
  );
  console.log(
    `targets (one core): >= ${fmtInt(TARGET_OFF)} events/s trace off, >= ${fmtInt(TARGET_ON)} events/s trace on, <= ${TARGET_BYTES} B per retained event: ${ok ? 'met' : 'NOT met'}`,
  );
}

main();
