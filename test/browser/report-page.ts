/**
 * Opening a Cadre HTML report in headless Chromium: shared by the report browser tests, the
 * README screenshot script (scripts/report-screenshot.ts) and the report benchmark, so the
 * picture in the README is produced by the code path the tests check.
 */
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';

/** An opened report: the page, its console errors and every URL it requested. */
export interface OpenedReport {
  readonly page: Page;
  readonly errors: string[];
  readonly requests: string[];
  /** Wall time from navigation to the page's `data-rendered` mark (ms). */
  readonly openMs: number;
  /** What the page measured itself: ms from navigation start to the end of its first drawing. */
  readonly firstRenderMs: number;
}

/** Collects, from now on, the page's console errors and uncaught exceptions, and every URL it
 * requests (the tests assert the page opens offline and without errors). */
export function recordPage(page: Page): { errors: string[]; requests: string[] } {
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  return { errors, requests };
}

/** Opens `file` at `width`×`height` CSS pixels and waits until every diagram is drawn. */
export async function openReport(
  browser: Browser,
  file: string,
  size: { width: number; height: number } = { width: 1400, height: 900 },
): Promise<OpenedReport> {
  const page = await browser.newPage({ viewport: size, deviceScaleFactor: 1 });
  const { errors, requests } = recordPage(page);
  const started = performance.now();
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-rendered="true"]', { timeout: 60_000 });
  const openMs = performance.now() - started;
  const firstRenderMs = await page.evaluate(
    () =>
      (globalThis as unknown as { cadreReport: { firstRenderMs: number } }).cadreReport
        .firstRenderMs,
  );
  return { page, errors, requests, openMs, firstRenderMs };
}
