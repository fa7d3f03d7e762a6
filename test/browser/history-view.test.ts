/**
 * The linearizability HTML view in a real browser (Debian's Chromium via playwright-core): the page
 * opens from disk with no network and no console errors, draws one track per client, numbers the
 * linearisation, and marks the operation that could not be linearised.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { renderLinearizabilityHtml } from '../../src/check/html-view.js';
import { checkOperations } from '../../src/check/linearizable.js';
import { registerModel } from '../../src/check/models/register.js';
import { ops } from '../check/helpers.js';
import { browserUnavailable, launchChromium } from './chromium.js';
import { recordPage } from './report-page.js';

const skip = browserUnavailable();
let browser: Browser | undefined;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cadre-browser-'));
  if (skip === undefined) browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

const reg = registerModel();

/** Writes the page for `history` and opens it; returns the page and its console errors. */
async function open(name: string, history: Parameters<typeof ops>[0]) {
  const html = renderLinearizabilityHtml(reg, checkOperations(reg, ops(history)), name);
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  const page = await (browser as Browser).newPage();
  const { errors, requests } = recordPage(page);
  await page.goto(pathToFileURL(file).href);
  return { page, errors, requests };
}

test('a stale read: red breaking operation, longest partial linearisation numbered', {
  skip,
}, async () => {
  const { page, errors, requests } = await open('stale-read', [
    { p: 'a', f: 'write', in: 1, call: 0, ret: 1 },
    { p: 'b', f: 'write', in: 2, call: 2, ret: 3 },
    { p: 'c', f: 'read', out: 1, call: 4, ret: 5 },
  ]);
  assert.deepEqual(errors, []);
  assert.ok(
    requests.every((u) => u.startsWith('file:')),
    `network requests: ${requests.join(' ')}`,
  );
  assert.equal(await page.locator('h1 .verdict-not-linearizable').count(), 1);
  assert.equal(await page.locator('.track').count(), 3, 'one track per client');
  const procs = await page.locator('.track .proc').allTextContents();
  assert.deepEqual(procs, ['a', 'b', 'c']);
  const blocked = page.locator('.op.blocked');
  assert.equal(await blocked.count(), 1);
  assert.match((await blocked.getAttribute('title')) ?? '', /c read/);
  const box = await blocked.boundingBox();
  assert.ok(box !== null && box.width > 0 && box.height > 0, 'the breaking op is drawn');
  // Runs in the page; Node's typings have no DOM, hence the narrow cast.
  const color = await blocked.evaluate(
    (el) =>
      (
        globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
      ).getComputedStyle(el).backgroundColor,
  );
  assert.equal(color, 'rgb(207, 34, 46)', 'drawn red');
  const numbers = await page.locator('.op:not(.outside)').allTextContents();
  assert.deepEqual(numbers.filter((n) => n !== '').sort(), ['1', '2']);
  assert.match((await page.locator('pre').textContent()) ?? '', /could not linearise: .*c read/);
  await page.close();
});

test('a linearizable history: every operation numbered in the order found', { skip }, async () => {
  const { page, errors } = await open('ok', [
    { p: 'a', f: 'write', in: 1, call: 0, ret: 10 },
    { p: 'b', f: 'read', out: null, call: 1, ret: 2 },
    { p: 'b', f: 'read', out: 1, call: 3, ret: 4 },
  ]);
  assert.deepEqual(errors, []);
  assert.equal(await page.locator('h1 .verdict-linearizable').count(), 1);
  assert.equal(await page.locator('.op.blocked').count(), 0);
  const labels = await page.locator('.op').allTextContents();
  assert.deepEqual([...labels].sort(), ['1', '2', '3']);
  await page.close();
});
