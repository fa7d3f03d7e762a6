import type { Fact } from '../core/fact.js';
import { type Tuple, tupleKey } from '../core/value.js';
import { Lineage } from '../lineage/lineage.js';
import { type ReportAssets, reportAssets } from './assets.js';
import { type FaultCut, faultCuts } from './fault-cuts.js';
import { lamportToDot } from './lamport-dot.js';
import { buildLamportModel, formatFactText, type LamportModel } from './lamport-model.js';
import { type LineageView, lineageViewDot, outcomeLineage, vanishedFacts } from './lineage-view.js';
import type { ReportInput, ReportRun } from './report-input.js';
import type { TraceData } from './trace-data.js';
import { traceFromData } from './trace-rebuild.js';

/** Options of {@link renderReport}. */
export interface ReportOptions {
  /** Lays a DOT graph out as SVG. The CLI passes Graphviz compiled to WebAssembly
   * (@viz-js/viz), so no system binary is needed; see src/report/graphviz.ts. */
  readonly layout: (dot: string) => string;
  /** Stem of the export files' directory, which the page links to:
   * `<stem>.exports/<run>.lamport.dot` etc. Default `report`. */
  readonly exportStem?: string;
  /** Script and style to inline. Default: src/report/client/report.{js,css}. */
  readonly assets?: ReportAssets;
}

/** A rendered report: the page and the export files it links to (paths relative to the page,
 * in the `<stem>.exports/` directory next to it). */
export interface RenderedReport {
  readonly html: string;
  readonly files: readonly { readonly name: string; readonly content: string }[];
}

/** Most fact rows listed per run; the rest are counted. */
export const FACT_ROWS_MAX = 200;

/**
 * Renders a report: one self-contained HTML page (inline style, script and data; no network) with
 * the verdict, parameters, the runs table and, per traced run, its Lamport diagram, the lineage
 * graph of its outcome (for a counterexample: the vanished outcome's lineage in the good run with
 * the faults drawn on it), the outcome table, the final facts and the reproduce command. Pure:
 * data in, text out; the caller writes the files.
 */
export function renderReport(input: ReportInput, options: ReportOptions): RenderedReport {
  const assets = options.assets ?? reportAssets();
  const stem = options.exportStem ?? 'report';
  const files: { name: string; content: string }[] = [];
  const good = input.runs.find((r) => r.id === input.goodRun);
  const goodLineage = good === undefined ? undefined : lineageOf(good.trace);
  // Facts that vanished in some counterexample: flagged where the good run derives them.
  const vanishedAll = new Map<string, Fact>();
  const perRun = input.runs.map((run) => {
    const lineage = run === good && goodLineage !== undefined ? goodLineage : lineageOf(run.trace);
    const cuts = faultCuts(run.trace.header.plan.faults, run.trace);
    let view: LineageView | undefined;
    if (run.role === 'counterexample' && good !== undefined && goodLineage !== undefined) {
      const facts = vanishedFacts(good.trace, run.trace, run.vanished);
      for (const f of facts) vanishedAll.set(formatFactText(f.name, f.args), f);
      view = outcomeLineage(
        goodLineage,
        facts,
        faultCuts(run.trace.header.plan.faults, good.trace),
        {
          title: `${run.title}: why the outcome vanished`,
          vanished: true,
        },
      );
    } else {
      view = outcomeLineage(lineage, outcomeFacts(run, input), [], {
        title: `${run.title}: lineage of the outcome`,
        vanished: false,
      });
    }
    return { run, lineage, cuts, view };
  });
  const rendered = perRun.map(({ run, lineage, cuts, view }) => {
    const model = buildLamportModel(run.trace, lineage, {
      title: `${input.spec}: ${run.title}`,
      faults: cuts,
      flaggedFacts: run === good ? [...vanishedAll.keys()] : [],
      violations: run.violations.flatMap((v) =>
        v.eventId === undefined
          ? []
          : [{ eventId: v.eventId, message: `${v.guarantee} violated: ${v.message}` }],
      ),
    });
    const base = `${stem}.exports/${run.id}`;
    const lineageDot = view === undefined ? undefined : lineageViewDot(view);
    files.push({ name: `${base}.lamport.json`, content: JSON.stringify(model) });
    files.push({ name: `${base}.lamport.dot`, content: lamportToDot(model) });
    if (view !== undefined && lineageDot !== undefined) {
      files.push({ name: `${base}.lineage.json`, content: JSON.stringify(view, null, 1) });
      files.push({ name: `${base}.lineage.dot`, content: lineageDot });
    }
    return runSection(input, run, model, cuts, view, lineageDot, options.layout, base, good);
  });
  // The game's other runs (neither failure-free nor counterexample) come last, folded when many.
  const explored = (i: number) => {
    const r = input.runs[i];
    return r !== undefined && r.role === 'good' && (r.gameIndex ?? 0) > 0;
  };
  const main = rendered.filter((_, i) => !explored(i));
  const others = rendered.filter((_, i) => explored(i));
  const sections =
    others.length === 0
      ? main
      : [
          ...main,
          `<details class="explored-runs"${others.length <= 3 ? ' open' : ''}><summary>The game's other runs (${others.length}): the good runs whose lineage gave the next hypotheses</summary>\n${others.join('\n')}</details>`,
        ];
  const title = `${origin(input)}: ${input.spec} — ${input.verdict}`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text(title)}</title>
