/**
 * The in-page layout engine, bundled to one script and run inside the print
 * page after fonts load (see ../bundle.ts). It may use the DOM and nothing
 * from Node. Entry point: globalThis.__banmian.layout(options).
 *
 * collect (modules, blocks, figures) → measure (whole lines at column width)
 * → place (modules on the grid) → flow (blocks into column frames, paragraphs
 * split at line boundaries) → finalize (jump lines, rules, report).
 */
import type { ContinuationReport, GridOptions, LayoutOptions, LayoutReport, ModuleReport } from '../types.ts';
import { flow, remainingLines, type FlowBlock, type FlowFrame } from './flow.ts';
import { defaultColumns, placeModules, type Placed } from './place.ts';
import { splitAfterChars, splitAfterLines, visibleChars } from './split.ts';
import { typesetText } from './typography/index.ts';

interface Block extends FlowBlock {
  el: HTMLElement;
  /** untouched copy for continuations (typography passes not applied) */
  pristine: HTMLElement;
}

interface Figure {
  el: HTMLElement;
  /** columns spanned and grid position inside the module body */
  span: number;
  column: number;
  at: 'top' | 'bottom';
  /** lines from the body top (top figures) or from the body bottom (bottom figures) */
  offset: number;
  lines: number;
  /** lines of the picture itself (the rest is caption and the blank line) */
  imgLines: number;
  img: HTMLImageElement | null;
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
  columns: number;
  headLines: number;
  /** per-column lines taken by figures at the top and bottom of the body */
  topOff: number[];
  botOff: number[];
}

const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

