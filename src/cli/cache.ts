/**
 * `cadre cache serve`: one node of the eventually consistent cache (src/stores/cache) on this
 * machine, speaking RESP to clients and Cadre's node protocol to its peers, until SIGINT/SIGTERM.
 *
 *   cadre cache serve --id n1 --peers n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003 \
 *     --port 6379 --data cadre-data/n1
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import pino from 'pino';
import { CacheDataError } from '../stores/cache/process.js';
import { CacheServer } from '../stores/cache/server.js';
import { parsePeersFlag, parsePort, parseWhole } from './args.js';
import { EXIT_ERROR, UsageError } from './errors.js';

/** Options of {@link cacheServe} (the CLI flags). */
export interface CacheServeFlags {
  readonly id: string;
  readonly peers: string;
  readonly port: number;
  readonly host?: string;
  readonly data?: string;
  readonly persist?: boolean;
  readonly maxKeys?: number;
  readonly maxBytes?: number;
  readonly gossipMs?: number;
  readonly antiEntropyMs?: number;
  readonly secretFile?: string;
  readonly logLevel?: string;
  /** V8's --optimize-for-size for this process (see CacheServerOptions.compactHeap). Default
   * true. */
  readonly compactHeap?: boolean;
}

/** Runs a cache node until a stop signal; returns the exit code. */
export async function cacheServe(flags: CacheServeFlags): Promise<number> {
  const peers = parsePeersFlag(flags.peers);
  if (peers[flags.id] === undefined) {
    throw new UsageError(`--peers lacks an address for this node ${flags.id}`);
  }
  const secret =
    flags.secretFile !== undefined
      ? readFileSync(flags.secretFile, 'utf8').trim()
      : process.env.CADRE_SECRET;
  const logger = pino({ level: flags.logLevel ?? 'info' });
  let server: CacheServer;
  try {
    server = await CacheServer.start({
      id: flags.id,
      peers,
      resp: { host: flags.host ?? '127.0.0.1', port: flags.port },
      dataDir: flags.data ?? `cadre-data/${flags.id}`,
      logger,
      compactHeap: flags.compactHeap ?? true,
      cache: {
        persist: flags.persist ?? true,
        ...(flags.maxKeys === undefined ? {} : { maxKeys: flags.maxKeys }),
        ...(flags.maxBytes === undefined ? {} : { maxBytes: flags.maxBytes }),
        ...(flags.gossipMs === undefined ? {} : { gossipIntervalMs: flags.gossipMs }),
        ...(flags.antiEntropyMs === undefined
          ? {}
          : { antiEntropyIntervalMs: flags.antiEntropyMs }),
      },
      ...(secret === undefined || secret === '' ? {} : { secret }),
    });
  } catch (e) {
    if (e instanceof CacheDataError) {
      process.stderr.write(`error: ${e.message}\n`);
      return EXIT_ERROR;
    }
    throw new UsageError(`cache node ${flags.id} could not start: ${(e as Error).message}`);
  }
  const { host, port } = server.respAddress;
  logger.info(
    { resp: `${host}:${port}`, node: `${server.nodeAddress.host}:${server.nodeAddress.port}` },
    'cache serving',
  );
  // One line on stdout for scripts and tests that start the node with port 0.
  process.stdout.write(`cadre cache: ${flags.id} serving RESP on ${host}:${port}\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  logger.info({ signal }, 'stopping');
  await server.stop();
  logger.flush();
  return 0;
}

/** Registers `cadre cache serve`. */
export function registerCacheCommands(program: Command, setCode: (code: number) => void): void {
  const cache = program
    .command('cache')
    .description('the eventually consistent cache (delta CRDTs)');
  cache
    .command('serve')
    .description('run one cache node: RESP for clients, gossip and anti-entropy with its peers')
    .requiredOption('--id <node>', 'this node')
    .requiredOption('--peers <list>', 'every node with its node-to-node port: n1=host:port,n2=…')
    .requiredOption('--port <n>', 'RESP port for clients (0: the OS picks)', parsePort)
    .option('--host <host>', 'RESP listen address (default 127.0.0.1)')
    .option('--data <dir>', 'data directory (default cadre-data/<id>)')
    .option('--no-persist', 'keep the replica in memory only: a restart rejoins empty')
    .option(
      '--max-keys <n>',
      'evict least recently used keys above this many (0: no bound)',
      parseWhole,
    )
    .option(
      '--max-bytes <n>',
      'evict above this many approximate state bytes (0: no bound)',
      parseWhole,
    )
    .option('--gossip-ms <n>', 'delta gossip period in ms (default 50)', parseWhole)
    .option('--anti-entropy-ms <n>', 'digest anti-entropy period in ms (default 1000)', parseWhole)
    .option('--secret-file <file>', 'shared secret of the node handshake (or set CADRE_SECRET)')
    .option(
      '--no-compact-heap',
      "leave V8's heap sizing as is: faster, but RSS grows well past live data (default: --optimize-for-size)",
    )
    .option(
      '--log-level <level>',
      'fatal, error, warn, info, debug, trace or silent (default info)',
    )
    .action(async (opts: Record<string, unknown>) => {
      const pick = <T>(k: string) => (opts[k] === undefined ? {} : { [k]: opts[k] as T });
      setCode(
        await cacheServe({
          id: opts.id as string,
          peers: opts.peers as string,
          port: opts.port as number,
          persist: opts.persist !== false,
          compactHeap: opts.compactHeap !== false,
          ...pick<string>('host'),
          ...pick<string>('data'),
          ...pick<number>('maxKeys'),
          ...pick<number>('maxBytes'),
          ...pick<number>('gossipMs'),
          ...pick<number>('antiEntropyMs'),
          ...pick<string>('secretFile'),
          ...pick<string>('logLevel'),
        }),
      );
    });
}