<style>${assets.style}</style></head><body>
${summary(input)}
${legend()}
${runsTable(input)}
${sections.join('\n')}
<script>${assets.script.replace(/<\/script/gi, '<\\/script')}</script>
</body></html>
`;
  return { html, files };
}

/** What produced the data: the heading's first words. */
function origin(input: ReportInput): string {
  if (input.kind === 'verify') return 'cadre verify';
  return input.runs[0]?.trace.source === 'runtime' ? 'real run' : 'cadre simulate';
}

function lineageOf(trace: TraceData): Lineage {
  return new Lineage(traceFromData(trace));
}

/** For a run without a good run to compare with: the facts its verdict is about. */
function outcomeFacts(run: ReportRun, input: ReportInput): Fact[] {
  const facts = distinctFacts(run.trace);
  const tuples: Tuple[] = [
    ...run.vanished,
    ...(run.role === 'good' ? Object.values(input.goodOutcomes ?? {}).flat() : []),
  ];
  if (tuples.length > 0) {
    const matching = facts.filter((f) => tuples.some((t) => t.every((v) => f.args.includes(v))));
    if (matching.length > 0) return matching;
  }
  // An invariant broken after event N: the last facts emitted up to N; else the run's last facts.
  const at = run.violations.find((v) => v.eventId !== undefined)?.eventId;
  const upTo = at === undefined ? facts : facts.filter((f) => f.eventId <= at);
  return upTo.slice(-3);
}

function distinctFacts(trace: TraceData): (Fact & { eventId: number })[] {
  const seen = new Set<string>();
  const out: (Fact & { eventId: number })[] = [];
  for (const e of trace.events)
    for (const [name, args] of e.emits) {
      const key = formatFactText(name, args);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ name, args, eventId: e.id });
    }
  return out;
}

function summary(input: ReportInput): string {
  const verdictClass = statusClass(input.verdict);
  const facts: [string, string][] = [];
  if (input.specFile !== undefined) facts.push(['spec file', input.specFile]);
  if (input.params !== undefined) {
    const { eot, eff, crashes } = input.params;
    facts.push(['bounds', `EOT ${eot}, EFF ${eff}, crashes ≤ ${crashes}`]);
  }
  if (input.runsExecuted !== undefined)
    facts.push([
      'runs executed',
      `${input.runsExecuted}${input.combinations === undefined ? '' : ` of ${formatCount(input.combinations)} fault combinations`}`,
    ]);
  if (input.seconds !== undefined) facts.push(['time', `${input.seconds.toFixed(2)} s`]);
  if (input.reason !== undefined) facts.push(['reason', input.reason]);
  const first = input.runs[0];
  if (first !== undefined) {
    const h = first.trace.header;
    facts.push(['time model', h.model === 'sync' ? 'synchronous (ticks)' : 'asynchronous (ms)']);
    facts.push(['nodes', [...h.nodes, ...h.clients].join(', ')]);
    facts.push(['seed', String(h.seed)]);
  }
  const ce = input.runs.find((r) => r.role === 'counterexample' || r.status === 'fail');
  const headline =
    ce === undefined
      ? ''
      : `<div class="headline"><b>Faults:</b> ${faultChips(ce.trace)}<br>
