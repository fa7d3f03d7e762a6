import { type Command, InvalidArgumentError } from 'commander';
import { parsePositive, parseWhole, setOptions } from './args.js';
import { type ClusterFlags, clusterUp } from './cluster.js';
import { type RunFlags, runCommand } from './run.js';
import { traceMergeCommand } from './trace-merge.js';

function parseCount(text: string): number {
  const n = parsePositive(text);
  if (n > 64) throw new InvalidArgumentError('at most 64 nodes');
  return n;
}

/** Registers `run`, `cluster up` and `trace merge` (the real runtime) on the `cadre` program.
 * `setCode` receives each command's exit code. */
export function registerRuntimeCommands(program: Command, setCode: (code: number) => void): void {
  program
    .command('run')
    .description(
      "run a spec's process as one real node (TCP to its peers, LMDB storage) until SIGINT/SIGTERM",
    )
    .argument('<spec>', 'spec file (.ts or .js) exporting a defineSpec spec')
    .option('--config <file>', 'JSON config file (flags override its fields)')
    .option('--id <node>', 'this node (one of the spec nodes)')
    .option('--peers <list>', 'every node with its node port: n1=host:port,n2=host:port,…')
    .option('--listen <host:port>', "where to listen (default: this node's --peers address)")
    .option('--data-dir <dir>', 'LMDB directory (default cadre-data/<id>)')
    .option('--secret-file <file>', 'shared secret file (or set CADRE_SECRET)')
    .option('--tls-cert <file>', 'PEM certificate (enables TLS, with --tls-key)')
    .option('--tls-key <file>', 'PEM private key')
    .option('--tls-ca <file>', 'PEM CA: verify peers against it (mutual TLS)')
    .option('--metrics <host:port>', 'serve Prometheus metrics at http://host:port/metrics')
    .option('--trace <file>', 'append this node trace (merge with `cadre trace merge`)')
    .option(
      '--log-level <level>',
      'fatal, error, warn, info, debug, trace or silent (default info)',
    )
    .option(
      '--tick-ms <n>',
      'real ms per tick of a synchronous-model spec (default 100)',
      parsePositive,
    )
    .option('--no-inputs', "do not deliver the spec's inputs addressed to this node")
    .option('--input-delay-ms <n>', 'delay before the first input, in ms (default 0)', parseWhole)
    .action(async (spec: string, opts: Record<string, unknown>) => {
      setCode(
        await runCommand(spec, {
          ...setOptions<RunFlags>(opts, [
            'config',
            'id',
            'peers',
            'listen',
            'dataDir',
            'secretFile',
            'tlsCert',
            'tlsKey',
            'tlsCa',
            'metrics',
            'trace',
            'logLevel',
            'tickMs',
            'inputDelayMs',
          ]),
          inputs: opts.inputs !== false,
        }),
      );
    });

  const cluster = program.command('cluster').description('local development clusters');
  cluster
    .command('up')
    .description(
      'start every node of a spec (or example name) as local processes on free loopback ports; Ctrl-C stops all and merges their traces',
    )
    .argument('<spec>', 'spec file, or an example name such as leader-election')
    .option('--nodes <n>', "number of nodes (must match the spec's)", parseCount)
    .option('--out <dir>', 'data, node traces and merged trace (default cadre-out/cluster/<spec>)')
    .option('--keep-data', 'keep the data of an earlier run (restart recovery)')
    .option(
      '--duration-ms <n>',
      'stop by itself this many ms after every node has started',
      parsePositive,
    )
    .option('--json', "print the nodes' raw JSON log lines")
    .option('--log-level <level>', 'log level of the nodes (default info)')
    .option(
      '--tick-ms <n>',
      'real ms per tick of a synchronous-model spec (default 100)',
      parsePositive,
    )
    .option('--input-delay-ms <n>', 'delay before spec inputs, in ms (default 500)', parseWhole)
    .action(async (spec: string, opts: Record<string, unknown>) => {
      setCode(
        await clusterUp(spec, {
          ...setOptions<ClusterFlags>(opts, [
            'nodes',
            'out',
            'durationMs',
            'logLevel',
            'tickMs',
            'inputDelayMs',
          ]),
          keepData: opts.keepData === true,
          json: opts.json === true,
        }),
      );
    });

  const trace = program.command('trace').description('trace files');
  trace
    .command('merge')
    .description('merge node traces (cadre run --trace) into one trace in the simulator format')
    .argument('<files...>', 'node trace files, one per node')
    .requiredOption('--out <file>', 'merged trace file (.jsonl)')
    .action((files: string[], opts: Record<string, unknown>) => {
      setCode(traceMergeCommand(files, opts.out as string));
    });
}
