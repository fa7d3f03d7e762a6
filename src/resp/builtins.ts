/**
 * Connection-level commands every Cadre RESP server answers, so that redis-cli, ioredis and
 * redis-benchmark start up unchanged: PING, ECHO, QUIT, SELECT 0, HELLO (RESP2 only), CLIENT,
 * COMMAND, INFO and CONFIG GET. A store overrides any of them by registering the same name.
 *
 * What the clients send on connect (checked against the installed versions): ioredis 6 sends
 * `HELLO 3` (and falls back to RESP2 on NOPROTO), `CLIENT SETINFO LIB-VER/LIB-NAME` (errors
 * ignored), then `INFO` as its ready check (an error there is fatal); redis-benchmark sends
 * `CONFIG GET save` and `CONFIG GET appendonly` (it only warns if they fail); redis-cli sends
 * `COMMAND DOCS` in interactive mode and `ECHO` at the end of `--pipe`.
 */
import { argKeyword, argText, parseInteger } from './args.js';
import type { CommandSpec, RespConnection } from './commands.js';
import { RespError } from './errors.js';
import { globMatch } from './glob.js';
import type { RespMetrics } from './metrics.js';
import { OK, PONG, type Reply } from './reply.js';

/** INFO sections a store adds: section title → field → value. */
export type InfoSections = Readonly<Record<string, Readonly<Record<string, string | number>>>>;

/** What the built-in commands need to know about their server. */
export interface BuiltinContext<S> {
  /** Reported as `server` by HELLO and in INFO. */
  readonly serverName: string;
  /** The Redis version whose command semantics the server follows (`redis_version`). */
  readonly version: string;
  readonly metrics: RespMetrics;
  /** Every command the server answers, built-ins included, by lower-case name. */
  commands(): ReadonlyMap<string, CommandSpec<S>>;
  connections(): Iterable<RespConnection<S>>;
  /** Extra INFO sections from the store. */
  readonly info?: () => InfoSections;
  /** Values CONFIG GET reports. */
  readonly config: Readonly<Record<string, string>>;
  /** Seconds since the server started listening (INFO's uptime_in_seconds). */
  uptimeSeconds(): number;
}

function unknownSubcommand(command: string, sub: Buffer): RespError {
  return new RespError(
    `unknown subcommand '${argText(sub).slice(0, 128)}'. Try ${command.toUpperCase()} HELP.`,
  );
}

function wrongArity(name: string): RespError {
  return new RespError(`wrong number of arguments for '${name}' command`);
}

/** `name` as text if it passes Redis's rule for client names (printable ASCII without spaces);
 * otherwise Redis's error. */
function checkClientName(name: Buffer): string {
  for (const byte of name) {
    if (byte <= 0x20 || byte >= 0x7f) {
      throw new RespError('Client names cannot contain spaces, newlines or special characters.');
    }
  }
  return name.toString('latin1');
}

