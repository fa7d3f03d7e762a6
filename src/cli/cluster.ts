import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../runtime/free-port.js';
import { mergeTraceFiles } from '../runtime/trace-merge.js';
import { UsageError } from './errors.js';
import { loadSpec } from './load-spec.js';

/** Flags of `cadre cluster up`. */
export interface ClusterFlags {
  /** Expected number of nodes (must match the spec's). Default: the spec's. */
  readonly nodes?: number;
  /** Output directory (data, node traces, merged trace). Default `cadre-out/cluster/<spec>`. */
  readonly out?: string;
  /** Keep the data directories of an earlier run (restart recovery). Default: start empty. */
  readonly keepData?: boolean;
  /** Stop by itself this many ms after every node has started. Default: run until Ctrl-C. */
  readonly durationMs?: number;
  /** Print the nodes' raw JSON log lines instead of the readable form. */
  readonly json?: boolean;
  /** Log level of the nodes. Default `info`. */
  readonly logLevel?: string;
  /** Real ms per tick for synchronous-model specs. Default 100. */
  readonly tickMs?: number;
  /** Delay before spec inputs are delivered, so every node is up. Default 500 ms. */
  readonly inputDelayMs?: number;
  /** Where the lines go (tests pass a collector). Default stdout. */
  readonly print?: (line: string) => void;
}

const binPath = fileURLToPath(new URL('../../bin/cadre.js', import.meta.url));
const examplesDir = fileURLToPath(new URL('../../examples/', import.meta.url));

/** A spec file, or the name of an example (`retry-deliv` → examples/retry-deliv.ts). */
export function resolveExample(name: string): string {
  if (existsSync(name)) return name;
  for (const candidate of [join('examples', `${name}.ts`), join(examplesDir, `${name}.ts`)]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new UsageError(
    `no spec file or example named ${JSON.stringify(name)} (looked for ${name} and examples/${name}.ts)`,
  );
}

const levelNames: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** One pino JSON line as `HH:MM:SS.mmm n1 INFO message {extra fields}`. */
export function formatLogLine(node: string, line: string): string {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${node} | ${line}`;
  }
  const { time, level, msg, node: _node, pid: _pid, hostname: _host, ...rest } = v;
  const clock = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const extra = Object.keys(rest).length === 0 ? '' : ` ${JSON.stringify(rest)}`;
  return `${clock} ${node} ${levelNames[level as number] ?? String(level)} ${String(msg ?? '')}${extra}`;
}

/**
 * `cadre cluster up SPEC`: starts one `cadre run` process per node of the spec on free loopback
 * ports with a fresh shared secret, prints where each listens, merges their logs (node id on every
 * line), and on Ctrl-C (or after `durationMs`) stops them all and merges their traces into
 * `<out>/run.trace.jsonl`. Returns 0 when every node stopped cleanly.
 */
export async function clusterUp(example: string, flags: ClusterFlags = {}): Promise<number> {
  const print = flags.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const specPath = resolveExample(example);
  const { spec } = await loadSpec(specPath);
  const ids = spec.nodes;
  if (flags.nodes !== undefined && flags.nodes !== ids.length) {
    throw new UsageError(
      `spec ${spec.name} has ${ids.length} nodes (${ids.join(', ')}), not ${flags.nodes}; the spec fixes its node ids`,
    );
  }
  const out = resolve(flags.out ?? join('cadre-out', 'cluster', spec.name));
  const dataRoot = join(out, 'data');
  const traceRoot = join(out, 'traces');
  if (flags.keepData !== true) rmSync(dataRoot, { recursive: true, force: true });
  rmSync(traceRoot, { recursive: true, force: true });
  mkdirSync(traceRoot, { recursive: true });
  const ports = await freePorts(ids.length * 2);
  const nodePort = (i: number) => ports[i] as number;
  const metricsPort = (i: number) => ports[ids.length + i] as number;
  const peers = ids.map((id, i) => `${id}=127.0.0.1:${nodePort(i)}`).join(',');
  const secret = randomBytes(24).toString('hex');
  print(`cluster ${spec.name}: ${ids.length} nodes (Ctrl-C stops all)`);
  ids.forEach((id, i) => {
    print(
      `  ${id}  node port 127.0.0.1:${nodePort(i)}  metrics http://127.0.0.1:${metricsPort(i)}/metrics  data ${join(dataRoot, id)}`,
    );
  });
  const children: { id: string; child: ChildProcess; exit: Promise<number | null> }[] = [];
  const started = new Set<string>();
  let allStarted: () => void = () => {};
  const everyNodeStarted = new Promise<void>((r) => {
    allStarted = r;
  });
  ids.forEach((id, i) => {
    const args = [
      binPath,
      'run',
      specPath,
      '--id',
      id,
      '--peers',
      peers,
      '--data-dir',
      join(dataRoot, id),
      '--trace',
      join(traceRoot, `${id}.trace.jsonl`),
      '--metrics',
      `127.0.0.1:${metricsPort(i)}`,
      '--input-delay-ms',
      String(flags.inputDelayMs ?? 500),
      '--log-level',
      flags.logLevel ?? 'info',
      ...(flags.tickMs === undefined ? [] : ['--tick-ms', String(flags.tickMs)]),
    ];
    // The secret travels in the environment, not on the command line (visible in `ps`).
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CADRE_SECRET: secret },
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        if (line.includes('"msg":"node started"')) {
          started.add(id);
          if (started.size === ids.length) allStarted();
        }
        print(flags.json === true ? `${id} ${line}` : formatLogLine(id, line));
      });
    }
    const exit = new Promise<number | null>((r) =>
      child.on('exit', (code) => {
        print(`${id} exited (${code === null ? 'killed' : `code ${code}`})`);
        r(code);
      }),
    );
    children.push({ id, child, exit });
  });
  // If this launcher dies first (an error, or its output closed: `cadre cluster up … | head`), its
  // nodes must not outlive it.
  const orphanGuard = () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGTERM');
  };
  process.once('exit', orphanGuard);
  const allExited = Promise.all(children.map((c) => c.exit));
  const reason = await new Promise<string>((done) => {
    const onSignal = () => done('interrupted');
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    // The duration counts from the moment every node is up (starting takes seconds on a busy
    // machine, and a node stopped while starting has nothing to show).
    let timer: NodeJS.Timeout | undefined;
    const durationMs = flags.durationMs;
    if (durationMs !== undefined) {
      void everyNodeStarted.then(() => {
        timer = setTimeout(() => done('duration reached'), durationMs);
      });
    }
    void allExited.then(() => done('all nodes exited'));
    void allExited.finally(() => clearTimeout(timer));
  });
  print(`stopping the cluster (${reason})`);
  for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGTERM');
  const killTimer = setTimeout(() => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  }, 5000);
  const codes = await allExited;
  clearTimeout(killTimer);
  process.off('exit', orphanGuard);
  const traces = ids.map((id) => join(traceRoot, `${id}.trace.jsonl`)).filter((p) => existsSync(p));
  if (traces.length > 0) {
    const merged = mergeTraceFiles(traces);
    const path = join(out, 'run.trace.jsonl');
    writeFileSync(path, `${merged.lines.join('\n')}\n`);
    print(`merged trace: ${path} (${merged.events} events, ${merged.messages} messages)`);
  }
  return codes.every((c) => c === 0) ? 0 : 2;
}
