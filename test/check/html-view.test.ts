/** The HTML view: self-contained, one track per client, the linearisation and the breaking op. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateHistory } from '../../src/check/generate-history.js';
import { HTML_OPS_MAX, renderLinearizabilityHtml } from '../../src/check/html-view.js';
import { checkHistory, checkOperations } from '../../src/check/linearizable.js';
import { kvModel } from '../../src/check/models/kv.js';
import { registerModel } from '../../src/check/models/register.js';
import { ops } from './helpers.js';

const reg = registerModel();

/** The bars of the page: [classes, label, tooltip]. */
function bars(html: string): [string, string, string][] {
  return [
    ...html.matchAll(/<div class="op ([^"]*)" style="[^"]*" title="([^"]*)">([^<]*)<\/div>/g),
  ].map((m) => [m[1] as string, m[3] as string, m[2] as string]);
}

describe('HTML view', () => {
  it('is self-contained: no script, no external resource', () => {
    const r = checkOperations(reg, ops([{ p: 'a', f: 'write', in: 1, call: 0, ret: 1 }]));
    const html = renderLinearizabilityHtml(reg, r, 't');
    assert.match(html, /^<!doctype html>/);
    assert.doesNotMatch(html, /<script|<link|https?:|src=|url\(/i);
  });

  it('draws a track per client and numbers the linearisation found', () => {
    const all = ops([
      { p: 'a', f: 'write', in: 1, call: 0, ret: 10 },
      { p: 'b', f: 'read', out: null, call: 1, ret: 2 },
      { p: 'b', f: 'read', out: 1, call: 3, ret: 4 },
    ]);
    const html = renderLinearizabilityHtml(reg, checkOperations(reg, all), 'ok <history>');
    assert.equal((html.match(/class="track"/g) ?? []).length, 2);
    assert.match(html, /ok &#60;history&#62;: <span class="verdict-linearizable">/);
    const labels = bars(html).map(([, label, tip]) => `${label}:${tip.split(' — ')[0]}`);
    assert.deepEqual(labels, [
      '2:op 0 a write(1) -&#62; null [0..10]',
      '1:op 1 b read(null) -&#62; null [1..2]',
      '3:op 2 b read(null) -&#62; 1 [3..4]',
    ]);
  });

  it('marks the operation that could not be linearised and the longest partial linearisation', () => {
    const all = ops([
      { p: 'a', f: 'write', in: 1, call: 0, ret: 1 },
      { p: 'a', f: 'write', in: 2, call: 2, ret: 3 },
      { p: 'b', f: 'read', out: 1, call: 4, ret: 5 },
      { p: 'c', f: 'write', in: 3, call: 0, status: 'info' },
    ]);
    const html = renderLinearizabilityHtml(reg, checkOperations(reg, all));
    const drawn = bars(html);
    assert.deepEqual(
      drawn.map(([classes, label]) => `${classes}|${label}`),
      ['ok|1', 'ok|2', 'ok outside blocked|', 'info outside|'],
    );
    assert.match(html, /could not linearise: op 2 b read\(null\) -&#62; 1/);
  });

  it('draws at most HTML_OPS_MAX operations of a partition', () => {
    const h = generateHistory({ workload: 'kv', ops: 3000, clients: 5, keys: 1, seed: 3 });
    const html = renderLinearizabilityHtml(kvModel(), checkHistory(kvModel(), h));
    assert.equal(bars(html).length, HTML_OPS_MAX);
    assert.match(html, new RegExp(`\\(${HTML_OPS_MAX} of \\d+ drawn\\)`));
  });
});
