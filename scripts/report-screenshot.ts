/**
 * Produces docs/img/report.png, the README's picture of a real report: runs `cadre verify` on
 * examples/retry-deliv.ts (the paper's counterexample: an omission, then the broadcaster crashes),
 * which writes report.html, opens it in Debian's Chromium through the same helper the browser
 * tests use (test/browser/report-page.ts), clicks the message whose loss breaks the guarantee so
 * its lineage shows, and captures the counterexample section.
 *
 *     node --import tsx scripts/report-screenshot.ts [OUT.png]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../test/browser/chromium.js';
import { openReport } from '../test/browser/report-page.js';
import { cadre } from '../test/cli/run-cadre.js';

const root = join(import.meta.dirname, '..');

/** Runs `cadre verify` on `example` into a fresh directory; returns the report's path. */
export function verifyReport(example: string, dir: string): string {
  const r = cadre('verify', example, '--out', dir);
  if (r.code !== 1)
    throw new Error(
      `cadre verify ${example} should find a counterexample:\n${r.stdout}${r.stderr}`,
    );
  return join(dir, 'report.html');
}

/** Screenshots the first counterexample of `report` into `png` (optionally after clicking message
 * `clickMessage`, to show its lineage highlighted). */
export async function screenshotCounterexample(
  browser: Browser,
  report: string,
  png: string,
  clickMessage?: number,
): Promise<void> {
  const { page, errors } = await openReport(browser, report, { width: 1500, height: 1000 });
  if (errors.length > 0) throw new Error(`console errors in ${report}: ${errors.join('; ')}`);
  const section = page.locator('section.run.counterexample').first();
  if (clickMessage !== undefined)
    await section.locator(`g.msg[data-msg="${clickMessage}"] path.hit`).click({ force: true });
  // The story, the lineage graph and the Lamport diagram side by side: the counterexample at a
  // glance (the tables below it are text).
  const top = await section.boundingBox();
  const views = await section.locator('.views').boundingBox();
  if (top === null || views === null) throw new Error(`no counterexample drawn in ${report}`);
  await page.screenshot({
    path: png,
    fullPage: true,
    clip: {
      x: 0,
      y: top.y - 8,
      width: 1500,
      height: Math.min(views.y + views.height - top.y + 16, 1100),
    },
  });
  await page.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? join(root, 'docs/img/report.png');
  const dir = mkdtempSync(join(tmpdir(), 'cadre-shot-'));
  const browser = await launchChromium();
  try {
    const report = verifyReport('examples/retry-deliv.ts', dir);
    await screenshotCounterexample(browser, report, out);
    console.log(`wrote ${out}`);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
