/**
 * In-page typography passes that depend on where lines break (clreq): run on
 * a block container after its width is final and before its lines are
 * counted (the layout engine counts them after this runs). A block may get
 * shorter (its last line taken up by compressed punctuation: clreq's 先挤进)
 * but never longer: a block that got more lines is put back as it was.
 *
 * The passes only toggle classes on the spans the transform made
 * (rehype-cjk-spans) and, for 孤字, wrap the end of a paragraph in a nowrap
 * span; typography.css turns the classes into margins. No character is ever
 * added or removed.
 *
 * Speed: all blocks advance together, one round at a time, so a round costs
 * one layout of the container, not one per block. A block is measured only
 * when something in it changed: one Range.getClientRects() per text node
 * (one rect per line the node touches) and, for a node that spans a break,
 * a bisection over its characters to find the break; single characters are
 * measured only where a pass needs them (line ends, the next line's first
 * unit). While the passes run, the container is set flush left (line breaks
 * do not depend on justification), so the room left at a line's end is
 * simply the content box's right edge minus the last glyph's.
 *
 * Each round, per block:
 *   verify   — undo classes whose condition no longer holds (breaks moved);
 *   reduce   — 先挤进 (clreq: reduce before expanding): a loose line tries to
 *              take up the next line's first unit by compressing its own
 *              full-width marks and Han–Latin spaces to 1/8 em and setting
 *              the unit's final mark half-width (letter-spacing, which
 *              Chromium's line breaker counts, unlike an end margin) and the
 *              Han–Latin margin after a Latin run that would end the line;
 *              kept only when the unit came up and the block got no longer;
 *   shift    — a loose line whose next unit cannot come up even so takes a character from
 *              a tight line above (up to six lines up, the lines between shift by one),
 *              when that line stays within the loose limit; kept when the loose line got
 *              tighter;
 *   line end — a closing or pause mark at line end set half-width (GB/T 15834 §5.1.10);
 *   edges    — no Han–Latin margin at line start or end; a Latin run that would then
 *              jump back up (it fits the line above only without its margin) gets a
 *              reduced 1/8 em space up there, and if it still comes back down it is
 *              glued to the unit after it (nowrap) so it stays at the line start;
 *   opening  — an opening mark at the start of a line (not a paragraph's first) set flush;
 *   孤字     — a paragraph's last line with one character takes the last
 *              character of the line above (nowrap); when that leaves a loose
 *              line, another tight line further up gives up a character
 *              instead (whichever leaves the least loose line); every attempt is
 *              kept only if the block gets no longer.
 *   URLs     — before the rounds, <wbr> after `.`, `-`, `_`, `?`, `&`, `=`, `#` inside
 *              a link whose text is a URL (the transform breaks after `/` only).
 */
export interface TypesetOptions {
  /** Han–Latin space in em (0 = none) */
  hanLatinSpace: number;
  lineEndHalfWidth: boolean;
  strictness: 'none' | 'basic' | 'gb' | 'strict';
}

export interface TypesetReport {
  /** closing/pause marks ending a line that is not a paragraph's last */
  lineEndMarks: number;
  /** of those, set half-width */
  lineEndHalfWidth: number;
  /** lines that took up the next line's first unit by compressing punctuation or Han–Latin space */
  squeezed: number;
  /** Han–Latin margins removed at line start or end */
  hanLatinTrimmed: number;
  /** opening marks set flush at line start */
  openingFlush: number;
  /** loose lines that took a character from a tight line above */
  shifted: number;
  /** one-character last lines fixed */
  orphansFixed: number;
  /** one-character last lines left (could not be fixed without changing the line count) */
  orphansLeft: number;
  /** blocks put back because a pass gave them more lines */
  reverted: number;
  rounds: number;
  /** paragraphs measured */
  blocks: number;
  /** block measurements taken (one per changed block and round) */
  measurements: number;
  /** decisions, with the debug title only */
  log?: string[];
  /** time spent in typesetText, ms */
  ms: number;
  /** of which measuring lines (layout included), ms */
  msMeasure: number;
}

const MAX_ROUNDS = 18;
/** decisions to the console, for the test harness only (BM_DEBUG=1 gives its page this title) */
const DEBUG = typeof document !== 'undefined' && document.title === 'banmian-typography-debug';
const debugLog: string[] = [];
function dlog(s: string): void {
  debugLog.push(s);
}
const BLOCK_SELECTOR = 'p, li, dd, dt, figcaption, .bm-caption';
const PUNCT = /[\p{P}\p{S}]/u;
const OPENING = /[“‘「『（《〈【〖〔［｛]/u;
/** closing and pause marks: never at line start */
const NO_START = /[。．，、：；！‼？⁇”’」』）》〉】〗〕］｝～·・‧／]/u;
/** marks drawn in the middle of the em box in Simplified Chinese fonts: compressed by a quarter only */
const SQUEEZES = '.bm-p-squeeze, .bm-p-squeeze-c, .bm-p-squeeze-open, .bm-hl-squeeze';
const CENTRED = /[：；！？]/u;
/** loose-line threshold of `banmian check`, em per gap, with a little margin */
const LOOSE_EM = 0.115;

interface Unit {
  node: Text;
  offset: number;
  ch: string;
  /** the transform's span around it (.bm-p or .bm-hl), if any */
  span: HTMLElement | null;
}

interface MLine {
  first: number;
  last: number;
}

interface Measure {
  units: Unit[];
  lineOf: Int32Array;
  lines: MLine[];
  rects: (DOMRect | null)[];
  box: { left: number; right: number };
  em: number;
  /** first and last unit of each span */
  spans: Map<Element, [number, number]>;
}

