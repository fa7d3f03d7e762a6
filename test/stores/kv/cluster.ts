/**
 * A KV cluster of real OS processes on loopback for the process tests and the benchmark: each
 * node is `cadre kv serve`; every directed node link goes through its own fault proxy, so tests
 * can partition any set of links. Kill -9 / restart, SIGSTOP / SIGCONT, isolate / heal.
 * `close()` kills every child and removes the data directories, even after a failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultProxy } from '../../../src/runtime/fault-proxy.js';
import { freePorts } from '../../../src/runtime/free-port.js';
import type { KvEndpoint } from '../../../src/stores/kv/net/client.js';

const CADRE = join(import.meta.dirname, '..', '..', '..', 'bin', 'cadre.js');

export interface ClusterNode {
  readonly id: string;
  readonly respPort: number;
  readonly nodePort: number;
  readonly dataDir: string;
  /** `--peers` of this node: itself at its real port, each peer through the proxy of that link. */
  readonly peers: string;
  child: ChildProcess | undefined;
  stderr: string;
}

export interface ClusterOptions {
  readonly size: number;
  /** Route node links through fault proxies. Default true. */
  readonly proxies?: boolean;
  /** Raft tick in ms. Default 20. */
  readonly tickMs?: number;
  /** Extra `cadre kv serve` flags. */
  readonly extraArgs?: readonly string[];
  /** Node.js flags of the node processes (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  /** Called with each node's data directory before its first start (e.g. to restore a backup). */
  readonly prepare?: (dataDir: string) => void;
}

export class KvCluster {
  readonly nodes: ClusterNode[];
  readonly #root: string;
  /** Proxy of the directed link from → to, keyed `from>to`. */
  readonly #links: Map<string, FaultProxy>;
  readonly #options: ClusterOptions;
  /** Faults injected so far, by kind. */
  readonly faults: Record<string, number> = {};

  private constructor(
    options: ClusterOptions,
    root: string,
    nodes: ClusterNode[],
    links: Map<string, FaultProxy>,
  ) {
    this.#options = options;
    this.#root = root;
    this.nodes = nodes;
    this.#links = links;
  }

