import { readFileSync } from 'node:fs';
import pino from 'pino';
import type { Spec } from '../core/spec.js';
import {
  ConfigError,
  type RawNodeConfig,
  readConfigFile,
  resolveNodeConfig,
} from '../runtime/config.js';
import { serveMetrics } from '../runtime/metrics-server.js';
import { NodeHost } from '../runtime/node-host.js';
import type { TlsSettings } from '../runtime/transport.js';
import { UsageError } from './errors.js';
import { loadSpec } from './load-spec.js';

/** Flags of `cadre run` (each overrides the config file's field). */
export interface RunFlags {
  readonly config?: string;
  readonly id?: string;
  readonly peers?: string;
  readonly listen?: string;
  readonly dataDir?: string;
  readonly secretFile?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsCa?: string;
  readonly metrics?: string;
  readonly trace?: string;
  readonly logLevel?: string;
  /** Real ms per tick for synchronous-model specs (timers and input times). Default 100. */
  readonly tickMs?: number;
  /** Deliver the spec's inputs addressed to this node. Default true. */
  readonly inputs?: boolean;
  /** Extra delay before the first input, in ms (lets the peers start). Default 0. */
  readonly inputDelayMs?: number;
}

/** Default real length of one tick of a synchronous-model spec, in ms. */
export const DEFAULT_TICK_MS = 100;

/**
 * `cadre run SPEC --id n1 --peers …`: runs the spec's process for node `id` on this machine until
 * SIGINT or SIGTERM, then stops gracefully. The spec's inputs addressed to this node are delivered
 * from `$env` at their time (ms in the asynchronous model; tick t at (t−1)·tickMs in the
 * synchronous one). Returns the exit code.
 */
export async function runCommand(specFile: string, flags: RunFlags): Promise<number> {
  // Listen for the stop signal first: a signal that arrives while the node starts still stops it
  // gracefully (after the start), instead of killing it half-way.
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const { spec } = await loadSpec(specFile);
  let config: ReturnType<typeof resolveNodeConfig>;
  try {
    const file: RawNodeConfig = flags.config === undefined ? {} : readConfigFile(flags.config);
    const tls =
      flags.tlsCert === undefined && flags.tlsKey === undefined
        ? undefined
        : {
            certFile: flags.tlsCert,
            keyFile: flags.tlsKey,
            ...(flags.tlsCa === undefined ? {} : { caFile: flags.tlsCa }),
          };
    config = resolveNodeConfig(file, {
      id: flags.id,
      peers: flags.peers,
      listen: flags.listen,
      dataDir: flags.dataDir,
      secretFile: flags.secretFile,
      tls,
      metrics: flags.metrics,
      trace: flags.trace,
      logLevel: flags.logLevel,
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  checkAgainstSpec(spec, config.id, Object.keys(config.peers));
  const tls = config.tls === undefined ? undefined : readTls(config.tls);
  const sync = spec.time.model === 'sync';
  const tickMs = flags.tickMs ?? DEFAULT_TICK_MS;
  const delay = flags.inputDelayMs ?? 0;
  const inputs =
    flags.inputs === false
      ? []
      : (spec.inputs ?? [])
          .filter((input) => input.to === config.id)
          .map((input) => ({
            atMs: delay + (sync ? (input.at - 1) * tickMs : input.at),
            msg: input.msg,
          }));
  const logger = pino({ level: config.logLevel });
  let host: NodeHost<unknown>;
  try {
    host = await NodeHost.start<unknown>({
      id: config.id,
      listen: config.listen,
      peers: config.peers,
      nodes: spec.nodes,
      process: spec.process,
      dataDir: config.dataDir,
      specName: spec.name,
      logger,
      inputs,
      ...(sync ? { timerScaleMs: tickMs } : {}),
      ...(config.secret === undefined ? {} : { secret: config.secret }),
      ...(tls === undefined ? {} : { tls }),
      ...(config.trace === undefined ? {} : { tracePath: config.trace }),
    });
  } catch (error) {
    throw new UsageError(`node ${config.id} could not start: ${(error as Error).message}`);
  }
  const metrics =
    config.metrics === undefined ? undefined : await serveMetrics(host.registry, config.metrics);
  if (metrics !== undefined) {
    host.logger.info(
      { metrics: `http://${metrics.address.host}:${metrics.address.port}/metrics` },
      'metrics endpoint up',
    );
  }
  const signal = await stopSignal;
  host.logger.info({ signal }, 'stopping');
  await host.stop();
  metrics?.server.close();
  logger.flush();
  return 0;
}

/** The node must be a server of the spec, and the peers exactly the spec's nodes. */
function checkAgainstSpec(spec: Spec<unknown>, id: string, peers: readonly string[]): void {
  if (!spec.nodes.includes(id)) {
    throw new UsageError(
      `node ${id} is not a server node of spec ${spec.name} (nodes: ${spec.nodes.join(', ')})`,
    );
  }
  const missing = spec.nodes.filter((n) => !peers.includes(n));
  if (missing.length > 0)
    throw new UsageError(`--peers lacks an address for ${missing.join(', ')} (spec ${spec.name})`);
  const extra = peers.filter((p) => !spec.nodes.includes(p));
  if (extra.length > 0)
    throw new UsageError(`--peers lists ${extra.join(', ')}, not nodes of spec ${spec.name}`);
}

function readTls(tls: { certFile: string; keyFile: string; caFile?: string }): TlsSettings {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new UsageError(`cannot read TLS ${what} ${path}: ${(error as Error).message}`);
    }
  };
  return {
    cert: read(tls.certFile, 'certificate'),
    key: read(tls.keyFile, 'key'),
    ...(tls.caFile === undefined ? {} : { ca: read(tls.caFile, 'CA certificate') }),
  };
}
