/**
 * Reports in a real browser (Debian's Chromium via playwright-core): real `cadre verify` reports
 * of the paper's counterexamples open from disk with no console errors and no network, draw one
 * column per node and one arrow per message, mark lost messages (dashed red, with the reason) and
 * crashes, highlight what the counterexample's faults did (in the diagram and on the lineage
 * graph), and highlight the lineage and the consequences of what is clicked. A bigger run checks
 * that only the rows in view are drawn. Screenshots go to test-output/ (gitignored).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { floodSpec } from '../../bench/workloads/flood.js';
import { verifyReport } from '../../scripts/report-screenshot.js';
import { writeTrace } from '../../src/cli/output.js';
import { writeReport } from '../../src/cli/report.js';
import type { Spec } from '../../src/index.js';
import { loadReportInput } from '../../src/report/load.js';
import { runSimulation } from '../../src/sim/simulator.js';
import { cadre } from '../cli/run-cadre.js';
import { browserUnavailable, launchChromium } from './chromium.js';
import { openReport } from './report-page.js';

const skip = browserUnavailable();
const shots = join(import.meta.dirname, '../../test-output');
let browser: Browser | undefined;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cadre-report-browser-'));
  mkdirSync(shots, { recursive: true });
  if (skip === undefined) browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a report and checks the page is clean: no console errors, nothing but file: URLs. */
async function open(file: string): Promise<Page> {
  const { page, errors, requests } = await openReport(browser as Browser, file);
  assert.deepEqual(errors, []);
  assert.ok(
    requests.every((u) => u.startsWith('file:') || u.startsWith('blob:')),
    `network requests: ${requests.join(' ')}`,
  );
  return page;
}

const classes = async (l: Locator) => ((await l.getAttribute('class')) ?? '').split(/\s+/);

/** Stroke colour and dash pattern as drawn. */
function stroke(l: Locator): Promise<{ color: string; dash: string }> {
  return l.evaluate((el) => {
    const s = (
      globalThis as unknown as {
        getComputedStyle(e: unknown): { stroke: string; strokeDasharray: string };
      }
    ).getComputedStyle(el);
    return { color: s.stroke, dash: s.strokeDasharray };
  });
}