  /**
   * Starts the cluster. Ports are chosen free (listen on 0, close) and bound a moment later by
   * the nodes, so another process — or one of this cluster's own proxies, which listen on port 0
   * in between — can take one first; a start that fails with EADDRINUSE is retried on fresh ports.
   */
  static async start(options: ClusterOptions): Promise<KvCluster> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await KvCluster.#startOnce(options);
      } catch (error) {
        if (attempt >= 3 || !String((error as Error).message).includes('EADDRINUSE')) throw error;
      }
    }
  }

  static async #startOnce(options: ClusterOptions): Promise<KvCluster> {
    const root = mkdtempSync(join(tmpdir(), 'cadre-kv-'));
    const ids = Array.from({ length: options.size }, (_, i) => `n${i + 1}`);
    const ports = await freePorts(options.size * 2);
    const nodePorts = ids.map((_, i) => ports[i] as number);
    const links = new Map<string, FaultProxy>();
    if (options.proxies !== false) {
      for (const [i, from] of ids.entries()) {
        for (const [j, to] of ids.entries()) {
          if (i === j) continue;
          links.set(
            `${from}>${to}`,
            await FaultProxy.start({ host: '127.0.0.1', port: nodePorts[j] as number }),
          );
        }
      }
    }
    const nodes = ids.map((id, i): ClusterNode => {
      const peers = ids
        .map((peer, j) => {
          const port =
            i === j || options.proxies === false
              ? nodePorts[j]
              : links.get(`${id}>${peer}`)?.address.port;
          return `${peer}=127.0.0.1:${port}`;
        })
        .join(',');
      return {
        id,
        respPort: ports[options.size + i] as number,
        nodePort: nodePorts[i] as number,
        dataDir: join(root, id),
        peers,
        child: undefined,
        stderr: '',
      };
    });
    const cluster = new KvCluster(options, root, nodes, links);
    for (const n of nodes) options.prepare?.(n.dataDir);
    try {
      await Promise.all(nodes.map((n) => cluster.#spawn(n)));
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  /** RESP addresses of every node. */
  get endpoints(): KvEndpoint[] {
    return this.nodes.map((n) => ({ host: '127.0.0.1', port: n.respPort }));
  }

  node(id: string): ClusterNode {
    const n = this.nodes.find((x) => x.id === id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  #count(kind: string): void {
    this.faults[kind] = (this.faults[kind] ?? 0) + 1;
  }

  /** Starts the node's process and waits for its ready line. */
  #spawn(node: ClusterNode): Promise<void> {
    const args = [
      ...(this.#options.nodeArgs ?? []),
      CADRE,
      'kv',
      'serve',
      '--id',
      node.id,
      '--peers',
      node.peers,
      '--data',
      node.dataDir,
      '--port',
      String(node.respPort),
      '--tick-ms',
      String(this.#options.tickMs ?? 20),
      ...(this.#options.extraArgs ?? []),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    node.child = child;
    node.stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      node.stderr = (node.stderr + d.toString()).slice(-4000);
    });
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`${node.id} not ready in 60 s: ${node.stderr}`)),
        60_000,
      );
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('"event":"ready"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${node.id} exited (${code ?? signal}) before ready: ${node.stderr}`));
      });
    });
  }

  /** kill -9, as a crash. */
  kill9(id: string): void {
    const n = this.node(id);
    n.child?.kill('SIGKILL');
    n.child = undefined;
    this.#count('kill-9');
  }

  /** SIGTERM: a graceful stop; resolves when the process has exited. */
  async stop(id: string): Promise<void> {
    const n = this.node(id);
    const child = n.child;
    n.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  }

  /** Restarts a killed node on the same ports and data. */
  async restart(id: string): Promise<void> {
    await this.#spawn(this.node(id));
    this.#count('restart');
  }

  /** SIGSTOP: the process freezes (a long GC pause, a stalled VM). */
  pause(id: string): void {
    this.node(id).child?.kill('SIGSTOP');
    this.#count('sigstop');
  }

  resume(id: string): void {
    this.node(id).child?.kill('SIGCONT');
  }

  /** Cuts every node link between `group` and the others, both ways. */
  partition(group: readonly string[]): void {
    for (const [key, proxy] of this.#links) {
      const [from, to] = key.split('>') as [string, string];
      if (group.includes(from) !== group.includes(to)) proxy.partition();
    }
    this.#count('partition');
  }

  heal(): void {
    for (const proxy of this.#links.values()) proxy.heal();
  }

  /** Asks every live node for its role; the leader's id, or undefined. */
  async leader(): Promise<string | undefined> {
    const { Redis } = await import('ioredis');
    for (const n of this.nodes) {
      if (n.child === undefined) continue;
      const r = new Redis({
        port: n.respPort,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        connectTimeout: 500,
        enableOfflineQueue: false,
      });
      try {
        await r.connect();
        const info = String(await r.call('CLUSTER', 'INFO'));
        if (/raft_role:leader/.test(info)) return n.id;
      } catch {
        // not answering: try the next
      } finally {
        r.disconnect();
      }
    }
    return undefined;
  }

  /** Waits until some node is leader; returns it. */
  async waitForLeader(timeoutMs = 20_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const l = await this.leader();
      if (l !== undefined) return l;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no leader within ${timeoutMs} ms`);
  }

  /** Kills every process, closes the proxies, deletes the data. */
  async close(): Promise<void> {
    for (const n of this.nodes) {
      if (n.child !== undefined) {
        n.child.kill('SIGCONT');
        n.child.kill('SIGKILL');
        n.child = undefined;
      }
    }
    for (const proxy of this.#links.values()) await proxy.stop();
    rmSync(this.#root, { recursive: true, force: true });
  }
}