interface Experiment {
  line: number;
  /** unit index that ended the line before */
  last: number;
  els: [Element, string][];
  kind: 'reduce' | 'orphan' | 'shift';
  /** shift: the nowrap span that carries the donor line's last character down */
  glue?: HTMLElement;
  /** shift: the donor line, and the loose line's looseness before */
  donor?: number;
  before?: number;
}

interface BlockState {
  el: HTMLElement;
  lines0: number;
  m: Measure | null;
  dirty: boolean;
  /** spans whose class we set, to put back */
  touched: Map<Element, string>;
  keep: HTMLElement | null;
  /** classes unset once are never set again on that element (no flip-flop) */
  flapped: WeakMap<Element, Set<string>>;
  orphanTried: boolean;
  /** Latin runs that moved up once their line-start margin was removed */
  lsMoved: WeakSet<Element>;
  /** Latin runs at line end whose removed margin let the next unit come up */
  leMoved: WeakSet<Element>;
  /** nowrap spans holding such a run and the unit after it */
  glues: HTMLElement[];
  /** lines that may give up a character for the 孤字, in the order to try */
  orphanCands: number[];
  /** marks left compressed mid-line after their half width pulled a character up */
  squeezes: Set<Element>;
  squeezeOk: boolean;
  /** loose lines already tried, by their last unit */
  triedLoose: Set<string>;
  /** nowrap spans that carry a character down to a loose line: never taken up again */
  shiftGlues: Set<HTMLElement>;
  pending: Experiment | null;
  quiet: number;
  done: boolean;
}

function emptyReport(): TypesetReport {
  return { lineEndMarks: 0, lineEndHalfWidth: 0, squeezed: 0, shifted: 0, hanLatinTrimmed: 0, openingFlush: 0, orphansFixed: 0, orphansLeft: 0, reverted: 0, rounds: 0, blocks: 0, measurements: 0, ms: 0, msMeasure: 0 };
}

function skipText(node: Node, block: Element): boolean {
  for (let el = node.parentElement; el && el !== block; el = el.parentElement) {
    const tag = el.tagName;
    if (tag === 'RT' || tag === 'RP' || tag === 'SCRIPT' || tag === 'STYLE') return true;
  }
  return false;
}

function contentBox(el: Element): { left: number; right: number } {
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  return { left: r.left + (parseFloat(s.paddingLeft) || 0) + (parseFloat(s.borderLeftWidth) || 0), right: r.right - (parseFloat(s.paddingRight) || 0) - (parseFloat(s.borderRightWidth) || 0) };
}

const range = typeof document === 'undefined' ? (null as unknown as Range) : document.createRange();

function rectOfUnit(u: Unit): DOMRect | null {
  range.setStart(u.node, u.offset);
  range.setEnd(u.node, u.offset + u.ch.length);
  const rs = range.getClientRects();
  for (const r of rs) if (r.width > 0 || r.height > 0) return r;
  return null;
}

/** Lines of a block: one getClientRects() per text node, single characters only around breaks. */
export function measureBlock(block: HTMLElement): Measure {
  const s = getComputedStyle(block);
  const em = parseFloat(s.fontSize) || 16;
  const lh = parseFloat(s.lineHeight) || em * 1.5;
  const units: Unit[] = [];
  const lineIdx: number[] = [];
  const rects: (DOMRect | null)[] = [];
  const mids: number[] = [];
  const lineFor = (mid: number): number => {
    for (let k = mids.length - 1; k >= 0 && k >= mids.length - 4; k--) if (Math.abs(mid - mids[k]!) <= 0.4 * lh) return k;
    for (let k = 0; k < mids.length; k++) if (Math.abs(mid - mids[k]!) <= 0.4 * lh) return k;
    mids.push(mid);
    return mids.length - 1;
  };
  const spanCache = new Map<Element | null, HTMLElement | null>();
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const node = n as Text;
    const text = node.data;
    if (!/\S/u.test(text) || skipText(node, block)) continue;
    range.selectNodeContents(node);
    const rs = [...range.getClientRects()].filter((r) => r.width > 0 || r.height > 0);
    if (rs.length === 0) continue;
    const parent = node.parentElement;
    let span = spanCache.get(parent);
    if (span === undefined) {
      const c = parent?.closest<HTMLElement>('.bm-p, .bm-hl') ?? null;
      span = c && block.contains(c) && c !== block ? c : null;
      spanCache.set(parent, span);
    }
    const start = units.length;
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i)!;
      const len = cp > 0xffff ? 2 : 1;
      const ch = text.slice(i, i + len);
      if (!/\s/u.test(ch)) {
        units.push({ node, offset: i, ch, span });
        rects.push(null);
        lineIdx.push(-1);
      }
      i += len;
    }
    const end = units.length;
    if (end === start) continue;
    const ls = rs.map((r) => lineFor((r.top + r.bottom) / 2));
    const lo = Math.min(...ls);
    const hi = Math.max(...ls);
    if (lo === hi) {
      for (let i = start; i < end; i++) lineIdx[i] = lo;
      continue;
    }
    const lineAt = (i: number): number => {
      if (lineIdx[i]! >= 0) return lineIdx[i]!;
      const r = rectOfUnit(units[i]!);
      rects[i] = r;
      lineIdx[i] = r ? lineFor((r.top + r.bottom) / 2) : -2;
      return lineIdx[i]!;
    };
    // bisection: characters of one node are in line order
    const fill = (a: number, b: number) => {
      const la = lineAt(a);
      const lb = lineAt(b);
      if (la === lb && la >= 0) {
        for (let i = a + 1; i < b; i++) lineIdx[i] = la;
        return;
      }
      if (b - a <= 1) return;
      const mid = (a + b) >> 1;
      fill(a, mid);
      fill(mid, b);
    };
    fill(start, end - 1);
  }
  // keep measured units only, number lines in order
  const keepUnits: Unit[] = [];
  const keepRects: (DOMRect | null)[] = [];
  const lineOf: number[] = [];
  const lines: MLine[] = [];
  let prevRaw = -1;
  for (let i = 0; i < units.length; i++) {
    const raw = lineIdx[i]!;
    if (raw < 0) continue;
    if (raw !== prevRaw || lines.length === 0) {
      lines.push({ first: keepUnits.length, last: keepUnits.length });
      prevRaw = raw;
    }
    lines[lines.length - 1]!.last = keepUnits.length;
    lineOf.push(lines.length - 1);
    keepUnits.push(units[i]!);
    keepRects.push(rects[i]!);
  }
  const spans = new Map<Element, [number, number]>();
  keepUnits.forEach((u, i) => {
    if (!u.span) return;
    const r = spans.get(u.span);
    if (r) r[1] = i;
    else spans.set(u.span, [i, i]);
  });
  return { units: keepUnits, lineOf: Int32Array.from(lineOf), lines, rects: keepRects, box: contentBox(block), em, spans };
}

