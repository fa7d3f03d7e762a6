/**
 * Report benchmark (issue 4, item 5): time to generate and to first render an HTML report of a
 * 10k- and a 100k-event run, for a tall diagram (5-node broadcast flood) and a wide one (50-node
 * gossip), workloads from bench/workloads/.
 *
 *   node --import tsx bench/report.ts [--events 10000,100000] [--reps 3]
 *
 * Per run: the simulator writes the trace file (not timed: that is `cadre simulate`'s work); then
 * "generate" is what `cadre report FILE` does: read and parse the trace, rebuild the lineage,
 * build the Lamport model, lay out the lineage graph (Graphviz wasm), render and write the page.
 * "First render" is measured by the page itself in headless Chromium: ms from navigation start
 * to the end of its first drawing (`window.cadreReport.firstRenderMs`); "open" is the wall time
 * from `page.goto` until the page marks itself drawn. "Scroll" is the time to redraw after
 * jumping to the middle of the diagram; "select" the time to jump to the middle event with the
 * page's `event #` box and draw it selected with its lineage and consequences highlighted. Best of
 * R runs (the machine is shared; the best is the least disturbed); the load average is printed.
 *
 * Wall-clock time (performance.now) is fine here: the benchmark is not part of the simulator.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { writeTrace } from '../src/cli/output.js';
import { writeReport } from '../src/cli/report.js';
import type { Spec } from '../src/index.js';
import { loadReportInput } from '../src/report/load.js';
import { runSimulation } from '../src/sim/simulator.js';
import { launchChromium } from '../test/browser/chromium.js';
import { openReport } from '../test/browser/report-page.js';
import { floodSpec } from './workloads/flood.js';
import { gossipSpec } from './workloads/gossip.js';

const TARGET_FIRST_RENDER_MS = 2000;

function parseArgs(argv: readonly string[]): { events: number[]; reps: number } {
  const out = { events: [10_000, 100_000], reps: 3 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--events') out.events = String(argv[++i]).split(',').map(Number);
    else if (argv[i] === '--reps') out.reps = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (use --events N,M --reps R)`);
  }
  if (out.events.some((n) => !(n > 0)) || !(out.reps >= 1))
    throw new Error('--events and --reps must be positive');
  return out;
}

const workloads = [
  { name: '5-node flood', spec: (n: number) => floodSpec(n) as Spec<unknown> },
  { name: '50-node gossip', spec: (n: number) => gossipSpec(n) as Spec<unknown> },
];

interface Sample {
  generateMs: number;
  firstRenderMs: number;
  openMs: number;
  scrollMs: number;
  selectMs: number;
}

/** Jumps to the middle of the first diagram and waits for the redraw (two frames). */
function scrollMiddle(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const g = globalThis as unknown as {
      document: { querySelector(s: string): { scrollTop: number; scrollHeight: number } };
      requestAnimationFrame(f: () => void): void;
      performance: { now(): number };
    };
    const el = g.document.querySelector('.lamport-scroll');
    const t0 = g.performance.now();
    el.scrollTop = el.scrollHeight / 2;
    await new Promise<void>((r) => g.requestAnimationFrame(() => g.requestAnimationFrame(r)));
    return g.performance.now() - t0;
  });
}

/** Jumps to the middle event with the page's `event #` box and waits until it is drawn selected,
 * its lineage and consequences highlighted. */
async function selectMiddle(page: Page, events: number): Promise<number> {
  const middle = Math.floor(events / 2);
  await page.locator('input.goto').first().fill(String(middle));
  const started = performance.now();
  await page.locator('input.goto').first().press('Enter');
  await page.waitForSelector(`g.ev.sel[data-ev="${middle}"]`, { state: 'attached' });
  return performance.now() - started;
}

async function main(): Promise<void> {
  const { events, reps } = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'cadre-bench-report-'));
  const browser = await launchChromium();
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    '| workload | events | messages | trace file | report | generate | first render | open | scroll | select |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  try {
    for (const n of events) {
      for (const w of workloads) {
        const run = runSimulation(w.spec(n), { seed: 1, trace: true });
        const trace = run.trace;
        if (trace === undefined) throw new Error('untraced run');
        const traceFile = join(dir, `${w.name.replace(/\W+/g, '-')}-${n}.trace.jsonl`);
        writeTrace(traceFile, trace);
        const html = traceFile.replace(/\.trace\.jsonl$/, '.html');
        const samples: Sample[] = [];
        for (let r = 0; r < reps; r++) {
          const t0 = performance.now();
          await writeReport(loadReportInput(traceFile), html);
          const generateMs = performance.now() - t0;
          const opened = await openReport(browser, html);
          if (opened.errors.length > 0)
            throw new Error(`console errors: ${opened.errors.join('; ')}`);
          const scrollMs = await scrollMiddle(opened.page);
          const selectMs = await selectMiddle(opened.page, trace.eventCount);
          samples.push({
            generateMs,
            firstRenderMs: opened.firstRenderMs,
            openMs: opened.openMs,
            scrollMs,
            selectMs,
          });
          await opened.page.close();
        }
        const best = (k: keyof Sample) => Math.min(...samples.map((s) => s[k]));
        const mib = (f: string) => `${(statSync(f).size / (1 << 20)).toFixed(1)} MiB`;
        console.log(
          `| ${w.name} | ${trace.eventCount.toLocaleString('en-US')} | ${trace.messageCount.toLocaleString('en-US')} | ${mib(traceFile)} | ${mib(html)} | ${best('generateMs').toFixed(0)} ms | ${best('firstRenderMs').toFixed(0)} ms | ${best('openMs').toFixed(0)} ms | ${best('scrollMs').toFixed(0)} ms | ${best('selectMs').toFixed(0)} ms |`,
        );
        if (trace.eventCount >= 100_000 && best('firstRenderMs') > TARGET_FIRST_RENDER_MS)
          console.log(`  over the ${TARGET_FIRST_RENDER_MS} ms first-render target`);
      }
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

await main();
