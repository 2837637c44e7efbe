/**
 * The in-page layout engine, bundled to one script and run inside the print
 * page after fonts load (see ../bundle.ts). It may use the DOM and nothing
 * from Node. Entry point: globalThis.__banmian.layout(options).
 */
import type { LayoutOptions, LayoutReport } from '../types.ts';
import { typesetText } from './typography/index.ts';

function layout(options: LayoutOptions): LayoutReport {
  const report: LayoutReport = { overset: [], underset: [], diagnostics: [] };
  const page = document.querySelector<HTMLElement>('.bm-page');
  if (!page) return report;
  const limit = options.pageHeightPx;
  for (const module of document.querySelectorAll<HTMLElement>('.bm-module')) {
    const body = module.querySelector<HTMLElement>('.bm-body');
    if (!body) continue;
    typesetText(body, options.typography);
    const bottom = body.getBoundingClientRect().bottom + window.scrollY;
    if (bottom > limit - options.marginBottomPx) {
      const overflowPx = bottom - (limit - options.marginBottomPx);
      report.overset.push({
        article: module.dataset.article ?? '',
        file: module.dataset.file ?? '',
        lines: Math.ceil(overflowPx / options.pitchPx),
        characters: 0,
        page: options.pageLabel,
      });
    }
  }
  return report;
}

(globalThis as unknown as { __banmian: unknown }).__banmian = { layout };