function rect(m: Measure, i: number): DOMRect | null {
  if (m.rects[i] === null || m.rects[i] === undefined) m.rects[i] = rectOfUnit(m.units[i]!);
  return m.rects[i]!;
}

function isKind(span: Element | null, ...kinds: string[]): boolean {
  return !!span && kinds.some((k) => span.classList.contains(k));
}

/** Room left at the end of a line (flush-left measurement), margins of the last span counted. */
function room(m: Measure, line: MLine): number {
  const r = rect(m, line.last);
  if (!r) return 0;
  let right = r.right;
  const u = m.units[line.last]!;
  if (u.span && m.spans.get(u.span)![1] === line.last) right += parseFloat(getComputedStyle(u.span).marginRight) || 0;
  return m.box.right - right;
}

/**
 * Estimated extra space per gap (em) once the line is justified. Han–Latin margins are the
 * design, not justification (as in `banmian check`): only the room left at the line's end counts.
 */
function looseness(m: Measure, k: number): number {
  const line = m.lines[k]!;
  const gaps = line.last - line.first;
  if (gaps < 1) return 0;
  return room(m, line) / m.em / gaps;
}

/** Removes a class whose condition failed; it is not set again on that element (no flip-flop). */
function unset(state: BlockState, el: Element, cls: string): boolean {
  const set = state.flapped.get(el) ?? new Set<string>();
  set.add(cls);
  state.flapped.set(el, set);
  return setClass(state, el, cls, false);
}

function setClass(state: BlockState, el: Element, cls: string, on: boolean): boolean {
  if (el.classList.contains(cls) === on) return false;
  if (on && state.flapped.get(el)?.has(cls)) return false;
  if (!state.touched.has(el)) state.touched.set(el, el.className);
  el.classList.toggle(cls, on);
  return true;
}

function letters(m: Measure, line: MLine): number {
  let n = 0;
  for (let i = line.first; i <= line.last; i++) if (!PUNCT.test(m.units[i]!.ch)) n++;
  return n;
}

/** Classes that compress the full-width marks and Han–Latin spaces of line k (not its last unit). */
function compressions(m: Measure, k: number): [Element, string][] {
  const line = m.lines[k]!;
  const out: [Element, string][] = [];
  const seen = new Set<Element>();
  for (let i = line.first; i <= line.last; i++) {
    const sp = m.units[i]!.span;
    if (!sp || seen.has(sp)) continue;
    seen.add(sp);
    const [a, b] = m.spans.get(sp)!;
    if (sp.classList.contains('bm-hl')) {
      if ((sp.classList.contains('bm-hl-s') && a > line.first) || (sp.classList.contains('bm-hl-e') && b < line.last)) {
        if (!sp.classList.contains('bm-ls') && !sp.classList.contains('bm-le')) out.push([sp, 'bm-hl-squeeze']);
      }
      continue;
    }
    if (isKind(sp, 'bm-p-end', 'bm-p-squeeze', 'bm-p-squeeze-c', 'bm-p-squeeze-open', 'bm-p-start')) continue;
    if (b >= line.last) continue; // the line's last mark: the line-end pass
    const next = m.units[b + 1];
    const prev = m.units[a - 1];
    if (isKind(sp, 'bm-p-close', 'bm-p-pause')) {
      // trailing half em, unless Chromium already shares it with a following mark (chws)
      const trimmed = next?.span && isKind(next.span, 'bm-p-close', 'bm-p-pause', 'bm-p-open') && (rect(m, b)?.width ?? m.em) < 0.75 * m.em;
      if (next && !trimmed) out.push([sp, CENTRED.test(m.units[b]!.ch) ? 'bm-p-squeeze-c' : 'bm-p-squeeze']);
    } else if (sp.classList.contains('bm-p-open')) {
      if (a > line.first && prev && !(prev.span && isKind(prev.span, 'bm-p-close', 'bm-p-pause', 'bm-p-open'))) out.push([sp, 'bm-p-squeeze-open']);
    }
  }
  return out;
}

