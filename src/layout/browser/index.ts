/**
 * The in-page layout engine, bundled to one script and run inside the print
 * page after fonts load (see ../bundle.ts). It may use the DOM and nothing
 * from Node. Entry point: globalThis.__banmian.layout(options).
 *
 * collect (modules, blocks, figures) → measure (whole lines at column width)
 * → place (modules on the grid) → flow (blocks into column frames, paragraphs
 * split at line boundaries) → finalize (jump lines, rules, report).
 */
import type { GridOptions, LayoutOptions, LayoutReport, ModuleReport } from '../types.ts';
import { flow, remainingLines, type FlowBlock, type FlowFrame } from './flow.ts';
import { defaultColumns, placeModules, type Placed } from './place.ts';
import { cutAfterLines, splitAfterChars, splitAtPosition, visibleChars } from './split.ts';
import { prepareTypeset, typesetText } from './typography/index.ts';

interface Block extends FlowBlock {
  el: HTMLElement;
  /** untouched copy for continuations (typography passes not applied) */
  pristine: HTMLElement;
  /** what measuring it gave (from the typesetting cache for a restored block, which is then not laid out) */
  measured?: Measured;
}

/**
 * A block as measured in the measuring column: its height, a subhead's space
 * above, whether a Latin run in it starts a line with its Han–Latin margin
 * (trimLineStarts would trim it), and where it was split so far: cuts[k] is
 * the text position (counted in the whole paragraph) splitAfterLines splits
 * at after line k, for the k a layout needed (cuts[0] = 0).
 */
interface Measured {
  h: number;
  padding: number;
  cuts: (number | undefined)[];
  trims: boolean;
}

interface Figure {
  el: HTMLElement;
  /** columns spanned and grid position inside the module body */
  span: number;
  column: number;
  /** top or bottom of the module body, or in the middle with the text running above and below (wrap) */
  at: 'top' | 'bottom' | 'middle';
  /** lines from the body top (top figures) or from the body bottom (bottom figures); middle: computed per height */
  offset: number;
  lines: number;
  /** lines of the picture itself (the rest is caption and the blank line) */
  imgLines: number;
  /** the picture's height at its aspect ratio, in whole lines */
  natLines: number;
  img: HTMLImageElement | null;
}

/** A column frame: column, top (lines from the body top) and capacity. */
interface Frame extends FlowFrame {
  col: number;
  top: number;
}

/** What a module's geometry is at a given width (cached while the placement tries widths). */
interface Shape {
  headLines: number;
  figures: { span: number; column: number; at: Figure['at']; offset: number; lines: number; imgLines: number; natLines: number }[];
  topOff: number[];
  botOff: number[];
}

interface Module {
  el: HTMLElement;
  article: string;
  file: string;
  title: string;
  headline: HTMLElement | null;
  blocks: Block[];
  figures: Figure[];
  continueOn: string | undefined;
  continuedFrom: string | undefined;
  spec: { columns?: number; column?: number; line?: number; lines?: number; figureColumns?: number; figures?: string };
  index: number;
  columns: number;
  headLines: number;
  /** per-column lines taken by figures at the top and bottom of the body */
  topOff: number[];
  botOff: number[];
  shapes: Map<number, Shape>;
  /** figure span and arrangement chosen by the engine for a module taller than its text */
  spanOverride?: number;
  modeOverride?: string;
}

const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

/**
 * The engine's report: LayoutReport plus what the typesetting cache did (the bench and tests read it):
 * body blocks, of which restored from the cache, and measured in the page (the others were not laid
 * out before their frames).
 */
export interface EngineReport extends LayoutReport {
  /** fontWait: the text to measure needed a font subset that had not loaded, and the engine waited for it */
  typeset?: { blocks: number; cached: number; measured: number; ms: number; fontWait?: boolean };
}

/**
 * Hide the module bodies: the engine sets their text in its own columns (the measuring column, then the
 * frames), and a layout of the bodies as they stand would be thrown away. A body swap calls this before
 * it lays the page out (see print-page.ts); layout() does it too.
 */
function prepare(): void {
  for (const body of document.querySelectorAll<HTMLElement>('.bm-grid > .bm-module > .bm-body')) body.style.display = 'none';
}

/**
 * Lay the page out. The report comes later (a promise) when the text to measure needs a font subset
 * that has not loaded: the engine waits for it before it measures.
 */
