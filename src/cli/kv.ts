import { mkdirSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import pino from 'pino';
import { KvNode } from '../stores/kv/net/kv-node.js';
import { startRespFront } from '../stores/kv/net/resp-front.js';
import { parsePeersFlag, parsePort, parsePositive } from './args.js';
import { UsageError } from './errors.js';

/** Flags of `cadre kv serve`. */
export interface KvServeFlags {
  readonly id: string;
  /** Every member's node port: n1=host:port,… */
  readonly peers: string;
  /** Data directory (the node's LMDB store). */
  readonly data: string;
  /** RESP port for clients (0: the OS picks; the ready line says which). */
  readonly port: number;
  /** RESP listen host. Default 127.0.0.1. */
  readonly host?: string;
  /** Node-to-node port. Default: this node's --peers entry. */
  readonly nodePort?: number;
  /** Shared secret of the node-to-node handshake (or CADRE_SECRET, or --secret-file). */
  readonly secret?: string;
  readonly secretFile?: string;
  /** Raft tick length, in ms. Default 20. */
  readonly tickMs?: number;
  /** Entries applied between two snapshots (log compactions). Default 10,000. */
  readonly snapshotEntries?: number;
  /** Request deadline, in ms. Default 5000. */
  readonly timeoutMs?: number;
  readonly logLevel?: string;
}

/**
 * `cadre kv serve`: one node of the KV store — Raft on the runtime's NodeHost, clients over RESP
 * on `--port`. Prints one JSON line `{"event":"ready",…}` to stdout once both ports listen (with
 * the ports the OS picked), then serves until SIGINT/SIGTERM and stops gracefully.
 */
export async function kvServeCommand(flags: KvServeFlags): Promise<number> {
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const peers = parsePeersFlag(flags.peers);
  const self = peers[flags.id];
  if (self === undefined) {
    throw new UsageError(
      `--id ${flags.id} has no address in --peers (${Object.keys(peers).join(', ')})`,
    );
  }
  const listen = flags.nodePort === undefined ? self : { host: self.host, port: flags.nodePort };
  const secret = readSecret(flags);
  try {
    mkdirSync(flags.data, { recursive: true });
  } catch (error) {
    throw new UsageError(`--data ${flags.data}: ${(error as Error).message}`);
  }
  const logger = pino({ level: flags.logLevel ?? 'warn' }, pino.destination(2));
  let node: KvNode;
  try {
    node = await KvNode.start({
      id: flags.id,
      listen,
      peers,
      dataDir: flags.data,
      logger,
      ...(secret === undefined ? {} : { secret }),
      raft: {
        ...(flags.tickMs === undefined ? {} : { tickMs: flags.tickMs }),
        ...(flags.snapshotEntries === undefined ? {} : { snapshotEntries: flags.snapshotEntries }),
      },
      ...(flags.timeoutMs === undefined ? {} : { requestTimeoutMs: flags.timeoutMs }),
    });
  } catch (error) {
    throw new UsageError(`node ${flags.id} could not start: ${(error as Error).message}`);
  }
  let front: Awaited<ReturnType<typeof startRespFront>>;
  try {
    front = await startRespFront({
      backend: node,
      host: flags.host ?? '127.0.0.1',
      port: flags.port,
      onHandlerError: (error, command) => logger.error({ err: error, command }, 'command failed'),
    });
  } catch (error) {
    await node.stop();
    throw new UsageError(`--port ${flags.port}: cannot listen: ${(error as Error).message}`);
  }
  process.stdout.write(
    `${JSON.stringify({ event: 'ready', id: flags.id, port: front.port, nodePort: node.host.address.port, pid: process.pid })}\n`,
  );
  const signal = await stopSignal;
  logger.info({ signal }, 'stopping');
  await front.close();
  await node.stop();
  logger.flush();
  return 0;
}

function readSecret(flags: KvServeFlags): string | undefined {
  if (flags.secret !== undefined) return flags.secret;
  if (flags.secretFile !== undefined) {
    try {
      return readFileSync(flags.secretFile, 'utf8').trim();
    } catch (error) {
      throw new UsageError(`--secret-file ${flags.secretFile}: ${(error as Error).message}`);
    }
  }
  return process.env.CADRE_SECRET;
}

/** Registers `cadre kv serve`. `setCode` receives the exit code. */
export function registerKvCommands(program: Command, setCode: (code: number) => void): void {
  const kv = program
    .command('kv')
    .description('the strongly consistent key/value store (Raft, RESP clients)');
  kv.command('serve')
    .description(
      'run one KV node: Raft with its peers, Redis-protocol clients on --port, until SIGINT/SIGTERM',
    )
    .requiredOption('--id <node>', 'this node (one of --peers)')
    .requiredOption(
      '--peers <list>',
      'every member with its node port: n1=host:port,n2=host:port,…',
    )
    .requiredOption('--data <dir>', "this node's data directory")
    .requiredOption('--port <n>', 'RESP port for clients (0: any free port)', parsePort)
    .option('--host <host>', 'RESP listen address (default 127.0.0.1)')
    .option('--node-port <n>', "node-to-node port (default: this node's --peers port)", parsePort)
    .option('--secret <s>', 'shared secret of the node-to-node handshake (or CADRE_SECRET)')
    .option('--secret-file <file>', 'read the shared secret from a file')
    .option(
      '--tick-ms <n>',
      'Raft tick in ms: elections after 10-20 ticks (default 20)',
      parsePositive,
    )
    .option(
      '--snapshot-entries <n>',
      'entries applied between two snapshots, which compact the Raft log (default 10000)',
      parsePositive,
    )
    .option('--timeout-ms <n>', 'request deadline in ms (default 5000)', parsePositive)
    .option('--log-level <level>', 'pino level on stderr (default warn)')
    .action(async (opts: KvServeFlags) => {
      setCode(await kvServeCommand(opts));
    });
}