/** One round on one block, on a fresh measurement; returns true when something changed. */
function round(state: BlockState, m: Measure, options: TypesetOptions, report: TypesetReport): boolean {
  const block = state.el;
  const { lines, units, lineOf } = m;
  if (lines.length === 0) return false;
  const nLines = lines.length;
  const lastUnit = units.length - 1;
  const isLineEnd = (i: number) => lineOf[i]! < nLines - 1 && lines[lineOf[i]!]!.last === i;
  const isLineStart = (i: number) => lineOf[i]! > 0 && lines[lineOf[i]!]!.first === i;
  const spanOf = (el: Element) => m.spans.get(el);

  // the experiment of the last round: kept when it brought something up and the block kept its lines
  if (DEBUG) dlog(`round: ${lines.map((l) => units.slice(l.first, l.last + 1).map((u) => u.ch).join('')).join(' / ')} :: ${[...state.touched.keys()].map((e) => e.textContent + ':' + e.className.replace(/bm-p |bm-hl /g, '')).join(',')}`);
  const ex = state.pending;
  state.pending = null;
  if (ex) {
    const line = lines[ex.line];
    const ok =
      nLines <= state.lines0 &&
      !!line &&
      (ex.kind === 'orphan'
        ? letters(m, lines[nLines - 1]!) !== 1 || nLines < 2
        : ex.kind === 'shift'
          ? line.last === ex.last && looseness(m, ex.line) < ex.before! - 0.02 && looseness(m, ex.donor!) <= LOOSE_EM
          : line.last > ex.last);
    if (DEBUG) dlog(`exp ${ex.kind} line ${ex.line} room ${line ? (room(m, line) / m.em).toFixed(2) : '-'} next ${lines[ex.line + 1] ? units.slice(lines[ex.line + 1]!.first, lines[ex.line + 1]!.first + 4).map((u) => `${u.ch}${((rect(m, units.indexOf(u))?.width ?? 0) / m.em).toFixed(2)}`).join(' ') : ''} ok=${ok} n=${nLines}/${state.lines0} last ${ex.last}->${line?.last} els=${ex.els.map(([e, c]) => e.textContent + ':' + c).join(',')}`);
    if (!ok) {
      for (const [el, cls] of ex.els) setClass(state, el, cls, false);
      if (ex.kind === 'orphan') unkeep(state);
      if (ex.kind === 'shift' && ex.glue) {
        state.glues = state.glues.filter((g) => g !== ex.glue);
        state.shiftGlues.delete(ex.glue);
        unwrap(ex.glue);
      }
      return true;
    }
    if (ex.kind === 'reduce') report.squeezed++;
    else if (ex.kind === 'shift') report.shifted++;
    else report.orphansFixed++;
  }

  let changed = false;
  // verify: classes whose condition no longer holds
  for (const el of block.querySelectorAll('.bm-p-end')) {
    const r = spanOf(el);
    const g = r?.[1];
    if (g === lastUnit) continue; // a full last line's final mark (below)
    if (g !== undefined && !isLineEnd(g) && g !== lastUnit && state.squeezeOk) {
      // its half width pulled the next character up: the mark stays compressed mid-line
      // (clreq: reduce before expanding — a closing or pause mark gives up its trailing half em)
      if (!state.squeezes.has(el)) {
        state.squeezes.add(el);
        report.squeezed++;
      }
      continue;
    }
    if (g === undefined || !isLineEnd(g)) changed = unset(state, el, 'bm-p-end') || changed;
  }
  for (const el of block.querySelectorAll('.bm-p-start')) {
    const g = spanOf(el)?.[0];
    if (g === undefined || !isLineStart(g)) changed = unset(state, el, 'bm-p-start') || changed;
  }
  for (const el of block.querySelectorAll('.bm-ls')) {
    const g = spanOf(el)?.[0];
    if (g === undefined || isLineStart(g)) continue;
    // Without its margin the run fits at the end of the line above, where it needs the margin
    // again: the first time, the run is glued to what follows it (below), so it stays down.
    // Up there it first gets a reduced space (1/8 em, clreq's reduction before expansion).
    if (!state.lsMoved.has(el)) {
      state.lsMoved.add(el);
      changed = setClass(state, el, 'bm-ls', false) || changed;
      changed = setClass(state, el, 'bm-hl-squeeze', true) || changed;
    } else changed = unset(state, el, 'bm-ls') || changed;
  }
  for (const el of block.querySelectorAll('.bm-le')) {
    const g = spanOf(el)?.[1];
    if (g === undefined || isLineEnd(g)) continue;
    // Without its margin the line takes up the next unit, and the run needs its margin again:
    // the first time, the next line's first unit is glued to the one after it (below).
    if (!state.leMoved.has(el)) {
      state.leMoved.add(el);
      changed = setClass(state, el, 'bm-le', false) || changed;
    } else changed = unset(state, el, 'bm-le') || changed;
  }
  // squeezed marks or spaces that moved to a line's end or start: the edge classes take over
  for (const el of block.querySelectorAll(SQUEEZES)) {
    const r = spanOf(el);
    if (!r) continue;
    if (isLineEnd(r[1])) for (const c of ['bm-p-squeeze', 'bm-p-squeeze-c']) changed = setClass(state, el, c, false) || changed;
    if (el.classList.contains('bm-p-squeeze-open') && isLineStart(r[0])) changed = setClass(state, el, 'bm-p-squeeze-open', false) || changed;
  }
  if (changed) return true;

  // line end: closing / pause marks half-width
  if (options.lineEndHalfWidth) {
    for (let k = 0; k < nLines - 1; k++) {
      const sp = units[lines[k]!.last]!.span;
      if (!sp || !isKind(sp, 'bm-p-close', 'bm-p-pause')) continue;
      changed = setClass(state, sp, 'bm-p-end', true) || changed;
    }
  }
  // a paragraph's last line that is full ends at the column edge like any other line: its
  // final mark half-width too (the line is not justified, so the half em is simply left over)
  if (options.lineEndHalfWidth && nLines >= 2) {
    const last = lines[nLines - 1]!;
    const sp = units[last.last]!.span;
    if (sp && isKind(sp, 'bm-p-close', 'bm-p-pause') && !sp.classList.contains('bm-p-end') && room(m, last) < 0.25 * m.em) changed = setClass(state, sp, 'bm-p-end', true) || changed;
  }
  // edges: no Han–Latin margin at line start or end; opening marks flush at line start
  for (let k = 1; k < nLines; k++) {
    const i = lines[k]!.first;
    const sp = units[i]!.span;
    if (!sp) continue;
    if (sp.classList.contains('bm-hl-s') && spanOf(sp)![0] === i && !sp.classList.contains('bm-ls')) {
      if (state.lsMoved.has(sp) && !state.glues.some((g) => g.contains(sp))) glue(state, sp, units[spanOf(sp)![1] + 1] ?? null);
      setClass(state, sp, 'bm-hl-squeeze', false);
      changed = setClass(state, sp, 'bm-ls', true) || changed;
    }
    if (sp.classList.contains('bm-p-open')) {
      // flush only when Chromium kept the full width (text-spacing-trim did not apply)
      const r = rect(m, i);
      if (r && r.width > 0.75 * m.em) changed = setClass(state, sp, 'bm-p-start', true) || changed;
    }
  }
  for (let k = 0; k < nLines - 1; k++) {
    const i = lines[k]!.last;
    const sp = units[i]!.span;
    if (sp && sp.classList.contains('bm-hl-e') && spanOf(sp)![1] === i && !sp.classList.contains('bm-le')) {
      const n = units[i + 1];
      if (state.leMoved.has(sp) && n && !state.glues.some((g) => g.contains(n.node))) glueUnits(state, n, units[i + 2] ?? null);
      changed = setClass(state, sp, 'bm-le', true) || changed;
    }
  }
  if (changed) return true;

  // reduce (先挤进): the first loose line not tried yet takes up the next line's first unit
  if (options.lineEndHalfWidth && state.squeezeOk) {
    for (let k = 0; k + 1 < nLines; k++) {
      const line = lines[k]!;
      const key = `${k}:${line.first}:${line.last}`;
      if (state.triedLoose.has(key)) continue;
      if (looseness(m, k) <= LOOSE_EM) continue;
      state.triedLoose.add(key);
      // a character carried down by a shift stays down
      const head = units[lines[k + 1]!.first]!.node;
      if ([...state.shiftGlues].some((g) => g.contains(head))) continue;
      const els = compressions(m, k);
      // the next line's first unit: its closing/pause mark will end this line, half-width
      const next = lines[k + 1]!;
      let j = next.first;
      // a Latin run comes up whole or not at all
      const runSpan = units[j]!.span;
      if (runSpan && runSpan.classList.contains('bm-hl')) j = Math.min(next.last, spanOf(runSpan)![1]);
      else while (j < next.last && j - next.first < 4 && !NO_START.test(units[j + 1]!.ch)) j++;
      while (j < next.last && NO_START.test(units[j + 1]!.ch)) j++;
      // marks inside that unit that Chromium left full width before another mark (”，)
      for (let i = next.first; i < j; i++) {
        const sp = units[i]!.span;
        if (sp && isKind(sp, 'bm-p-close', 'bm-p-pause') && !CENTRED.test(units[i]!.ch) && NO_START.test(units[i + 1]!.ch) && (rect(m, i)?.width ?? 0) > 0.75 * m.em) els.push([sp, 'bm-p-squeeze']);
      }
      const endSpan = units[j]!.span;
      if (endSpan && isKind(endSpan, 'bm-p-close', 'bm-p-pause') && !endSpan.classList.contains('bm-p-end') && !(k + 1 === nLines - 1 && j === next.last)) els.push([endSpan, 'bm-p-end']);
      // a Latin run that would end this line: its Han–Latin margin after it goes (no space at line end);
      // Chromium counts a span's end margin when it decides whether the run fits
      if (endSpan && endSpan.classList.contains('bm-hl-e') && spanOf(endSpan)?.[1] === j && j < next.last && !endSpan.classList.contains('bm-le')) els.push([endSpan, 'bm-le']);
      const applied: [Element, string][] = [];
      for (const [el, cls] of els) if (setClass(state, el, cls, true)) applied.push([el, cls]);
      if (applied.length === 0) continue;
      state.pending = { line: k, last: line.last, els: applied, kind: 'reduce' };
      return true;
    }
  }

  // shift (the paragraph takes up the room): a loose line whose next unit cannot come up even
  // compressed takes a character from a tight line above instead. That line ends a character
  // early (its last character glued to the next line's first), the lines in between shift by
  // one, and the loose line starts a character earlier. Kept when the loose line got tighter
  // and the line that gave the character stays within the loose limit.
  if (options.lineEndHalfWidth && state.squeezeOk) {
    for (let k = 1; k + 1 < nLines; k++) {
      const before = looseness(m, k);
      if (before <= LOOSE_EM) continue;
      const key = `s${k}:${lines[k]!.first}:${lines[k]!.last}`;
      if (state.triedLoose.has(key)) continue;
      state.triedLoose.add(key);
      const shift = donorFor(m, k);
      if (DEBUG) dlog(`shift? line ${k} ${units.slice(lines[k]!.first, lines[k]!.last + 1).map((u) => u.ch).join('')} (${before.toFixed(3)}): ${shift ? `line ${shift.j}` : 'no donor'}`);
      if (!shift) continue;
      const g = glueUnits(state, units[shift.a]!, units[shift.b]!);
      if (!g) continue;
      state.shiftGlues.add(g);
      if (DEBUG) dlog(`shift line ${k} (${before.toFixed(3)}) from line ${shift.j}: ${g.textContent}`);
      state.pending = { line: k, last: lines[k]!.last, els: [], kind: 'shift', glue: g, donor: shift.j, before };
      return true;
    }
  }

  // 孤字: the last line holds one character (punctuation not counted). One line above ends a
  // character earlier (that character glued to the next line's first): the lines in between
  // shift by one and the last line gets two characters. The line that gives up its character is
  // chosen among the tight lines right above the last (a line with room would absorb the shift)
  // so that it ends up the least loose; the next candidate is tried when one fails.
  if (state.quiet > 0 && nLines >= 2 && letters(m, lines[nLines - 1]!) === 1) {
    if (!state.orphanTried) {
      state.orphanTried = true;
      const cands: { k: number; loose: number }[] = [];
      for (let k = nLines - 2; k >= 0 && k >= nLines - 8; k--) {
        const line = lines[k]!;
        const gaps = line.last - line.first;
        if (gaps >= 2) cands.push({ k, loose: (room(m, line) / m.em + 1) / (gaps - 1) });
        if (k < nLines - 2 && room(m, line) >= 0.9 * m.em) break;
        if (k <= nLines - 2 && k > 0 && room(m, lines[k - 1]!) >= 0.9 * m.em) break;
      }
      // the line right above, unless another tight line would stay within the loose limit
      // while that one would not; the line right above is always tried last
      const near = cands.find((c) => c.k === nLines - 2);
      const best = cands.filter((c) => c.k !== nLines - 2 && c.loose <= LOOSE_EM).sort((x, y) => x.loose - y.loose)[0];
      state.orphanCands = best && (!near || near.loose > LOOSE_EM) ? [best.k, nLines - 2] : [nLines - 2];
    }
    if (DEBUG) dlog(`orphan cands ${state.orphanCands}`);
    while (state.orphanCands.length) {
      const k = state.orphanCands.shift()!;
      const line = lines[k]!;
      let a = line.last;
      while (a > line.first && PUNCT.test(units[a]!.ch)) a--;
      // an opening mark stays with the character it opens
      while (a > line.first && OPENING.test(units[a - 1]!.ch)) a--;
      const u = units[a]!;
      if (a <= line.first || NO_START.test(u.ch) || (PUNCT.test(u.ch) && !OPENING.test(u.ch))) continue;
      let b = lines[k + 1]!.first;
      while (b < lastUnit && (OPENING.test(units[b]!.ch) || NO_START.test(units[b + 1]!.ch))) b++;
      keepTogether(state, u, k === nLines - 2 ? null : units[b]!);
      state.pending = { line: nLines - 1, last: lines[nLines - 1]!.last, els: [], kind: 'orphan' };
      return true;
    }
  }
  return false;
}

