/**
 * Runs inside the print page right after the layout engine: wraps
 * globalThis.__banmian.layout so that its report also carries where things
 * are on the laid-out page — every element marked by rehype-source-positions
 * (file, line, column, rects per column fragment), every module, and the
 * rects of text snippets asked for (diagnostics with a column). Coordinates
 * are CSS px from the top-left of the page; the PDF has 0.75 pt per px.
 *
 * Kept as plain JavaScript source (no bundling): it is appended to the engine
 * source and evaluated through the DevTools protocol like the engine.
 *
 * When the print job takes a picture first (the preview), the layout is
 * called with options.__later: the positions are then read by
 * globalThis.__banmian.later() after the picture (print-page.ts), so that
 * the screen does not wait for them (20-30 ms on a broadsheet page).
 */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ElementPosition {
  file: string;
  article: string;
  tag: string;
  line: number;
  column: number;
  endLine: number;
  rects: Rect[];
  /** text of paragraph-like blocks (p, h1–h6, li, figcaption, td, th, blockquote without p) */
  text?: string;
  /** an image whose file is missing */
  missing?: string;
}

export interface ModulePosition {
  article: string;
  file: string;
  rect: Rect;
  /** the module's text frames (one per column of text), or its body before layout */
  frames: Rect[];
}

export interface Needle {
  id: number;
  file: string;
  line: number;
  /** text to find inside the element that starts at or before the line */
  text: string;
}

export interface Positions {
  page: { width: number; height: number };
  /** bottom of the type area (px): text below it is overset */
  limit: number;
  elements: ElementPosition[];
  modules: ModulePosition[];
  needles: { id: number; rects: Rect[] }[];
}

export interface PositionOptions {
  needles: Needle[];
  limit: number;
}

/** Source to append to the layout engine's; reads options.__positions and adds report.positions. */
export const COLLECT_POSITIONS_SOURCE = String.raw`
(() => {
  const g = globalThis.__banmian;
  const engineLayout = g.layout;
  const PARA = new Set(['P', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'LI', 'FIGCAPTION', 'TD', 'TH', 'DT', 'DD']);
  const rectsOf = (el) => {
    const sx = window.scrollX, sy = window.scrollY;
    let list = [...el.getClientRects()];
    if (list.length === 0) list = [el.getBoundingClientRect()];
    return list.filter((r) => r.width > 0 || r.height > 0).map((r) => ({ x: r.left + sx, y: r.top + sy, w: r.width, h: r.height }));
  };
  g.layout = (options) => {
    // (the engine's report may come as a promise: when it waits for a font)
    const report = engineLayout(options);
    return report && typeof report.then === 'function' ? report.then((r) => withPositions(r || {}, options)) : withPositions(report || {}, options);
  };
  const withPositions = (report, options) => {
    g.later = undefined;
    if (options.__later) {
      g.later = () => ({ positions: positions(options) });
      return report;
    }
    report.positions = positions(options);
    return report;
  };
  const positions = (options) => {
    const extra = options.__positions || { needles: [], limit: options.pageHeightPx - options.marginBottomPx };
    const elements = [];
    for (const el of document.querySelectorAll('[data-source-line]')) {
      const module = el.closest('.bm-module');
      if (!module) continue;
      const para = PARA.has(el.tagName) && !el.querySelector('p,li,h1,h2,h3,h4,h5,h6,figcaption');
      elements.push({
        file: module.dataset.file || '', article: module.dataset.article || '', tag: el.tagName.toLowerCase(),
        line: Number(el.dataset.sourceLine), column: Number(el.dataset.sourceColumn || 1), endLine: Number(el.dataset.sourceEndLine || el.dataset.sourceLine),
        rects: rectsOf(el),
        text: para ? el.textContent.replace(/\s+/g, ' ').trim() : undefined,
        missing: el.tagName === 'IMG' && el.dataset.missing !== undefined ? el.dataset.missing : undefined,
      });
    }
    const modules = [...document.querySelectorAll('.bm-module')].map((m) => {
      const frames = [...m.querySelectorAll('.bm-frame, .bm-body')].flatMap(rectsOf);
      return { article: m.dataset.article || '', file: m.dataset.file || '', rect: rectsOf(m)[0], frames };
    });
    const needles = [];
    for (const n of extra.needles) {
      const candidates = [...document.querySelectorAll('.bm-module[data-file] [data-source-line]')]
        .filter((el) => el.closest('.bm-module').dataset.file === n.file && Number(el.dataset.sourceLine) <= n.line && Number(el.dataset.sourceEndLine || el.dataset.sourceLine) >= n.line);
      let rects = [];
      for (const el of candidates.reverse()) {
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        let text = '', nodes = [];
        for (let t = walker.nextNode(); t; t = walker.nextNode()) { nodes.push([t, text.length]); text += t.data; }
        const at = n.text ? text.indexOf(n.text) : -1;
        if (at < 0) continue;
        const range = document.createRange();
        const locate = (offset) => { for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= offset) return [nodes[i][0], offset - nodes[i][1]]; return [nodes[0][0], 0]; };
        const [sn, so] = locate(at); const [en, eo] = locate(at + n.text.length);
        range.setStart(sn, Math.min(so, sn.data.length)); range.setEnd(en, Math.min(eo, en.data.length));
        const sx = window.scrollX, sy = window.scrollY;
        rects = [...range.getClientRects()].filter((r) => r.width > 0).map((r) => ({ x: r.left + sx, y: r.top + sy, w: r.width, h: r.height }));
        if (rects.length) break;
      }
      needles.push({ id: n.id, rects });
    }
    return {
      page: { width: document.documentElement.scrollWidth, height: options.pageHeightPx },
      limit: extra.limit, elements, modules, needles,
    };
  };
})();
`;
