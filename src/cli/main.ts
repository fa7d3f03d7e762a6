import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { SimulationError } from '../core/errors.js';
import { LdfiError } from '../ldfi/verify.js';
import { parsePositive, parseSeed, parseSeedRange, parseWhole, setOptions } from './args.js';
import { registerCacheCommands } from './cache.js';
import { type CheckHistoryOptions, checkHistoryCommand } from './check-history.js';
import { EXIT_ERROR, UsageError } from './errors.js';
import { registerKvCommands } from './kv.js';
import { type ReplayOptions, replay } from './replay.js';
import { type ReportCliOptions, reportCommand } from './report.js';
import { registerRuntimeCommands } from './runtime-commands.js';
import { type SimulateOptions, simulate } from './simulate.js';
import { type Strategy, type VerifyCliOptions, verifyCommand } from './verify.js';

/**
 * The `cadre` command line. Returns the exit code (0 pass, 1 guarantee violated, 2 bad input or
 * error) instead of exiting, so that output streams drain and tests can call it.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = new Command('cadre')
    .description('Cadre: simulate distributed protocols deterministically under injected faults.')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) });

  program
    .command('simulate')
    .description(
      'run a spec for one seed (--seed) or a range of seeds (--seeds); print the verdict and write the run data',
    )
    .argument('<spec>', 'spec file (.ts or .js) with `export default defineSpec({...})`')
    .addOption(
      new Option('--seed <n>', 'run one seed, traced').argParser(parseSeed).conflicts('seeds'),
    )
    .addOption(
      new Option('--seeds <A..B>', 'run seeds A to B inclusive (a campaign)').argParser(
        parseSeedRange,
      ),
    )
    .option('--stop-at-first', 'stop the campaign at the first failing seed')
    .option('--shrink', "shrink the first failing seed's fault plan to a minimal one")
    .option('--out <dir>', 'where to write traces and summaries (default: cadre-out/<spec name>)')
    .action(async (spec: string, opts: Record<string, unknown>) => {
      code = await simulate(spec, {
        ...setOptions<SimulateOptions>(opts, ['seed', 'seeds', 'out']),
        stopAtFirst: opts.stopAtFirst === true,
        shrink: opts.shrink === true,
      });
    });

  program
    .command('replay')
    .description('run one seed again with the full trace, optionally with a fault plan from a file')
    .argument('<spec>', 'spec file (.ts or .js)')
    .requiredOption('--seed <n>', 'the seed to replay', parseSeed)
    .option(
      '--plan <file>',
      'fault plan JSON ({"faults": [...]} or [...]); replaces the spec faults',
    )
    .option('--out <dir>', 'where to write the trace (default: cadre-out/<spec name>)')
    .option('--eot <n>', 'override the end of time (ticks, or the horizon in ms)', parsePositive)
    .action(async (spec: string, opts: Record<string, unknown>) => {
      code = await replay(spec, {
        seed: opts.seed as number,
        ...setOptions<ReplayOptions>(opts, ['eot', 'plan', 'out']),
      });
    });

  program
    .command('verify')
    .description(
      'lineage-driven fault injection: find a minimal fault set that breaks a guarantee, or verify within (EOT, EFF, crashes)',
    )
    .argument('<spec>', 'spec file (.ts or .js)')
    .option(
      '--eot <n>',
      "end of time (ticks; ms in the async model); default: the spec's",
      parsePositive,
    )
    .option(
      '--eff <n>',
      'end of finite failures: omissions only before it; default: spec.ldfi.eff or 0',
      parseWhole,
    )
    .option(
      '--crashes <n>',
      'most nodes that may crash; default: spec.ldfi.crashes or 0',
      parseWhole,
    )
    .addOption(
      new Option('--strategy <name>', 'search strategy')
        .choices(['ldfi', 'random', 'exhaustive', 'sweep'])
        .default('ldfi'),
    )
    .option('--find-all', 'keep going after the first counterexample')
    .option(
      '--budget-s <n>',
      'wall-clock budget in seconds (verdict incomplete when spent); default 120',
      parsePositive,
    )
    .option('--random-seeds <n>', 'seeds averaged by --strategy random; default 25', parsePositive)
    .option('--out <dir>', 'where to write the run data (default: cadre-out/<spec name>)')
    .action(async (spec: string, opts: Record<string, unknown>) => {
      code = await verifyCommand(spec, {
        strategy: opts.strategy as Strategy,
        ...setOptions<VerifyCliOptions>(opts, [
          'eot',
          'eff',
          'crashes',
          'budgetS',
          'randomSeeds',
          'out',
        ]),
        findAll: opts.findAll === true,
      });
    });

  program
    .command('check-history')
    .description(
      'check a history (Jepsen log, Jepsen EDN, JSON lines or JSON) for linearizability: exit 0 yes, 1 no, 2 unknown or error',
    )
    .argument('<file>', 'history file')
    .requiredOption('--model <name>', 'register, cas-register, kv, set or queue')
    .addOption(
      new Option('--format <format>', 'input format (default: detected)').choices([
        'jepsen-log',
        'edn',
        'jsonl',
        'json',
      ]),
    )
    .option(
      '--budget-s <n>',
      'wall-clock budget in seconds (then: unknown); default 60',
      parsePositive,
    )
    .option('--kv-absent <json>', 'kv: what a read of a missing key returns (default null)')
    .option('--html <file>', 'write an HTML view of the history and the verdict')
    .action((file: string, opts: Record<string, unknown>) => {
      code = checkHistoryCommand(file, {
        model: opts.model as string,
        ...setOptions<CheckHistoryOptions>(opts, ['format', 'budgetS', 'kvAbsent', 'html']),
      });
    });

  program
    .command('report')
    .description(
      'render saved run data (a `cadre verify` output directory, or a *.trace.jsonl) as one self-contained HTML report',
    )
    .argument(
      '<data>',
      'verify output directory (with verify.json), verify.json, or a *.trace.jsonl',
    )
    .option(
      '--out <file>',
      'where to write the page (default: report.html in the directory, or <stem>.report.html)',
    )
    .option('--open', 'open the report in the default browser')
    .action(async (data: string, opts: Record<string, unknown>) => {
      code = await reportCommand(data, {
        open: opts.open === true,
        ...setOptions<ReportCliOptions>(opts, ['out']),
      });
    });

  registerRuntimeCommands(program, (c) => {
    code = c;
  });
  registerKvCommands(program, (c) => {
    code = c;
  });
  registerCacheCommands(program, (c) => {
    code = c;
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    return reportError(e);
  }
}

/** User mistakes and run errors: one line, no stack. Anything else is a bug worth a stack. */
function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    // Commander has already printed the message (or the help or version).
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
    return EXIT_ERROR;
  }
  if (e instanceof UsageError || e instanceof SimulationError || e instanceof LdfiError) {
    process.stderr.write(`error: ${e.message}\n`);
    return EXIT_ERROR;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(
    `error: ${err.message}\n(an unexpected error: in the spec's code, or a bug in cadre)\n${err.stack ?? ''}\n`,
  );
  return EXIT_ERROR;
}

function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