/** Wraps units from `u` to `v` (or to the block's end), whole spans, in a nowrap span. */
function keepTogether(state: BlockState, u: Unit, v: Unit | null): void {
  const block = state.el;
  const r = document.createRange();
  const atomOf = (x: Unit) => {
    const atom = x.node.parentElement?.closest('.bm-p, .bm-hl, .bm-nobr, ruby');
    return atom && block.contains(atom) && atom !== block ? atom : null;
  };
  const a = atomOf(u);
  if (a) r.setStartBefore(a);
  else r.setStart(u.node, u.offset);
  if (!v) r.setEnd(block, block.childNodes.length);
  else {
    const b = atomOf(v);
    if (b) r.setEndAfter(b);
    else r.setEnd(v.node, v.offset + v.ch.length);
  }
  const keep = document.createElement('span');
  keep.className = 'bm-keep';
  keep.appendChild(r.extractContents());
  // Chromium breaks at a <wbr> even inside nowrap: park them as comments while kept together
  for (const w of [...keep.querySelectorAll('wbr')]) w.replaceWith(document.createComment('bm-wbr'));
  r.insertNode(keep);
  // Chromium takes the break rule before a nowrap span from the span: give the break back.
  keep.parentNode!.insertBefore(document.createElement('wbr'), keep);
  state.keep = keep;
}

