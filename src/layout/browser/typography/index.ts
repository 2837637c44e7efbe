/**
 * In-page typography passes that depend on where lines break (clreq): run on
 * a block container after its width is final and before its lines are
 * counted. Must not change the number of lines of a block: a block whose
 * line count changed is put back as it was.
 *
 * The passes only toggle classes on the spans the transform made
 * (rehype-cjk-spans) and, for 孤字, wrap the end of a paragraph in a nowrap
 * span; typography.css turns the classes into margins. No character is ever
 * added or removed. Each round measures every line from client rects, then:
 *   verify   — undo classes whose condition no longer holds (breaks moved);
 *   squeeze  — 先挤进: a loose line pulls up the next line's first unit when
 *              that unit fits with its final mark set half-width (clreq:
 *              reduce first, then expand);
 *   line end — a closing or pause mark at line end set half-width (GB/T 15834 §5.1.10);
 *   edges    — no Han–Latin margin at line start or end;
 *   opening  — an opening mark at the start of a line (not a paragraph's first) set flush;
 *   孤字     — a paragraph's last line with one character takes the last
 *              character of the line above (nowrap), when nothing else changed.
 * Rounds repeat until nothing changes (at most MAX_ROUNDS).
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
  /** lines that took up the next line's first unit by setting its mark half-width */
  squeezed: number;
  /** Han–Latin margins removed at line start or end */
  hanLatinTrimmed: number;
  /** opening marks set flush at line start */
  openingFlush: number;
  /** one-character last lines fixed */
  orphansFixed: number;
  /** one-character last lines left (could not be fixed without changing the line count) */
  orphansLeft: number;
  /** blocks put back because a pass changed their number of lines */
  reverted: number;
  rounds: number;
  /** paragraphs measured */
  blocks: number;
}

const MAX_ROUNDS = 8;
const BLOCK_SELECTOR = 'p, li, dd, dt, figcaption, .bm-caption';
const PUNCT = /[\p{P}\p{S}]/u;
/** closing and pause marks: never at line start */
const OPENING = /[“‘「『（《〈【〖〔［｛]/u;
const NO_START = /[。．，、：；！‼？⁇”’」』）》〉】〗〕］｝～·・‧／]/u;

interface Glyph {
  node: Text;
  offset: number;
  ch: string;
  left: number;
  right: number;
  mid: number;
}

interface Line {
  glyphs: Glyph[];
  left: number;
  right: number;
}

interface BlockState {
  el: HTMLElement;
  lines0: number;
  /** spans whose class we set, to put back */
  touched: Map<Element, string>;
  keep: HTMLElement | null;
  tried: WeakSet<Element>;
  /** marks whose half width pulled the next character up (they then left the line end): kept full width */
  flapped: WeakMap<Element, Set<string>>;
  orphanTried: boolean;
  /** marks left compressed mid-line */
  squeezes: Set<Element>;
  /** false after a line-count check failed with squeezes: no mid-line compression in this block */
  squeezeOk: boolean;
}

function emptyReport(): TypesetReport {
  return { lineEndMarks: 0, lineEndHalfWidth: 0, squeezed: 0, hanLatinTrimmed: 0, openingFlush: 0, orphansFixed: 0, orphansLeft: 0, reverted: 0, rounds: 0, blocks: 0 };
}

function skipText(node: Node, block: Element): boolean {
  for (let el = node.parentElement; el && el !== block; el = el.parentElement) {
    const tag = el.tagName;
    if (tag === 'RT' || tag === 'RP' || tag === 'SCRIPT' || tag === 'STYLE') return true;
  }
  return false;
}

