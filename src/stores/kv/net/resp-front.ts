import { RespServer } from '../../../resp/server.js';
import type { KvBackend } from './kv-backend.js';
import {
  type KvCommandOptions,
  type KvConnState,
  kvCommandTable,
  raftInfoSection,
} from './resp-commands.js';

/** Options of {@link startRespFront}. */
export interface RespFrontOptions extends KvCommandOptions {
  readonly backend: KvBackend;
  /** Address to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** Port to listen on; 0 lets the OS pick. */
  readonly port: number;
  /** Called when a handler fails unexpectedly (a bug, not bad input): for the log. */
  readonly onHandlerError?: (error: unknown, command: string) => void;
}

/** A listening RESP front of the KV store. */
export interface RespFront {
  readonly host: string;
  readonly port: number;
  readonly server: RespServer<KvConnState>;
  close(): Promise<void>;
}

/**
 * Serves the KV store over RESP: one client session per connection (closed with it), the KV
 * command table, and a `raft` section in INFO. Commands of one connection run one at a time
 * (`serialExecution`), so the session's request numbers follow the order the client sent them.
 */
export async function startRespFront(options: RespFrontOptions): Promise<RespFront> {
  const { backend } = options;
  const server = new RespServer<KvConnState>({
    commands: kvCommandTable(backend, options),
    createState: () => ({ session: backend.openSession() }),
    onDisconnect: (conn) => conn.state.session.close(),
    serialExecution: true,
    serverName: 'cadre-kv',
    // Values may be up to KV_VALUE_BYTES_MAX; a bigger argument is refused by the command with a
    // clear error, and the RESP layer refuses anything absurd before buffering it.
    maxBulkBytes: 8 << 20,
    info: () => ({ raft: raftInfoSection(backend) }),
    config: { save: '', appendonly: 'no' },
    ...(options.onHandlerError === undefined
      ? {}
      : { onHandlerError: (e: unknown, command: string) => options.onHandlerError?.(e, command) }),
  });
  const address = await server.listen(options.port, options.host ?? '127.0.0.1');
  return {
    host: address.address,
    port: address.port,
    server,
    close: () => server.close(),
  };
}
