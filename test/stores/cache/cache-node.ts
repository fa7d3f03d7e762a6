// Real `cadre cache serve` OS processes for the process tests and the benchmark: spawn, wait for
// the RESP port, kill (gracefully or with SIGKILL), and clean up every one even when a test fails.
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../..');

/** One cache node process. */
export class CacheNodeProcess {
  static readonly all = new Set<CacheNodeProcess>();
  readonly child: ChildProcess;
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  readonly respPort: Promise<number>;

  constructor(
    readonly id: string,
    peers: string,
    dataDir: string,
    extra: readonly string[] = [],
  ) {
    this.child = spawn(
      process.execPath,
      [
        join(repoRoot, 'bin/cadre.js'),
        'cache',
        'serve',
        '--id',
        id,
        '--peers',
        peers,
        '--port',
        '0',
        '--data',
        dataDir,
        '--log-level',
        'warn',
        ...extra,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    CacheNodeProcess.all.add(this);
    this.exited = new Promise((r) =>
      this.child.on('exit', (code) => {
        CacheNodeProcess.all.delete(this);
        r(code);
      }),
    );
    this.respPort = new Promise((resolvePort, reject) => {
      const onLine = (line: string) => {
        this.output.push(line);
        const m = /serving RESP on [^:]+:(\d+)/.exec(line);
        if (m !== null) resolvePort(Number(m[1]));
      };
      createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', onLine);
      createInterface({ input: this.child.stderr as NodeJS.ReadableStream }).on('line', onLine);
      void this.exited.then((code) =>
        reject(
          new Error(`cache node ${id} exited (${code}) before serving:\n${this.output.join('\n')}`),
        ),
      );
    });
  }

  /** SIGKILL: no flush, no goodbye (kill -9). */
  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM: graceful stop. */
  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await this.exited;
  }

  /** Kills every node still running (test cleanup). */
  static async killAll(): Promise<void> {
    await Promise.all([...CacheNodeProcess.all].map((n) => n.kill9()));
  }
}

/** Polls `check` every 50 ms until it returns true or `timeoutMs` passes; returns the ms taken. */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