/** Glues a Latin run to the unit after it (nowrap), so it cannot move up once its line-start margin is gone. */
function glue(state: BlockState, sp: HTMLElement, next: Unit | null): void {
  if (!next || sp.querySelector('wbr') || !sp.parentNode) return;
  const r = document.createRange();
  r.setStartBefore(sp);
  const atom = next.node.parentElement?.closest('.bm-p, .bm-hl, .bm-nobr, ruby');
  if (atom && state.el.contains(atom) && atom !== state.el && !atom.contains(sp)) r.setEndAfter(atom);
  else r.setEnd(next.node, next.offset + next.ch.length);
  if (r.startContainer !== r.endContainer && !r.commonAncestorContainer.contains(sp.parentNode)) return;
  const g = document.createElement('span');
  g.className = 'bm-glue';
  g.appendChild(r.extractContents());
  r.insertNode(g);
  state.glues.push(g);
}

/**
 * The line above loose line k that can best give up its last character (with the marks that
 * must go with it) and stay within the loose limit: the lines in between must be full, else
 * they absorb the shift. Returns the units to glue: the donor's first unit to move down and
 * the next line's first unit (with what may not be parted from it).
 */
function donorFor(m: Measure, k: number): { j: number; a: number; b: number } | null {
  const { lines, units } = m;
  let best: { j: number; a: number; b: number; loose: number } | null = null;
  for (let j = k - 1; j >= 0 && j >= k - 6; j--) {
    const line = lines[j]!;
    if (j < k - 1 && room(m, lines[j + 1]!) >= 0.5 * m.em) break;
    let a = line.last;
    while (a > line.first && PUNCT.test(units[a]!.ch) && !OPENING.test(units[a]!.ch)) a--;
    while (a > line.first && OPENING.test(units[a - 1]!.ch)) a--;
    const u = units[a]!;
    if (a <= line.first + 1 || NO_START.test(u.ch) || (PUNCT.test(u.ch) && !OPENING.test(u.ch))) continue;
    // a Latin run moves whole: its first letter
    if (u.span?.classList.contains('bm-hl')) {
      const first = m.spans.get(u.span)![0];
      if (first <= line.first + 1) continue;
      a = first;
    }
    const ra = rect(m, a);
    const rl = rect(m, line.last);
    if (!ra || !rl) continue;
    const moved = (rl.right - ra.left) / m.em;
    const gaps = a - 1 - line.first;
    if (gaps < 1) continue;
    // the mark that then ends the line is set half-width: half an em more to spread
    const end = units[a - 1]!;
    const halfMore = end.span && isKind(end.span, 'bm-p-close', 'bm-p-pause') && !end.span.classList.contains('bm-p-end') ? 0.5 : 0;
    const loose = (room(m, line) / m.em + moved + halfMore) / gaps;
    if (DEBUG) dlog(`  donor? ${j} a=${units[a]!.ch} moved=${moved.toFixed(2)} room=${(room(m, line) / m.em).toFixed(2)} gaps=${gaps} -> ${loose.toFixed(3)}`);
    if (loose > LOOSE_EM) continue;
    let b = lines[j + 1]!.first;
    while (b < units.length - 1 && (OPENING.test(units[b]!.ch) || NO_START.test(units[b + 1]!.ch))) b++;
    if (!best || loose < best.loose) best = { j, a, b, loose };
  }
  return best && { j: best.j, a: best.a, b: best.b };
}

