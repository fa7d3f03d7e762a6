/**
 * The LDFI paper's Fig. 12 and Fig. 13, side by side with ours.
 *
 * For every program ported in examples/ldfi-paper/: the paper's parameters, the combinations
 * (Molly's grossEstimate), Molly's executions, ours (counted as Molly counts them: the
 * failure-free run included), the random baseline's mean over 25 seeds (Fig. 12 rows), and our
 * wall time. Prints a Markdown table for docs/BENCHMARKS.md.
 *
 * Usage: node --import tsx bench/ldfi-table.ts [--random-seeds N] [--only name,name]
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Spec } from '../src/core/spec.js';
import { randomBaseline } from '../src/ldfi/strategies.js';
import { verify } from '../src/ldfi/verify.js';

interface Row {
  readonly program: string;
  readonly file: string;
  readonly fig: '12' | '13';
  readonly eot: number;
  readonly eff: number;
  readonly crashes: number;
  /** The paper's verdict at these parameters. */
  readonly expected: 'counterexample' | 'verified';
  readonly mollyRuns: number;
  /** The paper's random baseline mean (Fig. 12 only). */
  readonly paperRandom?: number;
}

const rows: readonly Row[] = [
  {
    program: 'simple-deliv',
    file: 'simple-deliv',
    fig: '12',
    eot: 4,
    eff: 2,
    crashes: 0,
    expected: 'counterexample',
    mollyRuns: 2,
    paperRandom: 4.08,
  },
  {
    program: 'retry-deliv',
    file: 'retry-deliv',
    fig: '12',
    eot: 4,
    eff: 2,
    crashes: 1,
    expected: 'counterexample',
    mollyRuns: 3,
    paperRandom: 75.24,
  },
  {
    program: 'classic-deliv',
    file: 'classic-deliv',
    fig: '12',
    eot: 5,
    eff: 3,
    crashes: 0,
    expected: 'counterexample',
    mollyRuns: 5,
    paperRandom: 116.16,
  },
  {
    program: '2pc',
    file: '2pc',
    fig: '12',
    eot: 5,
    eff: 0,
    crashes: 1,
    expected: 'counterexample',
    mollyRuns: 2,
    paperRandom: 5.48,
  },
  {
    program: '2pc-ctp',
    file: '2pc-ctp',
    fig: '12',
    eot: 8,
    eff: 0,
    crashes: 1,
    expected: 'counterexample',
    mollyRuns: 3,
    paperRandom: 8.56,
  },
  {
    program: '3pc',
    file: '3pc',
    fig: '12',
    eot: 9,
    eff: 7,
    crashes: 1,
    expected: 'counterexample',
    mollyRuns: 55,
    paperRandom: 40.6,
  },
  {
    program: 'kafka',
    file: 'kafka',
    fig: '12',
    eot: 6,
    eff: 4,
    crashes: 1,
    expected: 'counterexample',
    mollyRuns: 38,
    paperRandom: 1183.12,
  },
  {
    program: 'redun-deliv',
    file: 'redun-deliv',
    fig: '13',
    eot: 11,
    eff: 10,
    crashes: 1,
    expected: 'verified',
    mollyRuns: 11,
  },
  {
    program: 'ack-deliv',
    file: 'ack-deliv',
    fig: '13',
    eot: 8,
    eff: 7,
    crashes: 1,
    expected: 'verified',
    mollyRuns: 673,
  },
  {
    program: 'paxos-synod',
    file: 'paxos-synod',
    fig: '13',
    eot: 7,
    eff: 6,
    crashes: 1,
    expected: 'verified',
    mollyRuns: 173,
  },
];

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const randomSeeds = Number(flag('--random-seeds') ?? 25);
  const only = flag('--only')?.split(',');
  const lines = [
    '| Program | Fig | EOT/EFF/crashes | Combinations | Verdict (ours / paper) | Molly exe | **Ours exe** | Random mean (ours / paper) | Ours wall |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const started = performance.now();
  let ldfiSeconds = 0;
  for (const row of rows) {
    if (only !== undefined && !only.includes(row.program)) continue;
    const path = resolve('examples/ldfi-paper', `${row.file}.ts`);
    if (!existsSync(path)) {
      lines.push(
        `| ${row.program} | ${row.fig} | ${row.eot}/${row.eff}/${row.crashes} | – | not ported | ${row.mollyRuns} | – | – | – |`,
      );
      continue;
    }
    const spec = ((await import(pathToFileURL(path).href)) as { default: Spec<unknown> }).default;
    const params = { eot: row.eot, eff: row.eff, crashes: row.crashes };
    const t0 = performance.now();
    const result = verify(spec, params);
    const wall = (performance.now() - t0) / 1000;
    ldfiSeconds += wall;
    let random = '–';
    if (row.fig === '12') {
      const r = randomBaseline(spec, params, randomSeeds);
      random = `${r.meanRuns.toFixed(2)} / ${row.paperRandom ?? '–'}`;
    }
    const verdictOk = result.verdict === row.expected ? '' : ' ⚠';
    const runsOk = result.runs <= row.mollyRuns ? '' : ' ⚠';
    lines.push(
      `| ${row.program} | ${row.fig} | ${row.eot}/${row.eff}/${row.crashes} | ${result.combinations.toPrecision(3)} | ` +
        `${result.verdict} / ${row.expected}${verdictOk} | ${row.mollyRuns} | **${result.runs}**${runsOk} | ${random} | ${wall.toFixed(2)} s |`,
    );
    process.stderr.write(
      `${row.program}: ${result.verdict} in ${result.runs} runs (${wall.toFixed(2)} s)\n`,
    );
  }
  const total = (performance.now() - started) / 1000;
  console.log(lines.join('\n'));
  console.log(
    `\nLDFI total: ${ldfiSeconds.toFixed(2)} s; whole table with the random baselines: ${total.toFixed(2)} s (node ${process.version}).`,
  );
}

await main();