describe('retry-deliv counterexample (O(a,b,1) + C(a,2))', { skip }, () => {
  let page: Page;
  let ce: Locator;
  before(async () => {
    page = await open(verifyReport('examples/retry-deliv.ts', join(dir, 'rd')));
    ce = page.locator('section.run.counterexample');
  });
  after(() => page?.close());

  test('verdict, faults and the runs table', async () => {
    assert.equal(await page.locator('#verdict').textContent(), 'COUNTEREXAMPLE');
    const chips = await page.locator('.headline .fault-chip').allTextContents();
    assert.deepEqual(chips.sort(), ['C(a,2,send-omission)', 'O(a,b,1)']);
    assert.equal(await page.locator('.runs-table tbody tr').count(), 2);
  });

  test('one column per node, one arrow per message, lost ones dashed red with the reason', async () => {
    assert.deepEqual(await ce.locator('.col-head').allTextContents(), ['a', 'b', 'c']);
    assert.equal(await ce.locator('g.msg').count(), 9, 'the input and 8 sends');
    assert.equal(await ce.locator('g.msg.lost').count(), 7);
    assert.equal(await ce.locator('g.msg.lost[data-reason="omission"]').count(), 1);
    assert.equal(await ce.locator('g.msg.lost[data-reason="sender-crashed"]').count(), 6);
    const line = await stroke(ce.locator('g.msg.lost path.line').first());
    assert.equal(line.color, 'rgb(207, 34, 46)', 'red');
    assert.notEqual(line.dash, 'none', 'dashed');
    assert.equal(await ce.locator('g.msg.lost .x-mark').count(), 7, 'each lost message ends in ✕');
  });

  test('the crash is marked on a’s column, and the faults are highlighted', async () => {
    const crash = ce.locator('g.ev.crash');
    assert.equal(await crash.count(), 1);
    assert.ok((await classes(crash)).includes('fault-hit'));
    assert.match((await crash.textContent()) ?? '', /CRASH \[C\(a,2\)\].*sends lost/);
    const a = await ce.locator('.col-head', { hasText: /^a$/ }).boundingBox();
    const mark = await crash.locator('path.crash-x').boundingBox();
    assert.ok(a !== null && mark !== null);
    assert.ok(Math.abs(mark.x + mark.width / 2 - (a.x + a.width / 2)) < 2, 'on a’s column');
    assert.equal(await ce.locator('line.down.send-omission[data-col="0"]').count(), 1);
    assert.equal(await ce.locator('g.msg.fault-hit[data-fault="O(a,b,1)"]').count(), 1);
    assert.equal(await ce.locator('g.msg.fault-hit[data-fault="C(a,2,send-omission)"]').count(), 6);
    // The lineage graph of the vanished outcome in the failure-free run, cut by both faults.
    const graph = ce.locator('.lineage-view svg');
    assert.equal(await graph.locator('g.node.fact.vanished').count(), 1);
    assert.match(
      (await graph.locator('g.node.vanished').textContent()) ?? '',
      /log\("b", "hello"\)/,
    );
    assert.equal(await graph.locator('g.node.fault').count(), 2);
    assert.equal(await graph.locator('g.node.cut').count(), 3);
    await ce.screenshot({ path: join(shots, 'report-retry-deliv-counterexample.png') });
  });

  test('clicking a message highlights its lineage and its consequences', async () => {
    // a→c at t=1, delivered: sent by a's bcast delivery (event 3), delivered to c (event 5).
    await ce.locator('g.msg[data-msg="2"] path.hit').click({ force: true });
    assert.ok((await classes(ce.locator('g.msg[data-msg="2"]'))).includes('sel'));
    assert.ok((await classes(ce.locator('g.ev[data-ev="3"]'))).includes('lin'));
    assert.ok((await classes(ce.locator('g.ev[data-ev="5"]'))).includes('con'));
    assert.equal(await ce.locator('g.ev.lin').count(), 1);
    assert.match((await ce.locator('.lamport-detail').textContent()) ?? '', /message #2 · a → c/);
  });

  test('the embedded diagram JSON downloads from the page alone', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      ce.locator('button.download-json').click(),
    ]);
    assert.equal(download.suggestedFilename(), 'model-counterexample-1.json');
    const file = join(dir, 'downloaded.json');
    await download.saveAs(file);
    const model = JSON.parse(readFileSync(file, 'utf8')) as { columns: string[] };
    assert.deepEqual(model.columns, ['a', 'b', 'c']);
  });

  test('clicking a cut message in the lineage graph finds it in the failure-free run', async () => {
    const cut = ce.locator('.lineage-view g.node.message.cut', { hasText: 'a→b @1' });
    assert.equal(await cut.count(), 1);
    await cut.click();
    const good = page.locator('section.run.good');
    const selected = good.locator('g.msg.sel');
    assert.equal(await selected.count(), 1);
    assert.match((await good.locator('.lamport-detail').textContent()) ?? '', /a → b · sent by #3/);
    await good.locator('button.clear-btn').click();
  });

  test('in the good run, an event’s lineage runs back through the re-send timers', async () => {
    const good = page.locator('section.run.good');
    // The last `log hello` delivery (t=4): a re-send armed by a's timers, which read bcast/hello.
    const last = good.locator('g.ev.deliver').filter({ hasText: 'log hello' }).last();
    await last.locator('circle').click();
    const lin = await good
      .locator('g.ev.lin')
      .evaluateAll((els) =>
        els.map((e) =>
          Number((e as unknown as { getAttribute(n: string): string }).getAttribute('data-ev')),
        ),
      );
    assert.ok(lin.length >= 3, `lineage events ${lin}`);
    const kinds = await good
      .locator('g.ev.lin')
      .evaluateAll((els) =>
        els.map((e) => (e as unknown as { getAttribute(n: string): string }).getAttribute('class')),
      );
    assert.ok(
      kinds.some((k) => k.includes('timer')),
      'through a re-send timer',
    );
    assert.ok(
      kinds.some((k) => k.includes('deliver')),
      'back to the bcast delivery',
    );
    assert.ok((await good.locator('g.msg.lin').count()) >= 1, 'the message that carried it');
    await good.screenshot({ path: join(shots, 'report-retry-deliv-good-run.png') });
  });
});