<b>Broken:</b> ${ce.violations.map((v) => `<code>${text(v.guarantee)}</code> — ${text(v.message)}`).join('<br>') || '—'}
${ce.reproduce === undefined ? '' : `<br><b>Reproduce:</b> <code class="cmd">${text(ce.reproduce)}</code>`}</div>`;
  return `<header><h1>${text(origin(input))}: ${text(input.spec)}
<span class="verdict ${verdictClass}" id="verdict">${text(input.verdict.toUpperCase())}</span></h1>
${headline}
<dl class="params">${facts.map(([k, v]) => `<dt>${text(k)}</dt><dd>${text(v)}</dd>`).join('')}</dl></header>`;
}

/** Colour class of a verdict: green held, red broken, amber unfinished, grey unknown. */
function statusClass(verdict: string): 'ok' | 'bad' | 'warn' | 'neutral' {
  if (['verified', 'pass', 'good'].includes(verdict)) return 'ok';
  if (['counterexample', 'fail'].includes(verdict)) return 'bad';
  return verdict === 'incomplete' || verdict === 'error' ? 'warn' : 'neutral';
}

function faultChips(trace: TraceData): string {
  const faults = faultCuts(trace.header.plan.faults, trace);
  if (faults.length === 0) return '<span class="muted">none (the failure-free run fails)</span>';
  return faults.map((f) => `<span class="fault-chip">${text(f.fault)}</span>`).join(' ');
}

function legend(): string {
  return `<details class="legend" open><summary>How to read the diagrams</summary>
<div class="legend-body">
<svg width="780" height="92" aria-hidden="true">
<line x1="20" y1="10" x2="20" y2="86" class="lg-col"/><line x1="150" y1="10" x2="150" y2="86" class="lg-col"/>
<circle cx="20" cy="22" r="5" class="ev deliver"/><line x1="25" y1="24" x2="145" y2="50" class="lg-msg"/><circle cx="150" cy="52" r="5" class="ev deliver"/>
<text x="40" y="20">message: send → delivery</text>
<line x1="20" y1="60" x2="110" y2="80" class="lg-lost"/><text x="104" y="86" class="lg-x">✕</text><text x="30" y="92" class="lg-red">lost (dashed red)</text>
<path d="M 250 20 l 8 -8 m -8 0 l 8 8" class="lg-crash"/><text x="266" y="20">crash (node column turns red/grey while down)</text>
<rect x="246" y="36" width="8" height="8" transform="rotate(45 250 40)" class="ev timer"/><text x="266" y="44">timer</text>
<circle cx="250" cy="62" r="5" class="ev deliver"/><text x="266" y="66" class="lg-fact">+log("b","hello")</text><text x="380" y="66">fact emitted (red: the outcome that vanished)</text>
<line x1="246" y1="82" x2="300" y2="82" class="lg-fault"/><text x="306" y="86">partition / heal (cluster-wide)</text>
</svg>
<p>Time flows down; one column per node. A <span class="fault-chip">fault</span> label marks what the counterexample's faults did.
Click an event or a message: its lineage (what it depended on) turns <span class="hl-lineage">blue</span>, its consequences <span class="hl-conseq">orange</span>; details show below the diagram.
Lineage graphs: arrows run from premises up to the outcome; a red octagon is a fault, its red edges the derivations it cuts; click a node to find its event or message in the diagram of its run.</p></div></details>`;
}

function runsTable(input: ReportInput): string {
  if (input.runLog === undefined || input.runLog.length === 0) return '';
  const drawn = new Map<number, string>();
  for (const r of input.runs)
    if (r.gameIndex !== undefined && !drawn.has(r.gameIndex)) drawn.set(r.gameIndex, r.id);
  const rows = input.runLog.map((r) => {
    const id = drawn.get(r.index);
    const faults =
      r.faults.length === 0
        ? '<span class="muted">none</span>'
        : r.faults.map((f) => `<span class="fault-chip">${text(f)}</span>`).join(' ');
    const status = `<span class="status ${r.status === 'good' ? 'ok' : 'bad'}">${text(r.status)}</span>`;
    return `<tr class="run-row ${text(r.status)}"><td>${r.index}</td><td>${faults}</td><td>${status}</td><td>${r.added}</td><td>${id === undefined ? '' : `<a href="#run-${text(id)}">diagram</a>`}</td></tr>`;
  });
  const untraced = input.runLog.length - drawn.size;
  return `<section class="runs"><h2>Runs executed (${input.runLog.length})</h2>