/** The built-in command table for a server described by `ctx`. */
export function builtinCommands<S>(ctx: BuiltinContext<S>): Record<string, CommandSpec<S>> {
  const commandInfo = (name: string, spec: CommandSpec<S>): Reply => [
    name,
    spec.arity,
    [...(spec.flags ?? [])],
    spec.keys?.first ?? 0,
    spec.keys?.last ?? 0,
    spec.keys?.step ?? 0,
  ];

  const helloReply = (conn: RespConnection<S>): Reply => [
    'server',
    ctx.serverName,
    'version',
    ctx.version,
    'proto',
    2,
    'id',
    conn.id,
    'mode',
    'standalone',
    'role',
    'master',
    'modules',
    [],
  ];

  const infoText = (wanted: string | undefined): string => {
    const sections: [string, Readonly<Record<string, string | number>>][] = [
      [
        'Server',
        {
          redis_version: ctx.version,
          cadre_server: ctx.serverName,
          redis_mode: 'standalone',
          process_id: process.pid,
          uptime_in_seconds: ctx.uptimeSeconds(),
        },
      ],
      ['Clients', { connected_clients: ctx.metrics.connectionsOpen }],
      [
        'Persistence',
        // ioredis's ready check waits while `loading` is not 0; a Cadre server only listens once
        // its store is loaded.
        { loading: 0 },
      ],
      [
        'Stats',
        {
          total_connections_received: ctx.metrics.connectionsAccepted,
          rejected_connections: ctx.metrics.connectionsRejected,
          total_commands_processed: ctx.metrics.commandsProcessed,
          total_error_replies: ctx.metrics.errorReplies,
        },
      ],
      ...Object.entries(ctx.info?.() ?? {}),
    ];
    const lower = wanted?.toLowerCase();
    const all =
      lower === undefined || lower === 'all' || lower === 'default' || lower === 'everything';
    return sections
      .filter(([title]) => all || title.toLowerCase() === lower)
      .map(
        ([title, fields]) =>
          `# ${title}\r\n${Object.entries(fields)
            .map(([k, v]) => `${k}:${v}\r\n`)
            .join('')}`,
      )
      .join('\r\n');
  };

  return {
    ping: {
      arity: -1,
      flags: ['fast'],
      handler: (args) => {
        if (args.length > 1) throw wrongArity('ping');
        return args.length === 0 ? PONG : args[0]!;
      },
    },
    echo: { arity: 2, flags: ['fast'], handler: (args) => args[0]! },
    quit: {
      arity: -1,
      flags: ['fast'],
      handler: (_args, conn) => {
        conn.closeAfterReply();
        return OK;
      },
    },
    select: {
      arity: 2,
      flags: ['fast'],
      handler: (args) => {
        // One keyspace per server; SELECT 0 is accepted because clients send it by default.
        if (parseInteger(args[0]!) !== 0) throw new RespError('DB index is out of range');
        return OK;
      },
    },
    hello: {
      arity: -1,
      flags: ['fast'],
      handler: (args, conn) => {
        if (args.length > 0) {
          const version = args[0]!;
          let protover: number;
          try {
            protover = parseInteger(version);
          } catch {
            throw new RespError('Protocol version is not an integer or out of range');
          }
          // Only RESP2 is spoken: answer a request for RESP3 exactly as a Redis that lacks it.
          if (protover !== 2) throw new RespError('unsupported protocol version', 'NOPROTO');
          let newName: string | undefined;
          for (let i = 1; i < args.length; i++) {
            const option = argKeyword(args[i]!);
            if (option === 'AUTH' && i + 2 < args.length) {
              throw new RespError(
                'AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
              );
            }
            if (option === 'SETNAME' && i + 1 < args.length) {
              newName = checkClientName(args[++i]!);
              continue;
            }
            throw new RespError(
              `Syntax error in HELLO option '${argText(args[i]!).slice(0, 128)}'`,
            );
          }
          if (newName !== undefined) conn.name = newName;
        }
        return helloReply(conn);
      },
    },
    client: {
      arity: -2,
      flags: [],
      handler: (args, conn) => {
        const sub = argKeyword(args[0]!);
        const rest = args.length - 1;
        switch (sub) {
          case 'ID':
            if (rest !== 0) throw wrongArity('client|id');
            return conn.id;
          case 'GETNAME':
            if (rest !== 0) throw wrongArity('client|getname');
            return conn.name ?? null;
          case 'SETNAME': {
            if (rest !== 1) throw wrongArity('client|setname');
            const name = checkClientName(args[1]!);
            conn.name = name.length === 0 ? undefined : name;
            return OK;
          }
          case 'SETINFO': {
            if (rest !== 2) throw wrongArity('client|setinfo');
            const attribute = argKeyword(args[1]!);
            if (attribute !== 'LIB-NAME' && attribute !== 'LIB-VER') {
              throw new RespError(`Unrecognized option '${argText(args[1]!).slice(0, 128)}'`);
            }
            return OK;
          }
          case 'LIST': {
            if (rest !== 0) throw wrongArity('client|list');
            let text = '';
            for (const c of ctx.connections()) {
              text += `id=${c.id} addr=${c.remoteAddress}:${c.remotePort} name=${c.name ?? ''}\n`;
            }
            return text;
          }
          default:
            throw unknownSubcommand('client', args[0]!);
        }
      },
    },
    command: {
      arity: -1,
      flags: [],
      handler: (args) => {
        const table = ctx.commands();
        if (args.length === 0) return [...table].map(([name, spec]) => commandInfo(name, spec));
        const sub = argKeyword(args[0]!);
        switch (sub) {
          case 'COUNT':
            return table.size;
          case 'LIST':
            return [...table.keys()];
          case 'INFO':
            return args.slice(1).map((raw) => {
              const name = argText(raw).toLowerCase();
              const spec = table.get(name);
              return spec === undefined ? null : commandInfo(name, spec);
            });
          case 'DOCS':
            // No documentation is served; redis-cli then falls back to its built-in hints.
            return [];
          default:
            throw unknownSubcommand('command', args[0]!);
        }
      },
    },
    info: {
      arity: -1,
      flags: [],
      handler: (args) => infoText(args[0] === undefined ? undefined : argText(args[0])),
    },
    config: {
      arity: -2,
      flags: [],
      handler: (args) => {
        if (argKeyword(args[0]!) !== 'GET') throw unknownSubcommand('config', args[0]!);
        if (args.length < 2) throw wrongArity('config|get');
        const out: string[] = [];
        const seen = new Set<string>();
        for (const raw of args.slice(1)) {
          // Redis matches config names case-insensitively (stringmatch with nocase).
          const pattern = argText(raw).toLowerCase();
          for (const [name, value] of Object.entries(ctx.config)) {
            if (!seen.has(name) && globMatch(pattern, name.toLowerCase())) {
              seen.add(name);
              out.push(name, value);
            }
          }
        }
        return out;
      },
    },
  };
}