/** Glues unit `a` (whole span) to unit `b` (whole span) in a nowrap span; returns the span. */
function glueUnits(state: BlockState, a: Unit, b: Unit | null): HTMLElement | null {
  if (!b) return null;
  const block = state.el;
  const atomOf = (x: Unit) => {
    const atom = x.node.parentElement?.closest('.bm-p, .bm-hl, .bm-nobr, ruby');
    return atom && block.contains(atom) && atom !== block ? atom : null;
  };
  const r = document.createRange();
  const aa = atomOf(a);
  const bb = atomOf(b);
  if (aa?.querySelector('wbr') || bb?.querySelector('wbr')) return null;
  if (aa) r.setStartBefore(aa);
  else r.setStart(a.node, a.offset);
  if (bb) r.setEndAfter(bb);
  else r.setEnd(b.node, b.offset + b.ch.length);
  if (r.collapsed) return null;
  const g = document.createElement('span');
  g.className = 'bm-glue';
  g.appendChild(r.extractContents());
  for (const w of [...g.querySelectorAll('wbr')]) w.replaceWith(document.createComment('bm-wbr'));
  r.insertNode(g);
  state.glues.push(g);
  return g;
}

/** Take a nowrap span apart: the <wbr>s parked in it come back, its children go back in its place. */
function unwrap(span: Node): void {
  const parent = span.parentNode;
  if (!parent) return;
  const parked: Comment[] = [];
  const walker = document.createTreeWalker(span, NodeFilter.SHOW_COMMENT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) if ((n as Comment).data === 'bm-wbr') parked.push(n as Comment);
  for (const c of parked) c.replaceWith(document.createElement('wbr'));
  while (span.firstChild) parent.insertBefore(span.firstChild, span);
  parent.removeChild(span);
  parent.normalize();
}

function unglue(state: BlockState): void {
  for (const g of state.glues) unwrap(g);
  state.glues = [];
  state.shiftGlues.clear();
}

function unkeep(state: BlockState): void {
  const keep = state.keep;
  if (!keep || !keep.parentNode) return;
  if (keep.previousSibling?.nodeName === 'WBR') keep.parentNode.removeChild(keep.previousSibling);
  unwrap(keep);
  state.keep = null;
}

function revert(state: BlockState): void {
  unkeep(state);
  unglue(state);
  for (const [el, cls] of state.touched) el.className = cls;
  state.touched.clear();
}

/**
 * More break opportunities inside URLs: the transform allows a break after each `/`; a narrow
 * column also needs one after `.`, `-`, `_`, `?`, `&`, `=` and `#` between letters or digits
 * (`www.` / `example.` / `com/`), else a long host name leaves the line before it loose. Only
 * <wbr> elements are added: the text stays the same.
 */