<table class="runs-table"><thead><tr><th>#</th><th>faults injected</th><th>verdict</th><th>hypotheses added</th><th></th></tr></thead>
<tbody>${rows.join('')}</tbody></table>${untraced > 0 ? `<p class="muted">${untraced} run(s) without a drawing: their traces were not saved (<code>cadre verify</code> traces the failure-free run, the counterexamples and the first of the other runs).</p>` : ''}</section>`;
}

function runSection(
  input: ReportInput,
  run: ReportRun,
  model: LamportModel,
  cuts: readonly FaultCut[],
  view: LineageView | undefined,
  lineageDot: string | undefined,
  layout: (dot: string) => string,
  base: string,
  good: ReportRun | undefined,
): string {
  const counts = runCounts(run.trace);
  const story = runStory(run, cuts, view, good);
  const graph =
    view === undefined || lineageDot === undefined || view.graph.nodes.length === 0
      ? '<p class="muted">No outcome to explain in this run.</p>'
      : `<button type="button" class="fit-toggle">fit to width</button><div class="lineage-svg">${layoutSafely(layout, lineageDot)}</div>${view.truncated ? `<p class="muted">Graph cut to the nodes nearest the outcome (more than ${view.graph.nodes.length}).</p>` : ''}`;
  const lineageTitle =
    run.role === 'counterexample' && good !== undefined
      ? `Why the outcome vanished: its lineage in the ${text(good.title.toLowerCase())}, with the faults that cut it`
      : 'Lineage of the outcome';
  // The run the graph's events and messages belong to: the good run for a counterexample.
  const graphRun = run.role === 'counterexample' && good !== undefined ? good.id : run.id;
  const modelJson = JSON.stringify(model).replace(/</g, '\\u003c');
  return `<section class="run ${run.role}" id="run-${text(run.id)}" data-run="${text(run.id)}" data-status="${text(run.status)}">
