import { readFileSync } from 'node:fs';
import { type NodeId, nodeIdProblem } from '../core/ids.js';
import type { Address } from './transport.js';

/**
 * How a node is configured: a JSON file (`--config`), flags, or both (flags win). Every error is a
 * {@link ConfigError} naming the field, the flag or the file.
 *
 * ```json
 * {
 *   "id": "n1",
 *   "peers": { "n1": "10.0.0.1:7001", "n2": "10.0.0.2:7001", "n3": "10.0.0.3:7001" },
 *   "listen": "0.0.0.0:7001",
 *   "dataDir": "/var/lib/cadre/n1",
 *   "secretFile": "/etc/cadre/secret",
 *   "tls": { "certFile": "n1.pem", "keyFile": "n1-key.pem", "caFile": "ca.pem" },
 *   "metrics": "0.0.0.0:9464",
 *   "trace": "/var/log/cadre/n1.trace.jsonl",
 *   "logLevel": "info"
 * }
 * ```
 */
export interface NodeConfig {
  readonly id: NodeId;
  /** Every server node's node-port address, this node's included. */
  readonly peers: Readonly<Record<NodeId, Address>>;
  /** Where to listen. Default: this node's entry in `peers`. */
  readonly listen: Address;
  /** LMDB directory. Default `cadre-data/<id>`. */
  readonly dataDir: string;
  readonly secret?: string;
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile?: string };
  /** Prometheus endpoint address. Default: none. */
  readonly metrics?: Address;
  /** Node trace file. Default: none. */
  readonly trace?: string;
  /** pino level. Default `info`. */
  readonly logLevel: string;
}

/** Thrown for a bad configuration; the message names what was wrong and where. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Raw settings from the file or the flags, before validation. */
export interface RawNodeConfig {
  id?: unknown;
  peers?: unknown;
  listen?: unknown;
  dataDir?: unknown;
  secret?: unknown;
  secretFile?: unknown;
  tls?: unknown;
  metrics?: unknown;
  trace?: unknown;
  logLevel?: unknown;
}

/** Parses `host:port` (IPv6 as `[::1]:7001`). `where` names the flag or field in errors. */
export function parseAddress(text: unknown, where: string): Address {
  if (typeof text !== 'string')
    throw new ConfigError(`${where}: expected "host:port", got ${JSON.stringify(text)}`);
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text.trim());
  const port = m === null ? Number.NaN : Number(m[3]);
  if (m === null || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(
      `${where}: expected "host:port" with a port 0-65535, got ${JSON.stringify(text)}`,
    );
  }
  return { host: (m[1] ?? m[2]) as string, port };
}

/** Parses `--peers n1=host:port,n2=host:port,…` (or the same as a JSON object of strings). */
export function parsePeers(value: unknown, where = '--peers'): Record<NodeId, Address> {
  const entries: [string, unknown][] =
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
          .map((entry) => {
            const eq = entry.indexOf('=');
            if (eq < 0)
              throw new ConfigError(`${where}: entry ${JSON.stringify(entry)} is not id=host:port`);
            return [entry.slice(0, eq), entry.slice(eq + 1)];
          })
      : value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value)
        : (() => {
            throw new ConfigError(`${where}: expected id=host:port,… or an object of addresses`);
          })();
  const peers: Record<NodeId, Address> = {};
  for (const [id, address] of entries) {
    const problem = nodeIdProblem(id);
    if (problem !== undefined) throw new ConfigError(`${where}: ${problem}`);
    if (Object.hasOwn(peers, id)) throw new ConfigError(`${where}: node ${id} is listed twice`);
    peers[id] = parseAddress(address, `${where} ${id}`);
  }
  if (Object.keys(peers).length === 0) throw new ConfigError(`${where}: no nodes listed`);
  return peers;
}

/** Reads a JSON config file; a bad file is a {@link ConfigError} naming it. */
export function readConfigFile(path: string): RawNodeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  const known = new Set([
    'id',
    'peers',
    'listen',
    'dataDir',
    'secret',
    'secretFile',
    'tls',
    'metrics',
    'trace',
    'logLevel',
  ]);
  for (const key of Object.keys(value)) {
    if (!known.has(key))
      throw new ConfigError(
        `config file ${path}: unknown field ${JSON.stringify(key)} (known: ${[...known].join(', ')})`,
      );
  }
  return value as RawNodeConfig;
}