/** Every visible character of a block with its box, grouped into lines. */
export function measureLines(block: Element): Line[] {
  const range = document.createRange();
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
  const lineHeight = parseFloat(getComputedStyle(block).lineHeight) || parseFloat(getComputedStyle(block).fontSize) * 1.5;
  const lines: Line[] = [];
  let cur: Line | null = null;
  let prev: Glyph | null = null;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const node = n as Text;
    if (skipText(node, block)) continue;
    const text = node.data;
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i)!;
      const len = cp > 0xffff ? 2 : 1;
      const ch = text.slice(i, i + len);
      if (!/\s/u.test(ch)) {
        range.setStart(node, i);
        range.setEnd(node, i + len);
        const rects = range.getClientRects();
        const r = rects[0];
        if (r && (r.width > 0 || r.height > 0)) {
          const g: Glyph = { node, offset: i, ch, left: r.left, right: r.right, mid: (r.top + r.bottom) / 2 };
          const newLine = !prev || !cur || Math.abs(g.mid - prev.mid) > 0.4 * lineHeight || g.left < prev.left - 1;
          if (newLine) {
            cur = { glyphs: [], left: g.left, right: g.right };
            lines.push(cur);
          }
          cur!.glyphs.push(g);
          cur!.left = Math.min(cur!.left, g.left);
          cur!.right = Math.max(cur!.right, g.right);
          prev = g;
        }
      }
      i += len;
    }
  }
  return lines;
}

function spanOf(g: Glyph, cls: string): HTMLElement | null {
  const el = g.node.parentElement?.closest<HTMLElement>(`.${cls}`);
  return el ?? null;
}

function isLastCharOf(el: Element, g: Glyph): boolean {
  const text = el.textContent ?? '';
  const t = text.replace(/\s+$/u, '');
  const range = document.createRange();
  range.selectNodeContents(el);
  range.setStart(g.node, g.offset + g.ch.length);
  return (range.toString().replace(/\s+$/u, '') === '' && t.length > 0);
}