<h2>${text(run.title)} <span class="status ${statusClass(run.status)}">${text(run.status)}</span></h2>
<p class="counts">${counts}</p>
${story}
<div class="views ${run.role === 'counterexample' ? 'side-by-side' : ''}">
<figure class="lineage-view" data-run="${text(run.id)}" data-graph-run="${text(graphRun)}"><figcaption>${lineageTitle}</figcaption>${graph}</figure>
<figure class="lamport-fig"><figcaption>Lamport diagram of the ${run.role === 'counterexample' ? 'failing run' : 'run'}</figcaption>
<div class="lamport" data-model="model-${text(run.id)}"></div></figure>
</div>
${outcomeTable(input, run, good)}
${factsTable(run, good)}
<p class="exports">Export: Lamport diagram <a href="${text(base)}.lamport.dot" download>DOT</a> · <a href="${text(base)}.lamport.json" download>JSON</a>${view === undefined ? '' : ` — lineage graph <a href="${text(base)}.lineage.dot" download>DOT</a> · <a href="${text(base)}.lineage.json" download>JSON</a>`} <button type="button" class="download-json" data-model="model-${text(run.id)}">download diagram JSON (embedded)</button></p>
${run.reproduce === undefined ? '' : `<p>Reproduce: <code class="cmd">${text(run.reproduce)}</code></p>`}
<script type="application/json" id="model-${text(run.id)}">${modelJson}</script>
</section>`;
}

function layoutSafely(layout: (dot: string) => string, dot: string): string {
  try {
    return stripXmlProlog(layout(dot));
  } catch (e) {
    return `<pre class="muted">Graph layout failed: ${text((e as Error).message)}</pre>`;
  }
}

/** Graphviz SVG starts with an XML prolog and a DOCTYPE: fine in a file, noise inline. */
function stripXmlProlog(svg: string): string {
  const start = svg.indexOf('<svg');
  return start > 0 ? svg.slice(start) : svg;
}

function runCounts(trace: TraceData): string {
  let lost = 0;
  for (const m of trace.messages) if (m.status === 'lost') lost++;
  const crashes = trace.events.filter((e) => e.kind === 'crash').length;
  return `${formatCount(trace.events.length)} events, ${formatCount(trace.messages.length)} messages (${formatCount(lost)} lost), ${crashes} crash${crashes === 1 ? '' : 'es'}`;
}

/** Plain words for what the faults did and why the outcome vanished. */
function runStory(
  run: ReportRun,
  cuts: readonly FaultCut[],
  view: LineageView | undefined,
  good: ReportRun | undefined,
): string {
  const items: string[] = [];
  for (const c of cuts) {
    const parts: string[] = [];
    if (c.messages.length > 0)
      parts.push(
        `loses ${c.messages.length} message${c.messages.length === 1 ? '' : 's'} (${describeMessages(run.trace, c.messages)})`,
      );
    const crashes = c.events.filter((e) => run.trace.events[e]?.kind === 'crash');
    for (const e of crashes) {
      const ev = run.trace.events[e];
      if (ev !== undefined)
        parts.push(
          `crashes ${ev.node} at t=${ev.time}${ev.trigger === 'send-omission' ? ' (it keeps computing, but nothing it sends leaves)' : ''}`,
        );
    }
    items.push(
      `<li><span class="fault-chip">${text(c.fault)}</span> ${parts.length === 0 ? 'has no visible effect in this run' : text(parts.join('; '))}</li>`,
    );
  }
  for (const v of run.violations)
    items.push(
      `<li class="broken"><b>Broken:</b> <code>${text(v.guarantee)}</code> — ${text(v.message)}</li>`,
    );
  if (
    run.role === 'counterexample' &&
    view !== undefined &&
    good !== undefined &&
    view.outcomes.length > 0
  ) {
    const hit = view.cuts.filter((c) => c.nodes.length > 0).map((c) => c.fault);
    items.push(
      `<li class="why"><b>Why:</b> ${view.outcomes.map((o) => `<code class="vanished">${text(o)}</code>`).join(', ')} held in the ${text(good.title.toLowerCase())} but not here. ` +
        `Its lineage (below, left) shows every derivation it had; ${hit.length === 0 ? 'none of the faults lies on it directly (see the diagram)' : `${hit.map((f) => `<span class="fault-chip">${text(f)}</span>`).join(' and ')} cut${hit.length === 1 ? 's' : ''} them`}.</li>`,
    );
  }
  return items.length === 0 ? '' : `<ul class="story">${items.join('')}</ul>`;
}

function describeMessages(trace: TraceData, ids: readonly number[]): string {
  const shown = ids.slice(0, 4).map((id) => {
    const m = trace.messages[id];
    return m === undefined ? `#${id}` : `${m.from}→${m.to} at t=${m.sentAt}`;
  });
  return (
    shown.join(', ') + (ids.length > shown.length ? `, … ${ids.length - shown.length} more` : '')
  );
}