describe('2pc counterexample (the coordinator crashes, LDFI paper)', { skip }, () => {
  test('the coordinator’s crash, its lost decisions, and the vanished commits', async () => {
    const page = await open(verifyReport('examples/ldfi-paper/2pc.ts', join(dir, '2pc')));
    const ce = page.locator('section.run.counterexample');
    assert.deepEqual(await ce.locator('.col-head').allTextContents(), ['a', 'b', 'C', 'd']);
    const crash = ce.locator('g.ev.crash.fault-hit');
    assert.equal(await crash.count(), 1);
    assert.match((await crash.textContent()) ?? '', /CRASH \[C\(C,2\)\]/);
    assert.equal(await ce.locator('line.down.send-omission[data-col="2"]').count(), 1);
    const lost = await ce.locator('g.msg.lost').count();
    assert.ok(lost > 0);
    assert.equal(
      await ce.locator('g.msg.lost.fault-hit').count(),
      await ce.locator('g.msg.lost[data-reason="sender-crashed"]').count(),
      'every message the crash lost is tied to the fault',
    );
    const vanished = await ce.locator('.lineage-view g.node.vanished').allTextContents();
    assert.ok(vanished.length >= 1 && vanished.every((t) => /commit/.test(t)), vanished.join());
    assert.ok((await ce.locator('.lineage-view g.node.cut').count()) >= 1);
    await ce.screenshot({ path: join(shots, 'report-2pc-counterexample.png') });
    await page.close();
  });
});

describe('a 10,000-event run (5-node flood)', { skip }, () => {
  test('only the rows in view are drawn; jumping to the last event draws it', async () => {
    const run = runSimulation(floodSpec(10_000) as Spec<unknown>, { seed: 1, trace: true });
    assert.ok(run.trace !== undefined && run.trace.eventCount > 9_000);
    const traceFile = join(dir, 'flood.trace.jsonl');
    writeTrace(traceFile, run.trace);
    const html = join(dir, 'flood.html');
    await writeReport(loadReportInput(traceFile), html);
    const page = await open(html);
    const drawn = await page.locator('g.ev').count();
    assert.ok(drawn > 0 && drawn < 1_000, `${drawn} events in the DOM`);
    const last = run.trace.eventCount - 1;
    await page.locator('input.goto').fill(String(last));
    await page.locator('button.goto-btn').click();
    await page.waitForSelector(`g.ev.sel[data-ev="${last}"]`);
    assert.ok((await page.locator('g.ev').count()) < 1_000);
    assert.match(
      (await page.locator('.lamport-detail').textContent()) ?? '',
      new RegExp(`event #${last}`),
    );
    await page.screenshot({ path: join(shots, 'report-flood-10k.png') });
    await page.close();
  });
});

describe('a failing cadre simulate: leader-election-buggy seed 108 (async, crash-restarts, a partition)', {
  skip,
}, () => {
  test('restarts, down spans, the partition and the violation, shown where the page opens', async () => {
    const out = join(dir, 'le');
    const r = cadre('simulate', 'examples/leader-election-buggy.ts', '--seed', '108', '--out', out);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const page = await open(join(out, 'seed-108.report.html'));
    const run = page.locator('section.run');
    assert.deepEqual(await run.locator('.col-head').allTextContents(), ['n1', 'n2', 'n3']);
    // The page opens where the invariant broke: the second leader of term 1 (event 21).
    assert.ok(await run.locator('g.ev.violation[data-ev="21"]').isVisible());
    // Drawn rows depend on the scroll position; jump to the top to see the crashes.
    await page.locator('input.goto').fill('0');
    await page.locator('button.goto-btn').click();
    assert.equal(await run.locator('g.ev.crash.fault-hit').count(), 3);
    assert.equal(
      await run.locator('line.down.stopped').count(),
      3,
      'each crashed node down until its restart',
    );
    const partition = run.locator('g.ev.fault .cluster-label');
    assert.match((await partition.textContent()) ?? '', /partition\(n1\|n3\+n2@165\.\.186\)/);
    assert.ok((await run.locator('g.msg.lost[data-reason="receiver-down"]').count()) >= 1);
    // Selected, the violation's details say what broke.
    await page.locator('input.goto').fill('21');
    await page.locator('button.goto-btn').click();
    const violation = run.locator('g.ev.violation[data-ev="21"]');
    assert.equal(await violation.count(), 1);
    assert.ok(await violation.isVisible());
    assert.match(
      (await run.locator('.lamport-detail').textContent()) ?? '',
      /at-most-one-leader-per-term violated: two leaders in term 1/,
    );
    await run.screenshot({ path: join(shots, 'report-leader-election-buggy.png') });
    await page.close();
  });
});
