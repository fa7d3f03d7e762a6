import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root (tests spawn `node bin/cadre.js` from there). */
export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');

/** A fact as a node logged it. */
export interface LoggedFact {
  readonly node: string;
  readonly name: string;
  readonly args: readonly unknown[];
  readonly time: number;
}

/**
 * One `cadre run` OS process, with its JSON log lines parsed as they come. Every process started
 * here is registered, so {@link killAll} can clean up even when a test fails half-way.
 */
export class NodeProcess {
  static readonly all = new Set<NodeProcess>();
  readonly child: ChildProcess;
  readonly logs: Record<string, unknown>[] = [];
  readonly exited: Promise<number | null>;
  readonly stderr: string[] = [];

  constructor(
    readonly id: string,
    args: readonly string[],
    env: Record<string, string> = {},
  ) {
    this.child = spawn(process.execPath, ['bin/cadre.js', 'run', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    NodeProcess.all.add(this);
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        this.logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.stderr.push(line);
      }
    });
    createInterface({ input: this.child.stderr as NodeJS.ReadableStream }).on('line', (l) =>
      this.stderr.push(l),
    );
    this.exited = new Promise((r) =>
      this.child.on('exit', (code) => {
        NodeProcess.all.delete(this);
        r(code);
      }),
    );
  }

  /** Facts this process logged (every emission, in order). */
  facts(name?: string): LoggedFact[] {
    const out: LoggedFact[] = [];
    for (const l of this.logs) {
      const f = l.fact as { name: string; args: unknown[] } | undefined;
      if (f !== undefined && (name === undefined || f.name === name))
        out.push({ node: this.id, name: f.name, args: f.args, time: l.time as number });
    }
    return out;
  }

  /** Waits until a log line satisfies `match`. */
  async waitFor(
    what: string,
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs = 20_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.logs.find(match);
      if (line !== undefined) return line;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `${this.id}: ${what} did not happen (exit ${this.child.exitCode}); stderr: ${this.stderr.join('\n')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  started(): Promise<Record<string, unknown>> {
    return this.waitFor('start', (l) => l.msg === 'node started');
  }

  /** SIGTERM (graceful) or SIGKILL; resolves with the exit code. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** Kills every process still running (test cleanup). */
  static async killAll(): Promise<void> {
    await Promise.all([...NodeProcess.all].map((p) => p.stop('SIGKILL')));
  }
}

/** Polls `check` until it returns true. */
export async function eventually(
  what: string,
  check: () => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The leader of each term in `facts` (leader facts `[node, term]`), asserting the spec's
 * invariant on the way: at most one leader per term. */
export function leadersByTerm(facts: readonly { args: readonly unknown[] }[]): Map<number, string> {
  const byTerm = new Map<number, string>();
  for (const f of facts) {
    const [node, term] = f.args as [string, number];
    const other = byTerm.get(term);
    assert.ok(
      other === undefined || other === node,
      `two leaders in term ${term}: ${other} and ${node}`,
    );
    byTerm.set(term, node);
  }
  return byTerm;
}

/** A temporary directory removed by the returned cleanup. */
export function scratch(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `id=host:port,…` from a map of ports. */
export function peersFlag(ports: Readonly<Record<string, number>>): string {
  return Object.entries(ports)
    .map(([id, port]) => `${id}=127.0.0.1:${port}`)
    .join(',');
}