function outcomeTable(input: ReportInput, run: ReportRun, good: ReportRun | undefined): string {
  const guarantees = new Set<string>([
    ...Object.keys(input.goodOutcomes ?? {}),
    ...Object.keys(run.outcomes ?? {}),
  ]);
  if (guarantees.size === 0) return '';
  const vanished = new Set(run.vanished.map(tupleKey));
  const rows: string[] = [];
  for (const g of guarantees) {
    const goodPost = (input.goodOutcomes?.[g] ?? []).map(tupleKey);
    const mine = run.outcomes?.[g];
    const pre = new Set((mine?.pre ?? []).map(tupleKey));
    const post = new Set((mine?.post ?? []).map(tupleKey));
    const keys = [...new Set([...goodPost, ...pre, ...post, ...vanished])];
    for (const k of keys) {
      const isVanished = vanished.has(k) && run.violations.some((v) => v.guarantee === g);
      // Without the run's own tuples (older run data) only the vanished ones are known.
      const inPost = mine === undefined ? (isVanished ? false : undefined) : post.has(k);
      const inPre = mine === undefined ? undefined : pre.has(k);
      const cls = isVanished ? 'vanished-row' : '';
      const verdict = isVanished
        ? '<span class="status bad">VANISHED: pre holds, post does not</span>'
        : inPost === undefined
          ? '<span class="muted">not recorded</span>'
          : inPost
            ? '<span class="status ok">holds</span>'
            : inPre === false
              ? '<span class="muted">vacuous (pre does not hold)</span>'
              : '<span class="status bad">post missing</span>';
      rows.push(
        `<tr class="${cls}"><td><code>${text(g)}</code></td><td><code>${text(k)}</code></td><td>${goodPost.includes(k) ? '✓' : '—'}</td><td>${mark(inPre)}</td><td>${mark(inPost)}</td><td>${verdict}</td></tr>`,
      );
    }
  }
  const goodName = good === undefined ? 'good run' : good.title.toLowerCase();
  return `<h3>Outcomes (pre/post)</h3><table class="outcomes"><thead><tr><th>guarantee</th><th>tuple</th><th>post in ${text(goodName)}</th><th>pre here</th><th>post here</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function mark(held: boolean | undefined): string {
  return held === undefined ? '?' : held ? '✓' : '✗';
}

function factsTable(run: ReportRun, good: ReportRun | undefined): string {
  const here = new Map<string, { node: string; time: number; count: number }>();
  for (const e of run.trace.events)
    for (const [name, args] of e.emits) {
      const key = formatFactText(name, args);
      const seen = here.get(key);
      if (seen === undefined) here.set(key, { node: e.node ?? '', time: e.time, count: 1 });
      else seen.count++;
    }
  const missing: string[] = [];
  if (run.role === 'counterexample' && good !== undefined) {
    for (const f of distinctFacts(good.trace)) {
      const key = formatFactText(f.name, f.args);
      if (!here.has(key)) missing.push(key);
    }
  }
  const rows = [...here]
    .slice(0, FACT_ROWS_MAX)
    .map(
      ([k, v]) =>
        `<tr><td><code>${text(k)}</code></td><td>${text(v.node)}</td><td>${v.time}</td><td>${v.count}</td></tr>`,
    );
  const missingRows = missing.map(
    (k) =>
      `<tr class="vanished-row"><td><code>${text(k)}</code></td><td colspan="3">missing: held in the ${text(good?.title.toLowerCase() ?? 'good run')}, never derived here</td></tr>`,
  );
  const more =
    here.size > FACT_ROWS_MAX
      ? `<p class="muted">… and ${here.size - FACT_ROWS_MAX} more facts.</p>`
      : '';
  return `<h3>Facts at the end (${here.size})</h3><table class="facts"><thead><tr><th>fact</th><th>first emitted on</th><th>at</th><th>derivations</th></tr></thead><tbody>${missingRows.join('')}${rows.join('')}</tbody></table>${more}`;
}

function formatCount(n: number): string {
  return n < 1e6 ? Math.round(n).toLocaleString('en-US') : n.toExponential(2);
}

function text(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