function layout(options: LayoutOptions): LayoutReport {
  const t0 = performance.now();
  const report: LayoutReport = { overset: [], underset: [], diagnostics: [], continuations: [], modules: [] };
  const page = document.querySelector<HTMLElement>('.bm-page');
  const gridEl = document.querySelector<HTMLElement>('.bm-grid');
  if (!page || !gridEl) return report;
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

  // collect
  const els = [...gridEl.querySelectorAll<HTMLElement>(':scope > .bm-module')];
  const modules: Module[] = els.map((el) => collect(el, measure));
  // measure body blocks at column width, after the typography passes
  typesetText(measure, options.typography);
  for (const m of modules) for (const b of m.blocks) measureBlock(b, pitch);

  // widths and headline ranks
  const defaults = defaultColumns(modules.length, g.columns);
  modules.forEach((m, i) => {
    m.columns = Math.max(1, Math.min(g.columns, m.spec.columns ?? defaults[i]!));
    const rank = m.continuedFrom ? 'repeat' : i === 0 && modules.length > 1 ? '1' : m.columns >= 4 ? '2' : m.columns >= 2 ? '3' : '4';
    m.el.dataset.rank = rank;
    m.el.style.width = `${widthOf(m.columns)}px`;
    m.headLines = m.headline ? wholeLines(m.headline, pitch) : 0;
    placeFigures(m, g, pitch, widthOf, measure);
  });

  const framesFor = (m: Module, bodyLines: number): FlowFrame[] =>
    m.topOff.map((top, c) => ({ cap: Math.max(0, bodyLines - top - m.botOff[c]!) }));
  const minBody = (m: Module) => Math.max(1, ...m.topOff.map((t, c) => t + m.botOff[c]!));
  const reserve = (m: Module) => (m.continueOn ? 1 : 0);
  const fits = (m: Module, body: number) => flow(m.blocks, framesFor(m, body), 0).overflow === null;
  /** smallest module height (lines, headline included) ≤ limit whose frames hold the text */
  const needed = (m: Module) => (limit: number) => {
    let lo = minBody(m);
    let hi = limit - m.headLines;
    if (hi < lo || !fits(m, hi)) return limit;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (fits(m, mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo + m.headLines;
  };

  const placed: Placed[] = placeModules(
    modules.map((m) => ({
      columns: m.columns,
      column: m.spec.column !== undefined ? m.spec.column - 1 : undefined,
      line: m.spec.line !== undefined ? m.spec.line - 1 : undefined,
      lines: m.spec.lines,
      needed: needed(m),
      minLines: m.headLines + minBody(m) + 2,
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
    if (m.headline) Object.assign(m.headline.style, { position: 'absolute', left: '0', top: '0', width: '100%', height: `${m.headLines * pitch}px` });
    const body = Math.max(0, p.lines - m.headLines);
    if (p.fixed || p.stretched) growFigures(m, body, (b) => fits(m, b));
    // figures that no longer fit the module's height are dropped to the flow's end
    for (const f of m.figures) {
      const top = f.at === 'top' ? m.headLines + f.offset : m.headLines + body - f.offset - f.lines;
      Object.assign(f.el.style, { position: 'absolute', left: `${f.column * step}px`, top: `${top * pitch}px`, width: `${widthOf(f.span)}px`, height: `${f.lines * pitch}px` });
      if (f.img) f.img.style.height = `${f.imgLines * pitch}px`;
      m.el.append(f.el);
    }
    const frames = framesFor(m, body);
    let result = flow(m.blocks, frames, 0);
    const jumping = result.overflow !== null && m.continueOn !== undefined;
    if (jumping) result = flow(m.blocks, frames, reserve(m));
    const frameEls = frames.map((f, c) => {
      const el = document.createElement('div');
      el.className = 'bm-text bm-frame';
      Object.assign(el.style, {
        position: 'absolute',
        left: `${c * step}px`,
        top: `${(m.headLines + m.topOff[c]!) * pitch}px`,
        width: `${g.columnPx}px`,
        height: `${f.cap * pitch}px`,
      });
      el.dataset.column = String(c + 1);
      m.el.append(el);
      return el;
    });
    // move the blocks, splitting paragraphs at frame bottoms
    const current = m.blocks.map((b) => b.el);
    for (const piece of result.pieces) {
      const b = m.blocks[piece.block]!;
      let el = current[piece.block]!;
      if (b.kind === 'text' && piece.from + piece.lines < b.lines) {
        const rest = splitAfterLines(el, piece.lines, pitch);
        if (rest) current[piece.block] = rest;
      }
      if (piece.atTop) {
        el.classList.add('bm-at-top');
        el.style.height = `${piece.lines * pitch}px`;
      }
      frameEls[piece.frame]!.append(el);
    }
    const usedLines = result.used.reduce((a, b) => a + b, 0);
    const capLines = frames.reduce((a, f) => a + f.cap, 0) - (jumping ? 1 : 0);
    const mod: ModuleReport = { article: m.article, column: p.column, columns: p.columns, line: p.line, lines: p.lines, usedLines, emptyLines: capLines - usedLines };
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
        jump.textContent = `（下转第${m.continueOn}版）`;
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
      const lastUsed = result.used.reduce((last, u, f) => (u > 0 ? f : last), -1);
      const emptyInLast = lastUsed >= 0 ? frames[lastUsed]!.cap - result.used[lastUsed]! : 0;
      const emptyAfter = frames.slice(lastUsed + 1).reduce((a, f) => a + f.cap, 0);
      const short = emptyInLast + emptyAfter;
      const balancedSlack = p.fixed || p.stretched ? 0 : frames.length - 1;
      if (short > 2 + balancedSlack) report.underset.push({ article: m.article, file: m.file, page: options.pageLabel, lines: short });
    }
    m.el.querySelector(':scope > .bm-body')?.remove();
  }
  measure.remove();
  drawRules(gridEl, report.modules!, g, pitch, L);
  report.ms = Math.round(performance.now() - t0);
  return report;
}

function collect(el: HTMLElement, measure: HTMLElement): Module {
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
    columns: 1,
    headLines: 0,
    topOff: [],
    botOff: [],
  };
  if (!body) return m;
  const children = [...body.children] as HTMLElement[];
  const flat: HTMLElement[] = [];
  for (const c of children) {
    if (c.tagName === 'SECTION') for (const s of [...c.children] as HTMLElement[]) { s.classList.add('bm-section-part'); flat.push(s); }
    else flat.push(c);
  }
  let index = 0;
  for (const c of flat) {
    if (c.matches('figure.bm-figure')) {
      m.figures.push({ el: c, span: 1, column: 0, at: 'top', offset: 0, lines: 0, imgLines: 0, img: c.querySelector('img') });
      continue;
    }
    const kind = c.tagName === 'P' && !c.classList.contains('bm-jump') ? 'text' : /^H[1-6]$/.test(c.tagName) ? 'head' : 'keep';
    c.dataset.block = String(index++);
    const pristine = c.cloneNode(true) as HTMLElement;
    measure.append(c);
    m.blocks.push({ el: c, pristine, kind, lines: 0, spaceAbove: 0 });
  }
  return m;
}

function measureBlock(b: Block, pitch: number): void {
  const h = b.el.getBoundingClientRect().height;
  if (b.kind === 'text') {
    b.lines = Math.max(1, Math.round(h / pitch));
    return;
  }
  b.lines = Math.max(1, Math.ceil(h / pitch - 0.05));
  b.el.style.height = `${b.lines * pitch}px`;
  if (b.kind === 'head') b.spaceAbove = Math.min(b.lines - 1, Math.round(parseFloat(getComputedStyle(b.el).paddingTop) / pitch));
}

function wholeLines(el: HTMLElement, pitch: number): number {
  el.style.height = 'auto';
  const lines = Math.max(1, Math.ceil(el.getBoundingClientRect().height / pitch - 0.05));
  el.style.height = `${lines * pitch}px`;
  return lines;
}

/** Size each figure in whole lines at its span and give it a place at the top or bottom of the module body. */
function placeFigures(m: Module, g: GridOptions, pitch: number, widthOf: (k: number) => number, measure: HTMLElement): void {
  const k = m.columns;
  m.topOff = Array.from({ length: k }, () => 0);
  m.botOff = Array.from({ length: k }, () => 0);
  const defaultSpan = k <= 2 ? k : Math.ceil(k / 2);
  for (const [i, f] of m.figures.entries()) {
    f.span = Math.max(1, Math.min(k, m.spec.figureColumns ?? defaultSpan));
    const mode = m.spec.figures ?? 'split';
    f.at = mode === 'top' ? 'top' : mode === 'bottom' ? 'bottom' : i === 0 || k === 1 ? 'top' : 'bottom';
    f.el.classList.add(f.at === 'top' ? 'bm-figure-top' : 'bm-figure-bottom');
    const w = widthOf(f.span);
    const img = f.el.querySelector<HTMLImageElement>('img');
    const iw = Number(img?.dataset.width) || img?.naturalWidth || 4;
    const ih = Number(img?.dataset.height) || img?.naturalHeight || 3;
    const imgLines = Math.max(3, Math.round((w * ih) / iw / pitch));
    Object.assign(f.el.style, { position: 'static', width: `${w}px`, height: 'auto' });
    if (img) Object.assign(img.style, { width: `${w}px`, height: `${imgLines * pitch}px` });
    measure.after(f.el);
    const lines = Math.max(imgLines, Math.ceil(f.el.getBoundingClientRect().height / pitch - 0.05));
    f.lines = lines;
    f.imgLines = imgLines;
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

/** Recompute the figures' column offsets from their (possibly grown) heights, keeping their columns. */
function stackFigures(m: Module): void {
  m.topOff.fill(0);
  m.botOff.fill(0);
  for (const f of m.figures) {
    const off = f.at === 'top' ? m.topOff : m.botOff;
    f.offset = Math.max(...off.slice(f.column, f.column + f.span));
    for (let c = f.column; c < f.column + f.span; c++) off[c] = f.offset + f.lines;
  }
}

/**
 * A module whose height is fixed (or stretched to fill the page) and whose text
 * is short gives the spare lines to its pictures, a line at a time, as long as
 * the text still fits and no picture grows past 1.8 times its height: the
 * picture is cropped (object-fit: cover) as a picture editor would.
 */
function growFigures(m: Module, body: number, fitsBody: (body: number) => boolean): void {
  if (m.figures.length === 0 || !fitsBody(body)) return;
  const limit = m.figures.map((f) => Math.ceil(f.imgLines * 1.8));
  const done = m.figures.map(() => false);
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

(globalThis as unknown as { __banmian: unknown }).__banmian = { layout };