function isFirstCharOf(el: Element, g: Glyph): boolean {
  const range = document.createRange();
  range.selectNodeContents(el);
  range.setEnd(g.node, g.offset);
  return range.toString().replace(/^\s+/u, '') === '';
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

function letters(glyphs: Glyph[]): number {
  return glyphs.filter((g) => !PUNCT.test(g.ch)).length;
}

function emOf(el: Element): number {
  return parseFloat(getComputedStyle(el).fontSize) || 16;
}

/** Sum of the gaps between neighbouring glyph boxes plus the room left at the end of the line. */
function slack(line: Line, contentRight: number): number {
  let sum = 0;
  const gs = line.glyphs;
  for (let i = 1; i < gs.length; i++) sum += Math.max(0, gs[i]!.left - gs[i - 1]!.right);
  return sum + Math.max(0, contentRight - line.right);
}

function contentBox(el: Element): { left: number; right: number } {
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  return { left: r.left + (parseFloat(s.paddingLeft) || 0) + (parseFloat(s.borderLeftWidth) || 0), right: r.right - (parseFloat(s.paddingRight) || 0) - (parseFloat(s.borderRightWidth) || 0) };
}

/** One round of the line-dependent passes on one block; returns true when something changed. */
function round(state: BlockState, options: TypesetOptions, report: TypesetReport, allowOrphanFix: boolean): boolean {
  const lastGlyph = (ls: Line[]) => ls[ls.length - 1]!.glyphs[ls[ls.length - 1]!.glyphs.length - 1];
  const block = state.el;
  const lines = measureLines(block);
  if (lines.length === 0) return false;
  const box = contentBox(block);
  let changed = false;

  // Where each glyph is: first / last of its line.
  const lineEnds = new Set<Glyph>();
  const lineStarts = new Set<Glyph>();
  lines.forEach((l, i) => {
    if (i < lines.length - 1) lineEnds.add(l.glyphs[l.glyphs.length - 1]!);
    if (i > 0) lineStarts.add(l.glyphs[0]!);
  });
  const glyphByNode = (el: Element, last: boolean): Glyph | undefined => {
    for (const l of last ? [...lines].reverse() : lines) {
      const gs = last ? [...l.glyphs].reverse() : l.glyphs;
      for (const g of gs) if (el.contains(g.node)) return g;
    }
    return undefined;
  };

  // verify: classes whose condition no longer holds
  for (const el of block.querySelectorAll('.bm-p-end')) {
    const g = glyphByNode(el, true);
    if (g && !lineEnds.has(g) && g !== lastGlyph(lines) && state.squeezeOk) {
      // Its half width pulled the next character up: the mark stays compressed mid-line
      // (clreq: reduce before expanding — a closing or pause mark gives up its trailing half em).
      if (!state.squeezes.has(el)) {
        state.squeezes.add(el);
        report.squeezed++;
      }
      continue;
    }
    if (!g || !lineEnds.has(g)) changed = unset(state, el, 'bm-p-end') || changed;
  }
  for (const el of block.querySelectorAll('.bm-p-start')) {
    const g = glyphByNode(el, false);
    if (!g || !lineStarts.has(g)) changed = unset(state, el, 'bm-p-start') || changed;
  }
  for (const el of block.querySelectorAll('.bm-ls')) {
    const g = glyphByNode(el, false);
    if (!g || !lineStarts.has(g)) changed = unset(state, el, 'bm-ls') || changed;
  }
  for (const el of block.querySelectorAll('.bm-le')) {
    const g = glyphByNode(el, true);
    if (!g || !lineEnds.has(g)) changed = unset(state, el, 'bm-le') || changed;
  }
  if (changed) return true;

  // squeeze (先挤进): pull up the next line's first unit when its final mark set half-width makes it fit
  if (options.lineEndHalfWidth) {
    for (let i = 0; i + 1 < lines.length; i++) {
      const next = lines[i + 1]!.glyphs;
      let j = 0;
      while (j < next.length && j < 3 && !NO_START.test(next[j]!.ch)) j++;
      if (j === 0 || j >= next.length || j >= 3) continue;
      while (j + 1 < next.length && NO_START.test(next[j + 1]!.ch)) j++;
      const mark = next[j]!;
      const span = spanOf(mark, 'bm-p');
      if (!span || !(span.classList.contains('bm-p-close') || span.classList.contains('bm-p-pause'))) continue;
      if (span.classList.contains('bm-p-end') || state.tried.has(span)) continue;
      if (i + 1 === lines.length - 1 && j === next.length - 1) continue; // would empty the last line
      const need = next[j]!.right - next[0]!.left - 0.5 * emOf(span);
      if (need > slack(lines[i]!, box.right) + 0.5) continue;
      state.tried.add(span);
      setClass(state, span, 'bm-p-end', true);
      report.squeezed++;
      return true; // one per block and round: the rest of the paragraph moves
    }
  }

  // line end: closing / pause marks half-width
  if (options.lineEndHalfWidth) {
    for (const g of lineEnds) {
      const span = spanOf(g, 'bm-p');
      if (!span || !(span.classList.contains('bm-p-close') || span.classList.contains('bm-p-pause'))) continue;
      changed = setClass(state, span, 'bm-p-end', true) || changed;
    }
  }
  // edges: no Han–Latin margin at line start or end
  for (const g of lineStarts) {
    const span = spanOf(g, 'bm-hl-s');
    if (span && isFirstCharOf(span, g)) changed = setClass(state, span, 'bm-ls', true) || changed;
    const open = spanOf(g, 'bm-p-open');
    if (open) {
      // flush only when Chromium kept the full width (text-spacing-trim did not apply)
      const w = g.right - g.left;
      if (w > 0.75 * emOf(open)) changed = setClass(state, open, 'bm-p-start', true) || changed;
    }
  }
  for (const g of lineEnds) {
    const span = spanOf(g, 'bm-hl-e');
    if (span && isLastCharOf(span, g)) changed = setClass(state, span, 'bm-le', true) || changed;
  }
  if (changed) return true;

  // 孤字: the last line holds one character (punctuation not counted)
  if (allowOrphanFix && !state.orphanTried && lines.length >= 2) {
    const last = lines[lines.length - 1]!;
    if (letters(last.glyphs) === 1) {
      state.orphanTried = true;
      const above = lines[lines.length - 2]!.glyphs;
      let k = above.length - 1;
      while (k > 0 && PUNCT.test(above[k]!.ch)) k--;
      // an opening mark stays with the character it opens
      while (k > 0 && OPENING.test(above[k - 1]!.ch)) k--;
      const g = above[k]!;
      if (k > 0 && !NO_START.test(g.ch) && (!PUNCT.test(g.ch) || OPENING.test(g.ch))) {
        keepTogether(state, g);
        report.orphansFixed++;
        return true;
      }
    }
  }
  return false;
}

/** Wraps everything from glyph `g` (or the span it sits in) to the block's end in a nowrap span. */
function keepTogether(state: BlockState, g: Glyph): void {
  const block = state.el;
  const range = document.createRange();
  const atom = g.node.parentElement?.closest('.bm-p, .bm-hl, .bm-nobr, ruby');
  if (atom && block.contains(atom) && atom !== block) range.setStartBefore(atom);
  else range.setStart(g.node, g.offset);
  range.setEnd(block, block.childNodes.length);
  const keep = document.createElement('span');
  keep.className = 'bm-keep';
  keep.appendChild(range.extractContents());
  range.insertNode(keep);
  // Chromium takes the break rule before a nowrap span from the span: give the break back.
  keep.parentNode!.insertBefore(document.createElement('wbr'), keep);
  state.keep = keep;
}

function unkeep(state: BlockState): void {
  const keep = state.keep;
  if (!keep || !keep.parentNode) return;
  const parent = keep.parentNode;
  if (keep.previousSibling?.nodeName === 'WBR') parent.removeChild(keep.previousSibling);
  while (keep.firstChild) parent.insertBefore(keep.firstChild, keep);
  parent.removeChild(keep);
  parent.normalize();
  state.keep = null;
}

function revert(state: BlockState): void {
  unkeep(state);
  for (const [el, cls] of state.touched) el.className = cls;
  state.touched.clear();
}

/** Blocks of text inside root, innermost only. */
function blocksOf(root: HTMLElement): HTMLElement[] {
  const all = [...root.querySelectorAll<HTMLElement>(BLOCK_SELECTOR)];
  if (root.matches(BLOCK_SELECTOR)) all.unshift(root);
  return all.filter((el) => !el.querySelector(BLOCK_SELECTOR) && /\S/u.test(el.textContent ?? ''));
}

export function typesetText(root: HTMLElement, options: TypesetOptions): TypesetReport {
  const report = emptyReport();
  root.dataset.bmStrictness = options.strictness;
  root.style.setProperty('--bm-han-latin', `${Math.max(0, options.hanLatinSpace)}em`);
  const states: BlockState[] = blocksOf(root).map((el) => ({
    el,
    lines0: measureLines(el).length,
    touched: new Map(),
    keep: null,
    tried: new WeakSet(),
    flapped: new WeakMap(),
    orphanTried: false,
    squeezes: new Set(),
    squeezeOk: true,
  }));
  report.blocks = states.length;

  for (const state of states) {
    let quiet = 0;
    for (let r = 0; r < MAX_ROUNDS * 2; r++) {
      const changed = round(state, options, report, quiet > 0);
      report.rounds = Math.max(report.rounds, r + 1);
      if (changed) quiet = 0;
      else if (++quiet >= 2) break;
    }
    const lines = measureLines(state.el);
    if (lines.length !== state.lines0) {
      // Something pulled or pushed a line: try without the 孤字 span, then without mid-line
      // squeezes (and the passes once more), then without anything.
      const hadKeep = state.keep !== null;
      unkeep(state);
      if (hadKeep && measureLines(state.el).length === state.lines0) report.orphansFixed--;
      else if (state.squeezes.size > 0) {
        for (const el of state.squeezes) unset(state, el, 'bm-p-end');
        report.squeezed -= state.squeezes.size;
        state.squeezes.clear();
        state.squeezeOk = false;
        for (let r = 0; r < MAX_ROUNDS; r++) if (!round(state, options, report, false)) break;
      }
      if (measureLines(state.el).length !== state.lines0) {
        revert(state);
        report.reverted++;
      }
    }
  }

  // Final figures.
  for (const state of states) {
    const lines = measureLines(state.el);
    lines.forEach((l, i) => {
      if (i === lines.length - 1) return;
      const g = l.glyphs[l.glyphs.length - 1]!;
      const span = spanOf(g, 'bm-p');
      if (!span || !(span.classList.contains('bm-p-close') || span.classList.contains('bm-p-pause'))) return;
      report.lineEndMarks++;
      if (span.classList.contains('bm-p-end')) report.lineEndHalfWidth++;
    });
    if (lines.length >= 2 && letters(lines[lines.length - 1]!.glyphs) === 1) report.orphansLeft++;
    report.hanLatinTrimmed += state.el.querySelectorAll('.bm-ls, .bm-le').length;
    report.openingFlush += state.el.querySelectorAll('.bm-p-start').length;
  }
  return report;
}