function urlBreaks(root: HTMLElement): void {
  const nodes: Text[] = [];
  for (const a of root.querySelectorAll('a')) {
    const t = a.textContent ?? '';
    if (!/^(https?:\/\/|www\.)/u.test(t) || a.querySelector('wbr.bm-url')) continue;
    const walker = document.createTreeWalker(a, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n as Text);
  }
  for (const node of nodes) {
    let text = node;
    for (;;) {
      const m = /[A-Za-z0-9][.\-_?&=#](?=[A-Za-z0-9])/u.exec(text.data);
      if (!m) break;
      const rest = text.splitText(m.index + 2);
      const w = document.createElement('wbr');
      w.className = 'bm-url';
      rest.before(w);
      text = rest;
    }
  }
}

/**
 * What typesetText sets on its root before it measures: strictness, the Han–Latin space, flush left, breaks
 * in URLs. The engine calls it before its first layout of the measuring column, so that typesetText
 * measures in that layout; a second call changes nothing (and so costs no layout).
 */
export function prepareTypeset(root: HTMLElement, options: TypesetOptions): void {
  if (root.dataset.bmStrictness !== options.strictness) root.dataset.bmStrictness = options.strictness;
  const space = `${Math.max(0, options.hanLatinSpace)}em`;
  if (root.style.getPropertyValue('--bm-han-latin') !== space) root.style.setProperty('--bm-han-latin', space);
  // flush left while measuring: the room at a line's end is then read off one glyph
  root.classList.add('bm-measuring');
  urlBreaks(root);
}

/** Blocks of text inside root, innermost only. */
function blocksOf(root: HTMLElement): HTMLElement[] {
  const all = [...root.querySelectorAll<HTMLElement>(BLOCK_SELECTOR)];
  if (root.matches(BLOCK_SELECTOR)) all.unshift(root);
  return all.filter((el) => !el.querySelector(BLOCK_SELECTOR) && /\S/u.test(el.textContent ?? ''));
}

function measured(state: BlockState, report: TypesetReport): Measure {
  if (!state.m || state.dirty) {
    const t = performance.now();
    state.m = measureBlock(state.el);
    report.msMeasure += performance.now() - t;
    state.dirty = false;
    report.measurements++;
  }
  return state.m;
}

export function typesetText(root: HTMLElement, options: TypesetOptions): TypesetReport {
  const t0 = performance.now();
  const report = emptyReport();
  prepareTypeset(root, options);
  const states: BlockState[] = blocksOf(root).map((el) => ({
    el,
    lines0: 0,
    m: null,
    dirty: true,
    touched: new Map(),
    keep: null,
    flapped: new WeakMap(),
    orphanTried: false,
    orphanCands: [],
    lsMoved: new WeakSet(),
    leMoved: new WeakSet(),
    glues: [],
    squeezes: new Set(),
    squeezeOk: true,
    triedLoose: new Set(),
    shiftGlues: new Set(),
    pending: null,
    quiet: 0,
    done: false,
  }));
  report.blocks = states.length;
  for (const s of states) s.lines0 = measured(s, report).lines.length;

  const run = (active: BlockState[], rounds: number) => {
    for (let r = 0; r < rounds; r++) {
      let any = false;
      // measure every changed block before any block changes: one layout for all of them
      for (const s of active) if (!s.done) measured(s, report);
      for (const s of active) {
        if (s.done) continue;
        const changed = round(s, measured(s, report), options, report);
        if (changed) {
          s.dirty = true;
          s.quiet = 0;
          any = true;
        } else if (++s.quiet >= 2) s.done = true;
        else any = true;
      }
      report.rounds = Math.max(report.rounds, r + 1);
      if (!any) break;
    }
    // an experiment still pending at the last round is undone
    for (const s of active) {
      if (s.pending) {
        for (const [el, cls] of s.pending.els) setClass(s, el, cls, false);
        s.pending = null;
        s.dirty = true;
      }
    }
  };
  run(states, MAX_ROUNDS);

  // A block that got more lines: without the 孤字 span, then without mid-line
  // squeezes (and the passes once more), then as it was.
  let wrong = states.filter((s) => measured(s, report).lines.length > s.lines0);
  if (wrong.length) {
    for (const s of wrong) {
      if (s.keep) {
        unkeep(s);
        s.dirty = true;
      }
    }
    wrong = wrong.filter((s) => measured(s, report).lines.length > s.lines0);
    const again: BlockState[] = [];
    for (const s of wrong) {
      if (s.squeezes.size === 0 && s.el.querySelector(SQUEEZES) === null) continue;
      for (const el of s.squeezes) unset(s, el, 'bm-p-end');
      report.squeezed -= s.squeezes.size;
      s.squeezes.clear();
      for (const el of s.el.querySelectorAll(SQUEEZES)) {
        for (const cls of ['bm-p-squeeze', 'bm-p-squeeze-c', 'bm-p-squeeze-open', 'bm-hl-squeeze']) setClass(s, el, cls, false);
      }
      s.squeezeOk = false;
      s.orphanTried = false;
      s.done = false;
      s.quiet = 0;
      s.dirty = true;
      again.push(s);
    }
    if (again.length) run(again, MAX_ROUNDS / 2);
    for (const s of wrong) {
      if (measured(s, report).lines.length > s.lines0) {
        revert(s);
        s.dirty = true;
        report.reverted++;
      }
    }
  }

  // Final figures.
  for (const s of states) {
    const m = measured(s, report);
    const { lines, units } = m;
    lines.forEach((l, k) => {
      if (k === lines.length - 1) return;
      const sp = units[l.last]!.span;
      if (!sp || !isKind(sp, 'bm-p-close', 'bm-p-pause')) return;
      report.lineEndMarks++;
      if (sp.classList.contains('bm-p-end')) report.lineEndHalfWidth++;
    });
    if (lines.length >= 2 && letters(m, lines[lines.length - 1]!) === 1) report.orphansLeft++;
    if (DEBUG) for (const [k, l] of lines.entries()) dlog(`L${k} room=${(room(m, l) / m.em).toFixed(2)} ${units.slice(l.first, l.last + 1).map((u) => u.ch).join('')}`);
    report.hanLatinTrimmed += s.el.querySelectorAll('.bm-ls, .bm-le').length;
    report.openingFlush += s.el.querySelectorAll('.bm-p-start').length;
    s.m = null;
  }
  root.classList.remove('bm-measuring');
  if (DEBUG) {
    // the breaks once justified must be the ones measured flush left
    for (const s of states) {
      const a = measureBlock(s.el);
      const text = a.lines.map((l) => a.units.slice(l.first, l.last + 1).map((u) => u.ch).join('')).join(' / ');
      root.classList.add('bm-measuring');
      const b = measureBlock(s.el);
      root.classList.remove('bm-measuring');
      const textB = b.lines.map((l) => b.units.slice(l.first, l.last + 1).map((u) => u.ch).join('')).join(' / ');
      if (text !== textB) dlog(`JUSTIFY-DIFF ${textB}  =>  ${text}`);
    }
  }
  report.ms = Math.round(performance.now() - t0);
  report.msMeasure = Math.round(report.msMeasure);
  if (DEBUG) report.log = debugLog.splice(0);
  return report;
}