/**
 * Validates settings merged from a file and flags (flags override the file field by field). The
 * secret comes from `secret`, `secretFile`, or the CADRE_SECRET environment variable, in that
 * order; prefer the file or the variable (a flag shows in `ps`).
 */
export function resolveNodeConfig(
  file: RawNodeConfig,
  flags: RawNodeConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): NodeConfig {
  const raw: RawNodeConfig = { ...file };
  for (const [k, v] of Object.entries(flags))
    if (v !== undefined) (raw as Record<string, unknown>)[k] = v;
  if (typeof raw.id !== 'string')
    throw new ConfigError('id: required (--id n1 or "id" in the config file)');
  const idProblem = nodeIdProblem(raw.id);
  if (idProblem !== undefined) throw new ConfigError(`id: ${idProblem}`);
  const id = raw.id;
  if (raw.peers === undefined)
    throw new ConfigError('peers: required (--peers n1=host:port,… or "peers" in the config file)');
  const peers = parsePeers(raw.peers, 'peers');
  const own = peers[id];
  if (own === undefined)
    throw new ConfigError(
      `peers: this node ${id} is not listed (${Object.keys(peers).join(', ')})`,
    );
  const listen = raw.listen === undefined ? own : parseAddress(raw.listen, 'listen');
  const dataDir = raw.dataDir === undefined ? `cadre-data/${id}` : raw.dataDir;
  if (typeof dataDir !== 'string' || dataDir.length === 0)
    throw new ConfigError('dataDir: expected a directory path');
  let secret: string | undefined;
  if (raw.secret !== undefined) {
    if (typeof raw.secret !== 'string' || raw.secret.length === 0)
      throw new ConfigError('secret: expected a non-empty string');
    secret = raw.secret;
  } else if (raw.secretFile !== undefined) {
    if (typeof raw.secretFile !== 'string') throw new ConfigError('secretFile: expected a path');
    try {
      secret = readFileSync(raw.secretFile, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(
        `secretFile: cannot read ${raw.secretFile}: ${(error as Error).message}`,
      );
    }
    if (secret.length === 0) throw new ConfigError(`secretFile: ${raw.secretFile} is empty`);
  } else if (env.CADRE_SECRET !== undefined && env.CADRE_SECRET.length > 0) {
    secret = env.CADRE_SECRET;
  }
  let tls: NodeConfig['tls'];
  if (raw.tls !== undefined) {
    const t = raw.tls as Record<string, unknown>;
    if (
      t === null ||
      typeof t !== 'object' ||
      typeof t.certFile !== 'string' ||
      typeof t.keyFile !== 'string'
    )
      throw new ConfigError(
        'tls: expected { "certFile", "keyFile", "caFile"? } (--tls-cert and --tls-key)',
      );
    if (t.caFile !== undefined && typeof t.caFile !== 'string')
      throw new ConfigError('tls.caFile: expected a path');
    tls = {
      certFile: t.certFile,
      keyFile: t.keyFile,
      ...(t.caFile === undefined ? {} : { caFile: t.caFile as string }),
    };
  }
  const metrics = raw.metrics === undefined ? undefined : parseAddress(raw.metrics, 'metrics');
  if (raw.trace !== undefined && typeof raw.trace !== 'string')
    throw new ConfigError('trace: expected a file path');
  const logLevel = raw.logLevel ?? 'info';
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (typeof logLevel !== 'string' || !levels.includes(logLevel))
    throw new ConfigError(
      `logLevel: expected one of ${levels.join(', ')}, got ${JSON.stringify(logLevel)}`,
    );
  return {
    id,
    peers,
    listen,
    dataDir,
    ...(secret === undefined ? {} : { secret }),
    ...(tls === undefined ? {} : { tls }),
    ...(metrics === undefined ? {} : { metrics }),
    ...(raw.trace === undefined ? {} : { trace: raw.trace as string }),
    logLevel,
  };
}
