import { describeOperation } from './explain.js';
import type { LinearizabilityResult, PartitionResult } from './linearizable.js';
import type { AnyModel } from './model.js';
import type { Operation } from './operations.js';

/** Most operations drawn per partition: beyond that, the ones nearest the failure (or the
 * first ones, for a linearizable partition) are kept so the page stays usable. */
export const HTML_OPS_MAX = 1_000;

/** Most partitions drawn: the failing one first, then the others in order. */
export const HTML_PARTITIONS_MAX = 5;

function htmlText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A self-contained HTML page (inline CSS, no script, no network) showing a linearizability
 * verdict: per partition, one track per client with its operations as bars over time (blue ok,
 * orange unknown, grey failed), each labelled with its position in the linearisation found — or,
 * when the partition is not linearizable, in the longest partial linearisation, with the
 * operation that could not be linearised in red. Hovering a bar shows the operation.
 */
export function renderLinearizabilityHtml(
  model: AnyModel,
  result: LinearizabilityResult,
  title = 'history',
): string {
  const parts = [...result.partitions].sort(
    (a, b) => Number(b.verdict !== 'linearizable') - Number(a.verdict !== 'linearizable'),
  );
  const sections = parts.slice(0, HTML_PARTITIONS_MAX).map((p) => partition(model, result, p));
  const more = result.partitions.length - sections.length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${htmlText(title)}: ${result.verdict}</title>
<style>
body{font:13px system-ui,sans-serif;margin:16px;color:#222}
h1{font-size:18px}h2{font-size:15px;margin-top:24px}
.verdict-linearizable{color:#1a7f37}.verdict-not-linearizable{color:#cf222e}.verdict-unknown{color:#9a6700}
.track{position:relative;height:22px;border-bottom:1px solid #eee}
.proc{position:absolute;left:0;width:90px;overflow:hidden;white-space:nowrap;line-height:22px}
.lane{position:absolute;left:96px;right:0;top:0;bottom:0}
.op{position:absolute;top:3px;height:16px;min-width:3px;border-radius:3px;font-size:10px;line-height:16px;
color:#fff;overflow:hidden;white-space:nowrap;text-align:center}
.ok{background:#0969da}.info{background:#d4a72c;opacity:.75}.fail{background:#8c959f}
.outside{opacity:.35}.blocked{background:#cf222e!important;opacity:1}
pre{background:#f6f8fa;padding:8px;white-space:pre-wrap}
</style></head><body>
<h1>${htmlText(title)}: <span class="verdict-${result.verdict}">${result.verdict}</span></h1>
<p>${result.ops.length} operations, ${result.dropped} dropped (failed or no-op), ${result.partitions.length} partition(s) searched, ${result.steps} steps.
Bars: blue ok, orange unknown result, grey failed; numbers: position in the linearisation (or the longest partial one); red: could not be linearised.</p>
${sections.join('\n')}
${more > 0 ? `<p>${more} more partition(s) not drawn.</p>` : ''}
</body></html>
`;
}

function partition(model: AnyModel, result: LinearizabilityResult, p: PartitionResult): string {
  const order = p.linearization ?? p.longest ?? [];
  const position = new Map(order.map((id, i) => [id, i + 1]));
  const blocked = p.blocked === undefined ? undefined : result.ops[p.blocked];
  let ops = p.ops.map((id) => result.ops[id] as Operation);
  if (ops.length > HTML_OPS_MAX) {
    const centre = blocked?.call ?? (ops[0] as Operation).call;
    ops = [...ops]
      .sort((a, b) => Math.abs(a.call - centre) - Math.abs(b.call - centre))
      .slice(0, HTML_OPS_MAX)
      .sort((a, b) => a.call - b.call);
  }
  const finite = ops.flatMap((o) => (Number.isFinite(o.ret) ? [o.call, o.ret] : [o.call]));
  const t0 = Math.min(...finite);
  const t1 = Math.max(...finite) + 1;
  const x = (t: number) => (((Math.min(t, t1) - t0) / (t1 - t0)) * 100).toFixed(3);
  const processes = [...new Set(ops.map((o) => o.process))].sort();
  const tracks = processes.map((proc) => {
    const bars = ops
      .filter((o) => o.process === proc)
      .map((o) => {
        const n = position.get(o.id);
        const classes = [o.status, n === undefined ? 'outside' : '', o === blocked ? 'blocked' : '']
          .filter((c) => c !== '')
          .join(' ');
        const left = x(o.call);
        const width = Math.max(0, Number(x(o.ret)) - Number(left)).toFixed(3);
        const tip = `${describeOperation(model, o)}${n === undefined ? '' : ` — linearised #${n}`}`;
        return `<div class="op ${classes}" style="left:${left}%;width:${width}%" title="${htmlText(tip)}">${n ?? ''}</div>`;
      });
    return `<div class="track"><div class="proc">${htmlText(proc)}</div><div class="lane">${bars.join('')}</div></div>`;
  });
  const label = p.key === '' ? '' : ` ${htmlText(p.key)}`;
  const detail =
    p.verdict === 'not-linearizable' && blocked !== undefined
      ? `<pre>could not linearise: ${htmlText(describeOperation(model, blocked))}\nstate after the longest partial linearisation (${order.length} operations): ${htmlText(p.stateAfterLongest ?? '?')}</pre>`
      : '';
  const shown = ops.length < p.ops.length ? ` (${ops.length} of ${p.ops.length} drawn)` : '';
  return `<section><h2>partition${label}: <span class="verdict-${p.verdict}">${p.verdict}</span>, ${p.ops.length} operations${shown}</h2>
${detail}
${tracks.join('\n')}
</section>`;
}