function layout(options: LayoutOptions): EngineReport | Promise<EngineReport> {
  const t0 = performance.now();
  const report: EngineReport = { overset: [], underset: [], diagnostics: [], continuations: [], modules: [], typeset: { blocks: 0, cached: 0, measured: 0, ms: 0 } };
  const page = document.querySelector<HTMLElement>('.bm-page');
  const found = document.querySelector<HTMLElement>('.bm-grid');
  if (!page || !found) return report;
  const gridEl: HTMLElement = found;
  prepare();
  // what the text is set in, for the typesetting cache: the width, the options, and every element around the
  // measuring column with its attributes (classes, lang, inline custom properties), before the engine touches them
  const context = JSON.stringify([options.grid?.columnPx, options.typography, ...ancestry(gridEl)]);
  const g: GridOptions = options.grid ?? gridFromCss(options);
  const pitch = g.pitchPx;
  const step = g.columnPx + g.gutterPx;
  const widthOf = (k: number) => k * g.columnPx + (k - 1) * g.gutterPx;

  // the type area below the furniture, in whole lines
  const pageTop = page.getBoundingClientRect().top;
  const gridTop = gridEl.getBoundingClientRect().top - pageTop;
  const L = Math.max(1, Math.floor((options.pageHeightPx - options.marginBottomPx - gridTop) / pitch + 0.01));
  report.gridLines = L;
  gridEl.style.position = 'relative';
  gridEl.style.height = `${L * pitch}px`;

  const measure = document.createElement('div');
  measure.className = 'bm-text bm-measure';
  Object.assign(measure.style, { position: 'absolute', left: '0', top: '0', width: `${g.columnPx}px` });
  gridEl.append(measure);

  // collect: the blocks not in the typesetting cache go into the measuring column; the restored ones stay out
  // of the page until they are moved into their frames (they are measured already)
  const els = [...gridEl.querySelectorAll<HTMLElement>(':scope > .bm-module')];
  const typeset = typesetCache(context, report);
  const geo = geometryCache(context);
  const modules: Module[] = els.map((el, i) => collect(el, measure, i, typeset.restore));
  // The fresh blocks' first layout, as typesetText measures them: a character from a font subset that has
  // not loaded starts loading it here (the module bodies are hidden: their text is laid out in the
  // measuring column first). Measured before it has loaded, lines would have a fallback font's widths, and
  // go into the typesetting cache so.
  prepareTypeset(measure, options.typography);
  void measure.offsetHeight;
  if (document.fonts.status === 'loading') {
    report.typeset!.fontWait = true;
    return document.fonts.ready.then(typesetAndPlace);
  }
  return typesetAndPlace();

  function typesetAndPlace(): EngineReport {
    // typeset and measure body blocks at column width (the blocks not restored from the cache)
    const tt = performance.now();
    typesetText(measure, options.typography);
    typeset.store();
    report.typeset!.ms = Math.round(performance.now() - tt);
    const blocks = modules.flatMap((m) => m.blocks);
    const fresh = blocks.filter((b) => !b.measured);
    measureBlocks(fresh, measure);
    report.typeset!.measured = fresh.length;
    typeset.measured(fresh.map((b) => b.measured!));
    for (const b of blocks) applyMeasured(b, pitch);
    // the frames take the measuring column's Han–Latin space (typesetText sets it there): a Latin run then
    // keeps the margin it was measured with
    const hanLatin = measure.style.getPropertyValue('--bm-han-latin');
    const ownHanLatin = hanLatin !== '' && getComputedStyle(gridEl).getPropertyValue('--bm-han-latin').trim() !== hanLatin;
    /** rests of paragraphs split inside a Latin run (the run's first part ends the line above) */
    const splitInRun = new WeakSet<HTMLElement>();
    /** each module's frames, put on the page after the last module is flowed */
    const pending: [Module, HTMLElement[]][] = [];

    const defaults = defaultColumns(modules.length, g.columns);
    /** set the module up at width k: rank, headline height, figures (measured in the DOM the first time) */
    const shape = (m: Module, k: number, fresh = false) => {
      k = Math.max(1, Math.min(g.columns, k));
      const cached = fresh ? undefined : m.shapes.get(k);
      m.columns = k;
      if (cached) {
        m.headLines = cached.headLines;
        cached.figures.forEach((f, i) => Object.assign(m.figures[i]!, f));
        m.topOff = [...cached.topOff];
        m.botOff = [...cached.botOff];
        return;
      }
      const rank = m.continuedFrom ? 'repeat' : m.index === 0 && modules.length > 1 ? '1' : k >= 4 ? '2' : k >= 2 ? '3' : '4';
      m.el.dataset.rank = rank;
      m.el.style.width = `${widthOf(k)}px`;
      m.headLines = m.headline ? wholeLines(m.headline, pitch, geo, moduleKey(m)) : 0;
      placeFigures(m, g, pitch, widthOf, measure);
      m.shapes.set(k, {
        headLines: m.headLines,
        figures: m.figures.map((f) => ({ span: f.span, column: f.column, at: f.at, offset: f.offset, lines: f.lines, imgLines: f.imgLines, natLines: f.natLines })),
        topOff: [...m.topOff],
        botOff: [...m.botOff],
      });
    };

    const framesFor = (m: Module, bodyLines: number): Frame[] => frameList(m, bodyLines);
    const minBody = (m: Module) => {
      let min = Math.max(1, ...m.topOff.map((t, c) => t + m.botOff[c]!));
      const mid = m.figures.find((f) => f.at === 'middle');
      if (mid) {
        const cols = range(mid.column, mid.span);
        min = Math.max(min, Math.max(...cols.map((c) => m.topOff[c]!)) + Math.max(...cols.map((c) => m.botOff[c]!)) + mid.lines + (mid.span < m.columns ? 2 : 0));
      }
      return min;
    };
    const fits = (m: Module, body: number) => flow(m.blocks, framesFor(m, body), 0).overflow === null;
    /** smallest module height (lines, headline included) ≤ limit whose frames hold the text; limit + 1 when none */
    const needed = (m: Module) => (limit: number) => {
      let lo = minBody(m);
      let hi = limit - m.headLines;
      if (hi < lo || !fits(m, hi)) return limit + 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (fits(m, mid)) hi = mid;
        else lo = mid + 1;
      }
      return lo + m.headLines;
    };

    const placed: Placed[] = placeModules(
      modules.map((m, i) => ({
        columns: m.spec.columns,
        defaultColumns: defaults[i]!,
        column: m.spec.column !== undefined ? m.spec.column - 1 : undefined,
        line: m.spec.line !== undefined ? m.spec.line - 1 : undefined,
        lines: m.spec.lines,
        needed: (k, limit) => {
          shape(m, k);
          return needed(m)(limit);
        },
        minLines: (k) => {
          shape(m, k);
          return m.headLines + minBody(m) + 2;
        },
        jumps: m.continueOn !== undefined,
      })),
      g.columns,
      L,
    );

    // flow and finalize each module
    for (const [i, m] of modules.entries()) {
      const p = placed[i]!;
      if (!p.ok) {
        const lines = m.blocks.reduce((n, b) => n + b.lines, 0);
        report.overset.push({ article: m.article, file: m.file, page: options.pageLabel, lines, characters: visibleChars(m.blocks.map((b) => b.el.textContent).join('')) });
        report.diagnostics.push({ article: m.article, file: m.file, ruleId: 'no-room', severity: 'error', message: `《${m.title}》 finds no free place on page ${options.pageLabel}: give it a column and line in the edition file` });
        m.el.remove();
        continue;
      }
      shape(m, p.columns, true);
      Object.assign(m.el.style, {
        position: 'absolute',
        left: `${p.column * step}px`,
        top: `${p.line * pitch}px`,
        width: `${widthOf(p.columns)}px`,
        height: `${p.lines * pitch}px`,
      });
      m.el.dataset.gridColumn = String(p.column + 1);
      m.el.dataset.gridLine = String(p.line + 1);
      m.el.dataset.gridColumns = String(p.columns);
      m.el.dataset.gridLines = String(p.lines);
      let body = Math.max(0, p.lines - m.headLines);
      let extraHead = 0;
      const endsShort = () => {
        const fr = framesFor(m, body);
        const r = flow(m.blocks, fr, 0);
        return r.overflow === null ? shortOf(fr, r.used) : 0;
      };
      if (p.fixed || p.stretched || endsShort() > 2) {
        // spare lines: another picture span or arrangement (when the edition does not fix them), the
        // pictures cropped taller (a modest crop), then up to two lines of space above the headline
        if ((m.spec.figureColumns === undefined || m.spec.figures === undefined) && m.figures.length > 0) refitFigures(m, body);
        // try 0, 1 and 2 lines of space above the headline, each with the pictures grown into what is left;
        // keep the one whose text ends closest to the bottom (then: the least headline space)
        const saved = m.figures.map((f) => [f.lines, f.imgLines] as const);
        const restore = () => {
          m.figures.forEach((f, j) => ([f.lines, f.imgLines] = saved[j]!));
          stackFigures(m);
        };
        const maxExtra = m.headline && !m.continuedFrom ? 2 : 0;
        let best = { x: 0, short: Infinity };
        for (let x = 0; x <= maxExtra; x++) {
          const b = body - x;
          restore();
          if (b < minBody(m) || !fits(m, b)) break;
          growFigures(m, b, (bb) => fits(m, bb));
          const fr = framesFor(m, b);
          const sh = shortOf(fr, flow(m.blocks, fr, 0).used);
          if (sh < best.short) best = { x, short: sh };
        }
        restore();
        if (best.short !== Infinity) {
          extraHead = best.x;
          body -= extraHead;
          growFigures(m, body, (bb) => fits(m, bb));
        }
      }
      if (m.headline) {
        Object.assign(m.headline.style, { position: 'absolute', left: '0', top: '0', width: '100%', height: `${(m.headLines + extraHead) * pitch}px`, paddingTop: `${extraHead * pitch}px` });
      }
      const bodyTop = m.headLines + extraHead;
      const frames = framesFor(m, body);
      for (const f of m.figures) {
        const top = f.at === 'top' ? bodyTop + f.offset : f.at === 'bottom' ? bodyTop + body - f.offset - f.lines : bodyTop + middleTop(m, f, body);
        Object.assign(f.el.style, { position: 'absolute', left: `${f.column * step}px`, top: `${top * pitch}px`, width: `${widthOf(f.span)}px`, height: `${f.lines * pitch}px` });
        if (f.img) f.img.style.height = `${f.imgLines * pitch}px`;
        m.el.append(f.el);
      }
      let result = flow(m.blocks, frames, 0);
      const jumping = result.overflow !== null && m.continueOn !== undefined;
      if (jumping) result = flow(m.blocks, frames, 1);
      const frameEls = frames.map((f) => {
        const el = document.createElement('div');
        el.className = 'bm-text bm-frame';
        Object.assign(el.style, {
          position: 'absolute',
          left: `${f.col * step}px`,
          top: `${(bodyTop + f.top) * pitch}px`,
          width: `${g.columnPx}px`,
          height: `${f.cap * pitch}px`,
        });
        el.dataset.column = String(f.col + 1);
        if (options.typography) el.dataset.bmStrictness = options.typography.strictness;
        if (ownHanLatin) el.style.setProperty('--bm-han-latin', hanLatin);
        return el;
      });
      // move the blocks, splitting paragraphs at frame bottoms where they were measured to break (no
      // layout). The frames join the page after the last module is flowed: the page is then laid out
      // once with all of them, by whatever reads it next
      const current = m.blocks.map((b) => b.el);
      /** the line each block's current element starts at */
      const startLine = m.blocks.map(() => 0);
      for (const piece of result.pieces) {
        const b = m.blocks[piece.block]!;
        const el = current[piece.block]!;
        if (b.kind === 'text' && piece.from + piece.lines < b.lines) {
          // where splitAfterLines(el, piece.lines) splits (el starts at line startLine): known from an earlier
          // layout of this paragraph, or read in the measuring column (as the engine read every split before
          // the cache kept them: a restored paragraph joins the column for it)
          const cuts = b.measured!.cuts;
          const from = startLine[piece.block]!;
          const k = from + piece.lines;
          if (cuts[k] === undefined) {
            if (el.parentElement !== measure) measure.append(el);
            cuts[k] = cuts[from]! + cutAfterLines(el, piece.lines, pitch);
          }
          const rest = splitAtPosition(el, cuts[k]! - cuts[from]!);
          if (rest) {
            current[piece.block] = rest;
            startLine[piece.block] = from + piece.lines;
            if (rest.querySelector('.bm-hl-s') && startsInRun(rest)) splitInRun.add(rest);
          }
        }
        if (piece.atTop) {
          el.classList.add('bm-at-top');
          el.style.height = `${piece.lines * pitch}px`;
        }
        frameEls[piece.frame]!.append(el);
      }
      pending.push([m, frameEls]);
      const usedLines = result.used.reduce((a, b) => a + b, 0);
      const capLines = frames.reduce((a, f) => a + f.cap, 0) - (jumping ? 1 : 0);
      const mod: ModuleReport = {
        article: m.article, column: p.column, columns: p.columns, line: p.line, lines: p.lines, usedLines, emptyLines: capLines - usedLines,
        shortLines: result.overflow ? 0 : shortOf(frames, result.used),
        // (the frames are not on the page yet: they do not move the headline)
        titleTop: titleTop(m, geo, `${pageTop},${gridTop},${window.scrollY}`),
        frames: frames.map((f, j) => ({ column: f.col, top: bodyTop + f.top, cap: f.cap, used: result.used[j]! })),
      };
      report.modules!.push(mod);

      if (result.overflow) {
        const o = result.overflow;
        const lines = remainingLines(m.blocks, o);
        // the rest of the text, from the untouched copies
        const restEls: HTMLElement[] = [];
        const first = m.blocks[o.block]!;
        if (o.line > 0) {
          const placedChars = visibleChars(
            [...frameEls.flatMap((f) => [...f.children])].filter((e) => e === first.el || (e as HTMLElement).dataset.block === String(o.block)).map((e) => e.textContent ?? '').join(''),
          );
          const copy = first.pristine.cloneNode(true) as HTMLElement;
          const rest = splitAfterChars(copy, placedChars);
          if (rest) restEls.push(rest);
          current[o.block]!.remove();
        } else {
          restEls.push(first.pristine);
          first.el.remove();
        }
        for (let j = o.block + 1; j < m.blocks.length; j++) {
          restEls.push(m.blocks[j]!.pristine);
          m.blocks[j]!.el.remove();
        }
        const characters = visibleChars(restEls.map((e) => e.textContent ?? '').join(''));
        if (jumping) {
          const jump = document.createElement('p');
          jump.className = 'bm-jump bm-jump-to';
          // spans like the body's; the closing bracket ends the line and is set half-width
          const label = m.continueOn!.replace(/[&<>"]/g, '');
          const number = /^[0-9A-Za-z]+$/.test(label) ? `<span class="bm-hl bm-hl-s bm-hl-e">${label}</span>` : label;
          jump.innerHTML = `<span class="bm-p bm-p-open">（</span>下转第${number}版<span class="bm-p bm-p-close bm-p-end">）</span>`;
          frameEls.at(-1)!.append(jump);
          report.continuations!.push({
            article: m.article,
            file: m.file,
            fromPage: options.pageLabel,
            toPage: m.continueOn!,
            html: restEls.map((e) => e.outerHTML).join('\n'),
            characters,
            lines,
          });
        } else {
          report.overset.push({ article: m.article, file: m.file, page: options.pageLabel, lines, characters });
        }
      } else {
        // underset: the module's last frame ends more than two lines short of the module's bottom
        const short = shortOf(frames, result.used);
        const balancedSlack = p.fixed || p.stretched ? 0 : new Set(frames.map((f) => f.col)).size - 1;
        if (short > 2 + balancedSlack) report.underset.push({ article: m.article, file: m.file, page: options.pageLabel, lines: short });
      }
      m.el.querySelector(':scope > .bm-body')?.remove();
    }
    measure.remove();
    for (const [m, frameEls] of pending) m.el.append(...frameEls);
    // Latin runs that may start a line with their margin: only where the measuring column did not
    // already tell (a block whose runs all keep their margins there keeps them in its frames)
    for (const [m, frameEls] of pending) {
      for (const f of frameEls) if (mayTrim(f, m.blocks, splitInRun)) trimLineStarts(f);
    }
    drawRules(gridEl, report.modules!, g, pitch, L);
    report.ms = Math.round(performance.now() - t0);
    return report;

    /**
     * A module taller than its text: try every figure span (and, when the edition does not fix
     * `figures`, the split / top / bottom arrangements); keep the one whose text ends closest to the
     * module's bottom (then: fewest empty lines in all frames).
     */
    function refitFigures(m: Module, body: number): void {
      const score = (): [number, number] => {
        if (minBody(m) > body || !fits(m, body)) return [Infinity, Infinity];
        const frames = framesFor(m, body);
        const r = flow(m.blocks, frames, 0);
        return [shortOf(frames, r.used), frames.reduce((a, f) => a + f.cap, 0) - r.used.reduce((a, b) => a + b, 0)];
      };
      const fixedSpan = m.spec.figureColumns !== undefined;
      const fixedMode = m.spec.figures !== undefined;
      const base = { span: m.spanOverride, mode: m.modeOverride };
      let best = { ...base, score: score() };
      const spans = fixedSpan ? [undefined] : range(1, m.columns);
      const modes = fixedMode ? [undefined] : ['split', 'top', 'bottom'];
      for (const span of spans) {
        for (const mode of modes) {
          m.spanOverride = span;
          m.modeOverride = mode;
          placeFigures(m, g, pitch, widthOf, measure);
          const sc = score();
          if (sc[0] < best.score[0] || (sc[0] === best.score[0] && sc[1] < best.score[1])) best = { span, mode, score: sc };
        }
      }
      m.spanOverride = best.span;
      m.modeOverride = best.mode;
      placeFigures(m, g, pitch, widthOf, measure);
    }
  }
}

/** lines the text ends short of the module's end: empty lines in the last frame used and in the frames after it */
function shortOf(frames: Frame[], used: number[]): number {
  const lastUsed = used.reduce((last, u, f) => (u > 0 ? f : last), -1);
  const emptyInLast = lastUsed >= 0 ? frames[lastUsed]!.cap - used[lastUsed]! : 0;
  return emptyInLast + frames.slice(lastUsed + 1).reduce((a, f) => a + f.cap, 0);
}

function range(from: number, n: number): number[] {
  return Array.from({ length: Math.max(0, n) }, (_, i) => from + i);
}

/** Where a middle (wrapped) figure starts, in lines from the body top: centred in the free height of its columns. */
function middleTop(m: Module, f: Figure, body: number): number {
  const cols = range(f.column, f.span);
  const t = Math.max(...cols.map((c) => m.topOff[c]!));
  const b = Math.max(...cols.map((c) => m.botOff[c]!));
  const avail = body - t - b - f.lines;
  return t + Math.max(0, Math.floor(avail / 2));
}

/**
 * The module's column frames at a body height, in reading order: column by
 * column, each column's frame between its top and bottom figures; a column
 * under a middle figure has a frame above and one below it. A middle figure
 * across all columns makes two bands (all columns above it, then all below).
 */
function frameList(m: Module, body: number): Frame[] {
  const k = m.columns;
  const mid = m.figures.find((f) => f.at === 'middle');
  const seg = (col: number, top: number, bottom: number): Frame => ({ col, top, cap: Math.max(0, bottom - top) });
  if (!mid) return range(0, k).map((c) => seg(c, m.topOff[c]!, body - m.botOff[c]!));
  const mt = middleTop(m, mid, body);
  const mb = mt + mid.lines;
  const under = (c: number) => c >= mid.column && c < mid.column + mid.span;
  if (mid.span >= k) {
    return [...range(0, k).map((c) => seg(c, m.topOff[c]!, mt)), ...range(0, k).map((c) => seg(c, mb, body - m.botOff[c]!))];
  }
  const out: Frame[] = [];
  for (let c = 0; c < k; c++) {
    if (!under(c)) out.push(seg(c, m.topOff[c]!, body - m.botOff[c]!));
    else out.push(seg(c, m.topOff[c]!, mt), seg(c, mb, body - m.botOff[c]!));
  }
  return out;
}

/**
 * A Han–Latin margin left on a Latin run that now starts a line (the
 * paragraph's lines were measured in the measuring column; moving it into its
 * frame can leave a margin the typography pass had not trimmed): trim it, as
 * the typography pass does, so digits start at the column edge.
 */
function trimLineStarts(frame: HTMLElement): void {
  const left = frame.getBoundingClientRect().left;
  for (const span of frame.querySelectorAll<HTMLElement>('.bm-hl-s:not(.bm-ls)')) if (startsLine(span, left)) span.classList.add('bm-ls');
}

/** A Latin run with a Han–Latin margin at the start of a line (or of a paragraph's indented first line). */
function startsLine(span: HTMLElement, left: number): boolean {
  const ml = parseFloat(getComputedStyle(span).marginLeft) || 0;
  if (ml <= 0) return false;
  const rect = span.getClientRects()[0];
  if (!rect) return false;
  const p = span.closest('p');
  const indent = p && !p.classList.contains('bm-cont') ? parseFloat(getComputedStyle(p).textIndent) || 0 : 0;
  const x = rect.left - ml - left;
  return Math.abs(x) < 0.5 || (indent > 0 && Math.abs(x - indent) < 0.5 && !!p!.firstChild && span === firstTextHolder(p!));
}

/**
 * Whether trimLineStarts could change anything in a frame. A block's lines in
 * its frame are its lines in the measuring column (same width, same breaks,
 * split at line boundaries), so a Latin run that did not start a line there
 * does not in the frame; except the second part of a run a split went through
 * (the rest of the paragraph starts with it), and what the engine adds (the
 * jump line).
 */
function mayTrim(frame: HTMLElement, blocks: Block[], splitInRun: WeakSet<HTMLElement>): boolean {
  for (const span of frame.querySelectorAll<HTMLElement>('.bm-hl-s:not(.bm-ls)')) {
    let piece: HTMLElement = span;
    while (piece.parentElement && piece.parentElement !== frame) piece = piece.parentElement;
    const b = piece.dataset.block === undefined ? undefined : blocks[Number(piece.dataset.block)];
    if (!b?.measured || b.measured.trims || splitInRun.has(piece) || (piece !== b.el && !piece.classList.contains('bm-cont'))) return true;
  }
  return false;
}

/** The rest of a split paragraph begins inside a Latin run with a Han–Latin margin. */
function startsInRun(rest: HTMLElement): boolean {
  const w = document.createTreeWalker(rest, NodeFilter.SHOW_TEXT);
  for (let n = w.nextNode(); n; n = w.nextNode()) {
    if (!n.textContent) continue;
    for (let e = n.parentElement; e && e !== rest; e = e.parentElement) if (e.classList.contains('bm-hl-s')) return true;
    return false;
  }
  return false;
}

function firstTextHolder(p: HTMLElement): HTMLElement | null {
  const w = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
  for (let n = w.nextNode(); n; n = w.nextNode()) if (/\S/.test(n.textContent ?? '')) return n.parentElement;
  return null;
}

/** blocks kept per document (a broadsheet page has a few hundred) */
const TYPESET_CACHE_MAX = 5000;

/** The opening tag of el and of each element around it, with their attributes. */
function ancestry(el: Element | null): string[] {
  const tags: string[] = [];
  for (let e = el; e; e = e.parentElement) tags.push(openingTag(e));
  return tags;
}

/**
 * Typeset blocks of earlier layouts in this document, as HTML, by the block's
 * HTML before typesetting and the context it is set in, with what measuring
 * them gave. The print tab keeps its document between pages with the same
 * head (only the body is swapped; a new head means a new document and an
 * empty cache), so a rebuild after one paragraph changed runs the typography
 * passes on that paragraph only, and lays out only that paragraph before the
 * frames: a restored block is neither typeset nor measured again (it joins the
 * page in its frame). The passes work on each block by itself (its own lines
 * at the column's width), so a restored block is what typesetting it again
 * would give, and its measurements are what measuring it again would give.
 *
 * restore: the block to lay out — the cached copy with its measurements (kept
 * off the page), or the block itself (left in the measuring column, to be
 * typeset and remembered). store: remember the HTML of the blocks typeset now;
 * measured: and their measurements (in the order restore saw them).
 */
function typesetCache(context: string, report: EngineReport) {
  // an entry keeps the block parsed from its HTML once: a copy is a clone of it (a clone of a parsed
  // element is what parsing the HTML again gives)
  const w = window as unknown as { __banmianTypesetMeasured?: Map<string, { html: string; parsed?: HTMLElement; measured: Measured }> };
  const cache = (w.__banmianTypesetMeasured ??= new Map());
  const fresh: { key: string; el: HTMLElement; html?: string }[] = [];
  const template = document.createElement('template');
  return {
    restore(el: HTMLElement): { el: HTMLElement; measured?: Measured } {
      const key = `${context}\n${el.outerHTML}`;
      report.typeset!.blocks++;
      const hit = cache.get(key);
      if (hit === undefined) {
        fresh.push({ key, el });
        return { el };
      }
      cache.delete(key);
      cache.set(key, hit);
      if (!hit.parsed) {
        template.innerHTML = hit.html;
        hit.parsed = document.adoptNode(template.content.firstElementChild as HTMLElement);
      }
      const copy = hit.parsed.cloneNode(true) as HTMLElement;
      report.typeset!.cached++;
      return { el: copy, measured: hit.measured };
    },
    store(): void {
      // as typeset (its data-block is set again where it stands when it is restored)
      for (const f of fresh) f.html = f.el.outerHTML;
    },
    measured(measured: Measured[]): void {
      fresh.forEach((f, i) => cache.set(f.key, { html: f.html!, measured: measured[i]! }));
      while (cache.size > TYPESET_CACHE_MAX) cache.delete(cache.keys().next().value!);
    },
  };
}

function collect(el: HTMLElement, measure: HTMLElement, index: number, restore: (block: HTMLElement) => { el: HTMLElement; measured?: Measured }): Module {
  const body = el.querySelector<HTMLElement>(':scope > .bm-body');
  const d = el.dataset;
  const m: Module = {
    el,
    article: d.article ?? '',
    file: d.file ?? '',
    title: d.title ?? el.querySelector('.bm-title')?.textContent ?? '',
    headline: el.querySelector<HTMLElement>(':scope > .bm-headline'),
    blocks: [],
    figures: [],
    continueOn: d.continueOn,
    continuedFrom: d.continuedFrom,
    spec: { columns: num(d.columns), column: num(d.column), line: num(d.line), lines: num(d.lines), figureColumns: num(d.figureColumns), figures: d.figures },
    index,
    columns: 1,
    headLines: 0,
    topOff: [],
    botOff: [],
    shapes: new Map(),
  };
  if (!body) return m;
  const children = [...body.children] as HTMLElement[];
  const flat: HTMLElement[] = [];
  for (const c of children) {
    if (c.tagName === 'SECTION') for (const s of [...c.children] as HTMLElement[]) { s.classList.add('bm-section-part'); flat.push(s); }
    else flat.push(c);
  }
  let blockIndex = 0;
  for (const c of flat) {
    if (c.matches('figure.bm-figure')) {
      m.figures.push({ el: c, span: 1, column: 0, at: 'top', offset: 0, lines: 0, imgLines: 0, natLines: 0, img: c.querySelector('img') });
      continue;
    }
    // 框: a block quote that begins with a heading is a boxed sidebar, not a pull quote
    if (c.tagName === 'BLOCKQUOTE' && c.firstElementChild && /^H[1-6]$/.test(c.firstElementChild.tagName)) c.classList.add('bm-box');
    const kind = c.tagName === 'P' && !c.classList.contains('bm-jump') ? 'text' : /^H[1-6]$/.test(c.tagName) ? 'head' : 'keep';
    const { el: block, measured } = restore(c);
    // a restored block leaves the original untouched: that is the copy for continuations
    const pristine = block === c ? (c.cloneNode(true) as HTMLElement) : c;
    pristine.dataset.block = String(blockIndex);
    block.dataset.block = String(blockIndex++);
    if (measured) c.remove();
    else measure.append(block);
    m.blocks.push({ el: block, pristine, kind, lines: 0, spaceAbove: 0, measured });
  }
  return m;
}

/**
 * Measure blocks in the measuring column: height, a subhead's space above,
 * and whether a Latin run starts a line with its margin. All is read before anything is written (a
 * non-text block's height is set in applyMeasured): a write between two reads
 * would make Chromium lay the measuring column out again for every block.
 */
function measureBlocks(blocks: Block[], measure: HTMLElement): void {
  if (blocks.length === 0) return;
  const left = measure.getBoundingClientRect().left;
  for (const b of blocks) {
    const h = b.el.getBoundingClientRect().height;
    b.measured = {
      h,
      padding: b.kind === 'head' ? parseFloat(getComputedStyle(b.el).paddingTop) : 0,
      cuts: [0],
      trims: [...b.el.querySelectorAll<HTMLElement>('.bm-hl-s:not(.bm-ls)')].some((span) => startsLine(span, left)),
    };
  }
}

/** Each block's height in whole lines (a non-text block is set to whole lines), from its measurements. */
function applyMeasured(b: Block, pitch: number): void {
  const { h, padding } = b.measured!;
  if (b.kind === 'text') {
    b.lines = Math.max(1, Math.round(h / pitch));
    return;
  }
  b.lines = Math.max(1, Math.ceil(h / pitch - 0.05));
  b.el.style.height = `${b.lines * pitch}px`;
  if (b.kind === 'head') b.spaceAbove = Math.min(b.lines - 1, Math.round(padding / pitch));
}

/** A headline's height in whole lines, in its module as it stands (width, rank). */
function wholeLines(el: HTMLElement, pitch: number, geo: Geometry, module: string): number {
  el.style.height = 'auto';
  const h = geo(`head\n${module}\n${el.outerHTML}`, () => el.getBoundingClientRect().height);
  const lines = Math.max(1, Math.ceil(h / pitch - 0.05));
  el.style.height = `${lines * pitch}px`;
  return lines;
}

/**
 * Size each figure in whole lines at its span (the picture's height from its
 * aspect ratio) and give it a place: at the top or bottom of the module body,
 * or (figures: wrap) the first one in the middle of the module, centred across
 * the columns, with the text running above and below it.
 */
function placeFigures(m: Module, g: GridOptions, pitch: number, widthOf: (k: number) => number, measure: HTMLElement): void {
  const k = m.columns;
  m.topOff = Array.from({ length: k }, () => 0);
  m.botOff = Array.from({ length: k }, () => 0);
  const mode = m.modeOverride ?? m.spec.figures ?? 'split';
  const defaultSpan = k <= 2 ? k : Math.ceil(k / 2);
  for (const [i, f] of m.figures.entries()) {
    f.span = Math.max(1, Math.min(k, m.spanOverride ?? m.spec.figureColumns ?? defaultSpan));
    f.at = mode === 'top' ? 'top' : mode === 'bottom' ? 'bottom' : mode === 'wrap' && i === 0 && k > 1 ? 'middle' : i === 0 || k === 1 ? 'top' : 'bottom';
    f.el.classList.remove('bm-figure-top', 'bm-figure-bottom', 'bm-figure-middle');
    f.el.classList.add(`bm-figure-${f.at}`);
    const w = widthOf(f.span);
    const img = f.img;
    const iw = Number(img?.dataset.width) || img?.naturalWidth || 4;
    const ih = Number(img?.dataset.height) || img?.naturalHeight || 3;
    const imgLines = Math.max(3, Math.round((w * ih) / iw / pitch));
    Object.assign(f.el.style, { position: 'static', width: `${w}px`, height: 'auto' });
    if (img) Object.assign(img.style, { width: `${w}px`, height: `${imgLines * pitch}px` });
    measure.after(f.el);
    // (read in the page every time, not kept in the geometry cache: with the pictures laid out only
    // after the engine, a rebuild's PDF sometimes painted a picture's grey background under it and the
    // fresh tab's did not)
    const lines = Math.max(imgLines, Math.ceil(f.el.getBoundingClientRect().height / pitch - 0.05));
    f.lines = lines;
    f.imgLines = imgLines;
    f.natLines = imgLines;
    if (f.at === 'middle') {
      f.column = Math.floor((k - f.span) / 2);
      f.offset = 0;
      continue;
    }
    const off = f.at === 'top' ? m.topOff : m.botOff;
    // the lowest stack of columns wide enough; top figures from the right, bottom ones from the left
    let best = -1;
    let bestY = Infinity;
    for (let s = 0; s + f.span <= k; s++) {
      const y = Math.max(...off.slice(s, s + f.span));
      if (y < bestY || (y === bestY && f.at === 'top')) {
        best = s;
        bestY = y;
      }
    }
    f.column = best;
    f.offset = bestY;
    for (let c = best; c < best + f.span; c++) off[c] = bestY + lines;
  }
}

/** Recompute the top and bottom figures' column offsets from their (possibly grown) heights, keeping their columns. */
function stackFigures(m: Module): void {
  m.topOff.fill(0);
  m.botOff.fill(0);
  for (const f of m.figures) {
    if (f.at === 'middle') continue;
    const off = f.at === 'top' ? m.topOff : m.botOff;
    f.offset = Math.max(...off.slice(f.column, f.column + f.span));
    for (let c = f.column; c < f.column + f.span; c++) off[c] = f.offset + f.lines;
  }
}

/** How far a picture may be cropped taller than its aspect ratio (a picture editor's modest crop). */
const MAX_CROP = 1.2;

/**
 * A module taller than its text needs (a fixed height, a row's height or
 * stretched to the module below) gives spare lines to its pictures, a line at
 * a time, as long as the text still fits and no picture grows past MAX_CROP
 * times its natural height (object-fit: cover crops it).
 */
function growFigures(m: Module, body: number, fitsBody: (body: number) => boolean): void {
  if (m.figures.length === 0 || !fitsBody(body)) return;
  const limit = m.figures.map((f) => Math.floor(f.natLines * MAX_CROP));
  const done = m.figures.map((f) => f.at === 'middle');
  while (done.some((d) => !d)) {
    for (const [i, f] of m.figures.entries()) {
      if (done[i]) continue;
      if (f.imgLines >= limit[i]!) {
        done[i] = true;
        continue;
      }
      f.imgLines++;
      f.lines++;
      stackFigures(m);
      if (!fitsBody(body) || m.topOff.some((t, c) => t + m.botOff[c]! > body)) {
        f.imgLines--;
        f.lines--;
        stackFigures(m);
        done[i] = true;
      }
    }
  }
}

function gridFromCss(options: LayoutOptions): GridOptions {
  const probe = document.createElement('div');
  probe.style.cssText = 'position:absolute;width:calc(var(--column-chars) * var(--body-size));height:calc(var(--gutter-chars) * var(--body-size))';
  document.body.append(probe);
  const r = probe.getBoundingClientRect();
  probe.remove();
  const columns = Number(getComputedStyle(document.documentElement).getPropertyValue('--columns')) || 1;
  const bodyPx = parseFloat(getComputedStyle(document.body).fontSize);
  return { columns, columnPx: r.width, gutterPx: r.height, pitchPx: options.pitchPx, bodyPx };
}

/** Rules between modules: vertical in the gutter, horizontal in the blank line above a module. */
function drawRules(gridEl: HTMLElement, modules: ModuleReport[], g: GridOptions, pitch: number, L: number): void {
  const step = g.columnPx + g.gutterPx;
  const add = (cls: string, css: Partial<CSSStyleDeclaration>) => {
    const r = document.createElement('div');
    r.className = `bm-rule ${cls}`;
    Object.assign(r.style, css);
    gridEl.append(r);
  };
  for (const m of modules) {
    if (m.column > 0) {
      const neighbour = modules.some((o) => o !== m && o.column + o.columns === m.column && o.line < m.line + m.lines && o.line + o.lines > m.line);
      if (neighbour) add('bm-rule-v', { left: `${m.column * step - g.gutterPx / 2}px`, top: `${m.line * pitch}px`, height: `${Math.min(m.lines, L - m.line) * pitch}px` });
    }
    if (m.line > 0) {
      add('bm-rule-h', { left: `${m.column * step}px`, top: `${(m.line - 0.5) * pitch}px`, width: `${m.columns * step - g.gutterPx}px` });
    }
  }
}

(globalThis as unknown as { __banmian: unknown }).__banmian = { layout, prepare };

/** Where the module's headline starts, in pt from the top of the page (the document's top: @page has no margin). */
function titleTop(m: Module, geo: Geometry, where: string): number | undefined {
  const title = m.el.querySelector<HTMLElement>('.bm-title');
  if (!title) return undefined;
  const read = () => Math.round((title.getBoundingClientRect().top + window.scrollY) * 0.75 * 100) / 100;
  // the headline sits at the module's top: where it is follows from the grid's place on the page
  // (read before the engine changed anything), the module's and the headline's own
  if (!m.headline?.contains(title) || m.headline.style.position !== 'absolute') return read();
  return geo(`title\n${where}\n${moduleKey(m)}\n${m.headline.outerHTML}`, read);
}

/**
 * The module as it stands, for the geometry cache: its attributes (the ones the templates' styles
 * select by, and what the edition gave it) and its inline style. Read one by one, not by serializing
 * the element (cloning, outerHTML, the list of attributes): that writes its style attribute out there
 * and then, and the attributes set after it would come before it in the page's HTML.
 */
function moduleKey(m: Module): string {
  const attrs = ['class', 'lang', 'data-rank', 'data-bm-strictness', 'data-grid-column', 'data-grid-line', 'data-grid-columns', 'data-grid-lines'].map((a) => m.el.getAttribute(a));
  return JSON.stringify([attrs, m.article, m.file, m.continueOn, m.continuedFrom, m.spec, m.el.style.cssText]);
}

/** The opening tag of an element, with its attributes. */
function openingTag(el: Element): string {
  return (el.cloneNode(false) as Element).outerHTML.replace(/<\/[^>]*>$/, '');
}

type Geometry = (key: string, read: () => number) => number;

/**
 * Heights and places read in the page (a headline's height, a title's top)
 * in earlier layouts of this document, by what decides them: the element's
 * HTML with its styles and its module's attributes and style, in the same
 * context as the typesetting cache. A rebuild then does not lay the page out
 * again for each module width tried.
 */
function geometryCache(context: string): Geometry {
  const w = window as unknown as { __banmianGeometry?: Map<string, number> };
  const cache = (w.__banmianGeometry ??= new Map());
  return (key, read) => {
    const k = `${context}\n${key}`;
    let v = cache.get(k);
    if (v === undefined) {
      v = read();
      cache.set(k, v);
      while (cache.size > TYPESET_CACHE_MAX) cache.delete(cache.keys().next().value!);
    }
    return v;
  };
}
