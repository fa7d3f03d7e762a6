// Cadre report page script, inlined into every report by src/report/html.ts (no network, no
// dependencies). It draws each Lamport diagram from the compact JSON model embedded next to it
// (src/report/lamport-model.ts documents the fields) and renders only the rows in view, plus a
// buffer, into one SVG: a 100,000-event run costs the same DOM as a 100-event one. Clicking an
// event or a message highlights its lineage (backwards) and its consequences (forwards).
(() => {
  const COL_W = 170;
  const GUTTER = 64;
  const PAD_TOP = 12;
  const BUFFER_ROWS = 30;
  const BUCKET_ROWS = 32;
  const LABELS_MAX = 600;
  const KINDS = ['init', 'deliver', 'timer', 'crash', 'restart', 'fault', 'heal'];
  const LOST = 1;
  const IN_FLIGHT = 2;
  const MARK_LINEAGE = 1;
  const MARK_CONSEQUENCE = 2;
  const MARK_SELECTED = 3;

  /** @param {unknown} s */
  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }
  /** @param {string} s @param {number} n */
  function cut(s, n) {
    return s.length > n ? `${s.slice(0, n - 1)}…` : s;
  }

  class LamportView {
    /** @param {HTMLElement} root */
    constructor(root) {
      this.root = root;
      const source = document.getElementById(root.dataset.model || '');
      if (source === null) throw new Error(`no diagram data ${root.dataset.model}`);
      this.m = JSON.parse(source.textContent || '{}');
      this.n = this.m.events.row.length;
      /** Row height (px): roomy for small runs, compact for big ones. */
      this.rowH = this.m.rows <= 400 ? 40 : 26;
      this.msgCount = this.m.messages.status.length;
      this.mark = new Uint8Array(this.n);
      this.selection = null;
      this.pinned = false;
      this.drawnFrom = -1;
      this.drawnTo = -1;
      this.stamp = new Int32Array(this.msgCount);
      this.drawCount = 0;
      this.index();
      this.build();
      // A broken invariant located at an event: open the diagram there.
      const first = this.m.violations[0];
      if (first !== undefined) {
        const y = PAD_TOP + this.m.events.row[first[0]] * this.rowH;
        if (y > this.scroller.clientHeight - 60)
          this.scroller.scrollTop = y - this.scroller.clientHeight * 0.6;
      }
      this.draw(true);
    }

    index() {
      const m = this.m;
      const rows = m.rows;
      // Events by row (counting sort): the rows in view give their events directly.
      const start = new Int32Array(rows + 1);
      for (let e = 0; e < this.n; e++) start[m.events.row[e] + 1]++;
      for (let r = 0; r < rows; r++) start[r + 1] += start[r];
      const fill = start.slice(0, rows);
      const byRow = new Int32Array(this.n);
      for (let e = 0; e < this.n; e++) byRow[fill[m.events.row[e]]++] = e;
      this.rowStart = start;
      this.byRow = byRow;
      // Messages by bucket of rows they cross.
      const buckets = [];
      for (let b = 0; b <= Math.ceil(rows / BUCKET_ROWS); b++) buckets.push([]);
      for (let i = 0; i < this.msgCount; i++) {
        const a = Math.min(m.messages.fromRow[i], m.messages.toRow[i]);
        const z = Math.max(m.messages.fromRow[i], m.messages.toRow[i]);
        for (let b = Math.floor(a / BUCKET_ROWS); b <= Math.floor(z / BUCKET_ROWS); b++)
          buckets[b]?.push(i);
      }
      this.buckets = buckets;
      // Consequences: the parents CSR inverted.
      const po = m.parents.offsets;
      const pi = m.parents.ids;
      const count = new Int32Array(this.n + 1);
      for (const p of pi) count[p + 1]++;
      for (let e = 0; e < this.n; e++) count[e + 1] += count[e];
      const cfill = count.slice(0, this.n);
      const children = new Int32Array(pi.length);
      for (let e = 0; e < this.n; e++)
        for (let k = po[e]; k < po[e + 1]; k++) children[cfill[pi[k]]++] = e;
      this.childOffsets = count;
      this.children = children;
      // What the faults did, and the facts to flag.
      /** @type {Map<number, string[]>} */
      this.msgFault = new Map();
      /** @type {Map<number, string[]>} */
      this.evFault = new Map();
      for (const f of m.faults) {
        for (const id of f.messages)
          this.msgFault.set(id, [...(this.msgFault.get(id) || []), f.fault]);
        for (const id of f.events) this.evFault.set(id, [...(this.evFault.get(id) || []), f.fault]);
      }
      /** @type {Map<number, string>} */
      this.evViolation = new Map();
      for (const [e, text] of m.violations) this.evViolation.set(e, m.strings[text] ?? '');
      const flagged = new Set(m.flaggedFacts);
      this.evFlagged = new Uint8Array(this.n);
      const d = m.details;
      for (let e = 0; e < this.n; e++)
        for (let k = d.emitOffsets[e]; k < d.emitOffsets[e + 1]; k++)
          if (flagged.has(d.emits[k])) this.evFlagged[e] = 1;
    }

    build() {
      const m = this.m;
      // Room on the right for the last column's labels (lost-message reasons, violations).
      const width = GUTTER + m.columns.length * COL_W + 240;
      const height = PAD_TOP * 2 + m.rows * this.rowH;
      this.width = width;
      const heads = m.columns
        .map(
          (c, i) =>
            `<div class="col-head" data-col="${i}" style="left:${GUTTER + i * COL_W}px;width:${COL_W}px">${esc(c)}</div>`,
        )
        .join('');
      const lost = m.messages.status.filter((s) => s === LOST).length;
      this.root.innerHTML = `<div class="lamport-tools"><span class="muted">${this.n.toLocaleString('en-US')} events · ${this.msgCount.toLocaleString('en-US')} messages (${lost.toLocaleString('en-US')} lost) · ${m.columns.length} nodes</span>
<label>event # <input type="number" min="0" max="${this.n - 1}" class="goto"></label><button type="button" class="goto-btn">show</button><button type="button" class="clear-btn">clear selection</button></div>
<div class="lamport-scroll" style="height:${Math.min(height + 34, 640)}px"><div class="lamport-head" style="width:${width}px">${heads}</div>
<div class="lamport-space" style="height:${height}px;width:${width}px"><svg class="lamport-svg" xmlns="http://www.w3.org/2000/svg" width="${width}"></svg></div></div>
<div class="lamport-detail"><span class="muted">Hover over or click an event (dot) or a message (arrow) for details.</span></div>`;
      this.scroller = /** @type {HTMLElement} */ (this.root.querySelector('.lamport-scroll'));
      this.svg = /** @type {SVGSVGElement} */ (this.root.querySelector('svg'));
      this.detail = /** @type {HTMLElement} */ (this.root.querySelector('.lamport-detail'));
      let queued = false;
      this.scroller.addEventListener('scroll', () => {
        if (queued) return;
        queued = true;
        requestAnimationFrame(() => {
          queued = false;
          this.draw(false);
        });
      });
      const target = (/** @type {Event} */ ev) =>
        /** @type {Element} */ (ev.target).closest('[data-ev],[data-msg]');
      this.svg.addEventListener('click', (ev) => {
        const t = target(ev);
        if (t === null) return this.select(null);
        const e = t.getAttribute('data-ev');
        this.select(e !== null ? { ev: Number(e) } : { msg: Number(t.getAttribute('data-msg')) });
      });
      this.svg.addEventListener('mouseover', (ev) => {
        const t = target(ev);
        if (t === null || this.pinned) return;
        const e = t.getAttribute('data-ev');
        this.showDetail(
          e !== null ? { ev: Number(e) } : { msg: Number(t.getAttribute('data-msg')) },
        );
      });
      this.detail.addEventListener('click', (ev) => {
        const link = /** @type {Element} */ (ev.target).closest('[data-goto]');
        if (link !== null) this.reveal(Number(link.getAttribute('data-goto')));
      });
      const input = /** @type {HTMLInputElement} */ (this.root.querySelector('.goto'));
      this.root
        .querySelector('.goto-btn')
        ?.addEventListener('click', () => this.reveal(Number(input.value)));
      input.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') this.reveal(Number(input.value));
      });
      this.root.querySelector('.clear-btn')?.addEventListener('click', () => this.select(null));
    }

    /** Scrolls event `e` into view and selects it. @param {number} e */
    reveal(e) {
      if (!Number.isInteger(e) || e < 0 || e >= this.n) return;
      const y = PAD_TOP + this.m.events.row[e] * this.rowH;
      this.scroller.scrollTop = Math.max(0, y - this.scroller.clientHeight / 2);
      const c = this.m.events.col[e];
      if (c >= 0)
        this.scroller.scrollLeft = Math.max(0, GUTTER + c * COL_W - this.scroller.clientWidth / 2);
      this.select({ ev: e });
    }

    /** Scrolls message `i` into view and selects it. @param {number} i */
    revealMessage(i) {
      if (!Number.isInteger(i) || i < 0 || i >= this.msgCount) return;
      const mm = this.m.messages;
      const y = PAD_TOP + mm.fromRow[i] * this.rowH;
      this.scroller.scrollTop = Math.max(0, y - this.scroller.clientHeight / 3);
      this.select({ msg: i });
    }

    /** @param {{ev?: number, msg?: number} | null} sel */
    select(sel) {
      this.selection = sel;
      this.pinned = sel !== null;
      this.mark.fill(0);
      if (sel !== null) {
        const mm = this.m.messages;
        const back =
          sel.ev !== undefined
            ? [sel.ev]
            : mm.sendEvent[sel.msg] >= 0
              ? [mm.sendEvent[sel.msg]]
              : [];
        const fwd =
          sel.ev !== undefined
            ? [sel.ev]
            : mm.deliverEvent[sel.msg] >= 0
              ? [mm.deliverEvent[sel.msg]]
              : [];
        this.walk(back, this.m.parents.offsets, this.m.parents.ids, MARK_LINEAGE);
        this.walk(fwd, this.childOffsets, this.children, MARK_CONSEQUENCE);
        if (sel.ev !== undefined) this.mark[sel.ev] = MARK_SELECTED;
        else {
          for (const e of back) this.mark[e] = MARK_LINEAGE;
          for (const e of fwd) this.mark[e] = MARK_CONSEQUENCE;
        }
        this.showDetail(sel);
      }
      this.draw(true);
    }

    /** Marks everything reachable from `from` along the CSR edges. */
    walk(from, offsets, ids, value) {
      const stack = [...from];
      for (const e of from) this.mark[e] = value;
      while (stack.length > 0) {
        const e = stack.pop();
        for (let k = offsets[e]; k < offsets[e + 1]; k++) {
          const p = ids[k];
          if (this.mark[p] !== 0) continue;
          this.mark[p] = value;
          stack.push(p);
        }
      }
    }

    /** @param {{ev?: number, msg?: number}} sel */
    showDetail(sel) {
      const m = this.m;
      const s = (/** @type {number} */ i) => m.strings[i] ?? '';
      const ref = (/** @type {number} */ e) =>
        e >= 0 ? `<a href="javascript:void 0" data-goto="${e}">#${e}</a>` : '—';
      const lines = [];
      if (sel.ev !== undefined) {
        const e = sel.ev;
        const col = m.events.col[e];
        const kind = KINDS[m.events.kind[e]];
        lines.push(
          `<b>event #${e}</b> · ${col >= 0 ? `node <b>${esc(m.columns[col])}</b>` : 'cluster-wide'} · t=${m.events.time[e]} · ${esc(kind)} ${esc(s(m.events.label[e]))}`,
        );
        if (kind === 'deliver') {
          for (let i = 0; i < this.msgCount; i++) {
            if (m.messages.deliverEvent[i] !== e) continue;
            const from =
              m.messages.fromCol[i] >= 0 ? m.columns[m.messages.fromCol[i]] : 'environment (input)';
            lines.push(
              `message #${i} from ${esc(from)} (sent by ${ref(m.messages.sendEvent[i])}): <code>${esc(s(m.messages.payload[i]))}</code>`,
            );
            break;
          }
        }
        const d = m.details;
        const access = (
          /** @type {number[]} */ list,
          /** @type {number} */ a,
          /** @type {number} */ z,
          /** @type {string} */ arrow,
        ) => {
          const out = [];
          for (let k = a; k < z; k += 3)
            out.push(
              `${list[k] === 0 ? 'storage' : 'memory'} <code>${esc(s(list[k + 1]))}</code>${list[k + 2] >= 0 ? ` ${arrow} ${ref(list[k + 2])}` : ''}`,
            );
          return out.join(', ');
        };
        const reads = access(d.reads, d.readOffsets[e], d.readOffsets[e + 1], 'written by');
        const writes = access(d.writes, d.writeOffsets[e], d.writeOffsets[e + 1], 'same value as');
        const emits = [];
        for (let k = d.emitOffsets[e]; k < d.emitOffsets[e + 1]; k++)
          emits.push(`<code class="fact">${esc(s(d.emits[k]))}</code>`);
        const notes = [];
        for (let k = d.noteOffsets[e]; k < d.noteOffsets[e + 1]; k++)
          notes.push(esc(s(d.notes[k])));
        if (reads !== '') lines.push(`reads: ${reads}`);
        if (writes !== '') lines.push(`writes: ${writes}`);
        if (emits.length > 0) lines.push(`emits: ${emits.join(', ')}`);
        if (notes.length > 0) lines.push(`notes: ${notes.join('; ')}`);
        const violation = this.evViolation.get(e);
        if (violation !== undefined) lines.push(`<b class="lost-text">⚠ ${esc(violation)}</b>`);
        const faults = this.evFault.get(e);
        if (faults !== undefined)
          lines.push(`<span class="fault-chip">${esc(faults.join(', '))}</span> caused this`);
      } else if (sel.msg !== undefined) {
        const i = sel.msg;
        const mm = m.messages;
        const from = mm.fromCol[i] >= 0 ? m.columns[mm.fromCol[i]] : 'environment';
        const status =
          mm.status[i] === LOST
            ? `<b class="lost-text">LOST (${esc(s(mm.reason[i]))})</b>`
            : mm.status[i] === IN_FLIGHT
              ? 'still in flight at the end'
              : `delivered by ${ref(mm.deliverEvent[i])}`;
        lines.push(
          `<b>message #${i}</b> · ${esc(from)} → ${esc(m.columns[mm.toCol[i]] ?? '?')} · sent by ${ref(mm.sendEvent[i])} · ${status}`,
        );
        const faults = this.msgFault.get(i);
        if (faults !== undefined)
          lines.push(`lost because of <span class="fault-chip">${esc(faults.join(', '))}</span>`);
        lines.push(`payload: <code>${esc(s(mm.payload[i]))}</code>`);
      }
      if (this.pinned) {
        let back = 0;
        let fwd = 0;
        for (let e = 0; e < this.n; e++) {
          if (this.mark[e] === MARK_LINEAGE) back++;
          else if (this.mark[e] === MARK_CONSEQUENCE) fwd++;
        }
        lines.push(
          `<span class="hl-lineage">lineage: ${back} event${back === 1 ? '' : 's'}</span> · <span class="hl-conseq">consequences: ${fwd} event${fwd === 1 ? '' : 's'}</span>`,
        );
      }
      this.detail.innerHTML = lines.map((l) => `<div>${l}</div>`).join('');
    }

    /** Redraws the rows in view (plus a buffer) unless they are drawn already. @param {boolean} force */
    draw(force) {
      const top = this.scroller.scrollTop;
      const view = this.scroller.clientHeight || 600;
      const first = Math.max(0, Math.floor((top - PAD_TOP) / this.rowH) - 2);
      const last = Math.min(this.m.rows - 1, Math.ceil((top + view) / this.rowH) + 2);
      if (!force && first >= this.drawnFrom && last <= this.drawnTo) return;
      const r0 = Math.max(0, first - BUFFER_ROWS);
      const r1 = Math.min(this.m.rows - 1, last + BUFFER_ROWS);
      this.drawnFrom = r0;
      this.drawnTo = r1;
      this.render(r0, r1);
    }

    /** @param {number} r0 @param {number} r1 */
    render(r0, r1) {
      const m = this.m;
      const s = (/** @type {number} */ i) => m.strings[i] ?? '';
      const x = (/** @type {number} */ c) => GUTTER + c * COL_W + COL_W / 2;
      const y = (/** @type {number} */ r) => PAD_TOP + r * this.rowH + this.rowH / 2;
      const yTop = PAD_TOP + r0 * this.rowH;
      const yBottom = PAD_TOP + (r1 + 1) * this.rowH;
      const hasSel = this.selection !== null;
      const out = [];
      // Time axis: the bands that start in view, and the one the view starts in.
      const bands = m.bands;
      let lo = 0;
      let hi = bands.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (bands[mid][0] < r0) lo = mid + 1;
        else hi = mid;
      }
      for (let b = Math.max(0, lo - 1); b < bands.length && bands[b][0] <= r1; b++) {
        const by = PAD_TOP + Math.max(bands[b][0], r0) * this.rowH;
        out.push(
          `<line class="band" x1="0" x2="${this.width}" y1="${by}" y2="${by}"/><text class="time" x="6" y="${by + 13}">${m.timeModel === 'sync' ? 't=' : ''}${esc(formatTime(bands[b][1]))}${m.timeModel === 'sync' ? '' : ' ms'}</text>`,
        );
      }
      // Node lifelines, then the spans where a node was down.
      for (let c = 0; c < m.columns.length; c++)
        out.push(`<line class="lifeline" x1="${x(c)}" x2="${x(c)}" y1="${yTop}" y2="${yBottom}"/>`);
      for (const [c, from, to, mode] of m.down) {
        if (to < r0 || from > r1) continue;
        const a = Math.max(from, r0);
        const z = Math.min(to, r1 + 1);
        const omission = s(mode) === 'send-omission';
        out.push(
          `<line class="down ${omission ? 'send-omission' : 'stopped'}" data-col="${c}" x1="${x(c)}" x2="${x(c)}" y1="${y(a)}" y2="${PAD_TOP + z * this.rowH}"/>`,
        );
      }
      // Messages crossing the rows drawn.
      const mm = m.messages;
      const stamp = ++this.drawCount;
      const msgs = [];
      for (let b = Math.floor(r0 / BUCKET_ROWS); b <= Math.floor(r1 / BUCKET_ROWS); b++) {
        for (const i of this.buckets[b] || []) {
          if (this.stamp[i] === stamp) continue;
          this.stamp[i] = stamp;
          if (
            Math.max(mm.fromRow[i], mm.toRow[i]) < r0 ||
            Math.min(mm.fromRow[i], mm.toRow[i]) > r1
          )
            continue;
          msgs.push(i);
        }
      }
      const labels = msgs.length <= LABELS_MAX / 4;
      for (const i of msgs) out.push(this.message(i, x, y, labels, hasSel));
      // Events in the rows drawn.
      const a = this.rowStart[r0];
      const z = this.rowStart[r1 + 1];
      const eventLabels = z - a <= LABELS_MAX;
      for (let k = a; k < z; k++) out.push(this.event(this.byRow[k], x, y, eventLabels, hasSel));
      this.svg.setAttribute('height', String(yBottom - yTop));
      this.svg.style.top = `${yTop}px`;
      this.svg.setAttribute('viewBox', `0 ${yTop} ${this.width} ${yBottom - yTop}`);
      this.svg.setAttribute('class', `lamport-svg${hasSel ? ' has-sel' : ''}`);
      this.svg.innerHTML = `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#57606a"/></marker></defs>${out.join('')}`;
    }

    message(i, x, y, labels, hasSel) {
      const m = this.m;
      const mm = m.messages;
      const s = (/** @type {number} */ k) => m.strings[k] ?? '';
      const lost = mm.status[i] === LOST;
      const inFlight = mm.status[i] === IN_FLIGHT;
      const fc = mm.fromCol[i];
      const tc = mm.toCol[i];
      const x2 = x(tc);
      const y2 = y(mm.toRow[i]);
      const x1 = fc >= 0 ? x(fc) : x2 - COL_W * 0.35;
      const y1 = fc >= 0 ? y(mm.fromRow[i]) : y2 - this.rowH * 0.8;
      const faults = this.msgFault.get(i);
      const send = mm.sendEvent[i];
      const deliver = mm.deliverEvent[i];
      let hl = '';
      if (hasSel) {
        const ms = send >= 0 ? this.mark[send] : 0;
        const md = deliver >= 0 ? this.mark[deliver] : 0;
        const sel = this.selection?.msg === i;
        if (sel) hl = ' sel';
        else if (
          (ms === MARK_LINEAGE || ms === MARK_SELECTED) &&
          (md === MARK_LINEAGE || md === MARK_SELECTED) &&
          deliver >= 0
        )
          hl = ' lin';
        else if (
          (ms === MARK_CONSEQUENCE || ms === MARK_SELECTED) &&
          (md === MARK_CONSEQUENCE || md === MARK_SELECTED)
        )
          hl = ' con';
      }
      const cls = `msg ${lost ? 'lost' : inFlight ? 'in-flight' : 'delivered'}${fc < 0 ? ' input' : ''}${fc === tc ? ' self' : ''}${faults ? ' fault-hit' : ''}${hl}`;
      let d;
      if (fc === tc && fc >= 0) {
        const bend = x1 + 34;
        d = `M${x1 + 5} ${y1 + 2} C${bend} ${y1 + 2} ${bend} ${y2 - 2} ${x2 + 6} ${y2 - 2}`;
      } else {
        // Stop short of the delivery dot so the arrowhead stays visible.
        const dx = x2 - x1;
        const dy = y2 - y1;
        const len = Math.hypot(dx, dy) || 1;
        const trim = lost || inFlight ? 0 : 6;
        d = `M${x1} ${y1} L${x2 - (dx / len) * trim} ${y2 - (dy / len) * trim}`;
      }
      const reason = lost ? s(mm.reason[i]) : '';
      const title = `message #${i}: ${fc >= 0 ? m.columns[fc] : 'input'} → ${m.columns[tc]}${lost ? ` LOST (${reason})` : inFlight ? ' in flight' : ''} ${s(mm.payload[i])}`;
      let extra = '';
      if (lost || inFlight) {
        extra += `<text class="x-mark" x="${x2}" y="${y2 + 4}" text-anchor="middle">✕</text>`;
        const why = faults
          ? faults.map(shortFault).join(', ')
          : lost
            ? `lost: ${reason}`
            : 'in flight';
        extra += `<text class="lost-label" x="${x2 + 8}" y="${y2 + 4}">${esc(why)}</text>`;
      } else if (labels && fc !== tc && fc >= 0) {
        extra += `<text class="msg-label" x="${(x1 + x2) / 2}" y="${(y1 + y2) / 2 - 3}" text-anchor="middle">${esc(s(mm.label[i]))}</text>`;
      } else if (fc < 0) {
        extra += `<text class="msg-label" x="${x1 - 2}" y="${y1 - 3}" text-anchor="middle">input</text>`;
      }
      return `<g class="${cls}" data-msg="${i}"${lost ? ` data-reason="${esc(reason)}"` : ''}${faults ? ` data-fault="${esc(faults.join(','))}"` : ''}><title>${esc(title)}</title><path class="hit" d="${d}"/><path class="line" d="${d}" marker-end="${lost || inFlight ? '' : 'url(#arrow)'}"/>${extra}</g>`;
    }

    event(e, x, y, labels, hasSel) {
      const m = this.m;
      const s = (/** @type {number} */ k) => m.strings[k] ?? '';
      const c = m.events.col[e];
      const kind = KINDS[m.events.kind[e]];
      const r = m.events.row[e];
      const cy = y(r);
      const mark = this.mark[e];
      const hl = !hasSel
        ? ''
        : mark === MARK_SELECTED
          ? ' sel'
          : mark === MARK_LINEAGE
            ? ' lin'
            : mark === MARK_CONSEQUENCE
              ? ' con'
              : '';
      const faults = this.evFault.get(e);
      const flagged = this.evFlagged[e] === 1;
      const violation = this.evViolation.get(e);
      const cls = `ev ${kind}${faults ? ' fault-hit' : ''}${flagged ? ' flagged' : ''}${violation !== undefined ? ' violation' : ''}${hl}`;
      const label = s(m.events.label[e]);
      const title = `event #${e} ${c >= 0 ? m.columns[c] : 'cluster'} t=${m.events.time[e]} ${kind} ${label}`;
      if (c < 0) {
        return `<g class="${cls}" data-ev="${e}"><title>${esc(title)}</title><line class="cluster-line" x1="${GUTTER}" x2="${this.width - 20}" y1="${cy}" y2="${cy}"/><text class="cluster-label" x="${GUTTER + 4}" y="${cy - 4}">${esc(cut(label, 80))}</text></g>`;
      }
      const cx = x(c);
      let shape;
      if (kind === 'crash')
        shape = `<rect class="hit" x="${cx - 9}" y="${cy - 9}" width="18" height="18"/><path class="crash-x" d="M${cx - 7} ${cy - 7}L${cx + 7} ${cy + 7}M${cx + 7} ${cy - 7}L${cx - 7} ${cy + 7}"/>`;
      else if (kind === 'timer')
        shape = `<rect class="dot" x="${cx - 4.5}" y="${cy - 4.5}" width="9" height="9" transform="rotate(45 ${cx} ${cy})"/>`;
      else if (kind === 'init')
        shape = `<rect class="dot" x="${cx - 4}" y="${cy - 4}" width="8" height="8"/>`;
      else if (kind === 'restart') shape = `<circle class="dot" cx="${cx}" cy="${cy}" r="6"/>`;
      else shape = `<circle class="dot" cx="${cx}" cy="${cy}" r="5"/>`;
      let text = '';
      if (labels || kind === 'crash' || kind === 'restart' || faults || flagged) {
        const main =
          kind === 'crash'
            ? crashLabel(label, faults)
            : kind === 'restart'
              ? label
              : cut(label, 22);
        text += `<text class="ev-label" x="${cx + 10}" y="${cy - 1}">${esc(main)}</text>`;
        if (kind === 'crash')
          text += `<text class="crash-note" x="${cx + 10}" y="${cy + 11}">${esc(crashNote(label))}</text>`;
        const d = m.details;
        const a = d.emitOffsets[e];
        const z = d.emitOffsets[e + 1];
        if (z > a) {
          // The flagged fact (an outcome that vanished elsewhere) first.
          let k0 = a;
          for (let k = a; k < z; k++) if (m.flaggedFacts.includes(d.emits[k])) k0 = k;
          const fact = s(d.emits[k0]);
          const more = z - a > 1 ? ` +${z - a - 1}` : '';
          text += `<text class="fact-label${m.flaggedFacts.includes(d.emits[k0]) ? ' flagged' : ''}" x="${cx + 10}" y="${cy + 10}">+${esc(cut(fact, 26))}${more}</text>`;
        }
      }
      if (violation !== undefined) {
        shape = `<circle class="violation-ring" cx="${cx}" cy="${cy}" r="10"/>${shape}`;
        text += `<text class="violation-label" x="${cx + 10}" y="${cy + 22}">⚠ ${esc(cut(violation, 60))}</text>`;
      }
      return `<g class="${cls}" data-ev="${e}"><title>${esc(title)}</title>${shape}${text}</g>`;
    }
  }

  /** `C(a,2,send-omission)` → `C(a,2)`: the mode is on the crash mark already. @param {string} f */
  function shortFault(f) {
    return f.replace(/^C\(([^,]+),([^,]+),[^)]*\)$/, 'C($1,$2)');
  }

  /** What a crash mark says: the fault that caused it, when known.
   * @param {string} _label @param {string[] | undefined} faults */
  function crashLabel(_label, faults) {
    return faults === undefined ? 'CRASH' : `CRASH [${faults.map(shortFault).join(', ')}]`;
  }

  /** The crash mode in words. @param {string} label */
  function crashNote(label) {
    return label.includes('send-omission')
      ? 'computes on; sends lost'
      : label.includes('restart')
        ? 'down until restart'
        : label.includes('stop')
          ? 'stopped for good'
          : label;
  }

  /** @param {number} t */
  function formatTime(t) {
    return Number.isInteger(t) ? String(t) : t.toFixed(3).replace(/0+$/, '');
  }

  const views = [];
  const errors = [];
  for (const el of document.querySelectorAll('.lamport')) {
    try {
      views.push(new LamportView(/** @type {HTMLElement} */ (el)));
    } catch (e) {
      errors.push(String(e));
      el.textContent = `This diagram could not be drawn: ${e}`;
      console.error(e);
    }
  }
  // A lineage graph node (Graphviz keeps its id, e.g. `event:3`, as the node's title) finds its
  // event or message in the diagram of the run the graph was taken from.
  for (const fig of document.querySelectorAll('.lineage-view[data-graph-run]')) {
    fig.addEventListener('click', (ev) => {
      const node = /** @type {Element} */ (ev.target).closest('g.node');
      const id = node?.querySelector('title')?.textContent || '';
      const found = /^(event|message):(\d+)$/.exec(id);
      const run = fig.getAttribute('data-graph-run');
      const view = views.find((v) => v.root.dataset.model === `model-${run}`);
      if (found === null || view === undefined) return;
      view.root.scrollIntoView({ block: 'center' });
      if (found[1] === 'event') view.reveal(Number(found[2]));
      else view.revealMessage(Number(found[2]));
    });
  }
  // Lineage graphs: fitted to the width when that keeps the text readable; otherwise at natural
  // size, scrolled so the outcome (the top of the graph) is in view.
  for (const box of document.querySelectorAll('.lineage-svg')) {
    const svg = box.querySelector('svg');
    if (svg === null || box.clientWidth === 0) continue;
    const natural = svg.getBoundingClientRect().width;
    const button = box.previousElementSibling;
    if (natural <= box.clientWidth * 1.4) {
      box.classList.add('fit');
      if (button !== null) button.textContent = 'actual size';
    } else {
      const root = box.querySelector('g.node.fact');
      const r = root?.getBoundingClientRect();
      if (r !== undefined) {
        const b = box.getBoundingClientRect();
        box.scrollLeft = Math.max(0, r.left - b.left + r.width / 2 - box.clientWidth / 2);
      }
    }
  }
  for (const button of document.querySelectorAll('.fit-toggle')) {
    button.addEventListener('click', () => {
      const box = button.nextElementSibling;
      const fit = box?.classList.toggle('fit') === true;
      button.textContent = fit ? 'actual size' : 'fit to width';
    });
  }
  // A link to a run folded in the other runs' <details> unfolds it first.
  document.addEventListener('click', (ev) => {
    const link = /** @type {Element} */ (ev.target).closest('a[href^="#run-"]');
    const target = link && document.getElementById((link.getAttribute('href') || '').slice(1));
    const details = target?.closest('details');
    if (details) details.open = true;
  });
  for (const button of document.querySelectorAll('.download-json')) {
    button.addEventListener('click', () => {
      const id = button.getAttribute('data-model') || '';
      const data = document.getElementById(id)?.textContent || '';
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([data], { type: 'application/json' }));
      a.download = `${id}.json`;
      a.click();
      // Released after the browser has taken the download (revoking at once can cancel it).
      const url = a.href;
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });
  }
  // For tests and the benchmark: the views, and when the first drawing finished (ms since
  // navigation start).
  /** @type {any} */ (window).cadreReport = { views, errors, firstRenderMs: performance.now() };
  document.body.setAttribute('data-rendered', 'true');
})();
