/**
 * A second bundle entry for tests and the docs pictures: typesets every
 * `.bm-typeset` container of a page with typesetText, without the layout
 * engine. Exposes the same globalThis.__banmian.layout(options) as the engine.
 */
import { typesetText, type TypesetOptions, type TypesetReport } from './index.ts';

function layout(options: { typography: TypesetOptions | null }): TypesetReport[] {
  const out: TypesetReport[] = [];
  if (!options.typography) return out;
  for (const el of document.querySelectorAll<HTMLElement>('.bm-typeset')) out.push(typesetText(el, options.typography));
  return out;
}

(globalThis as unknown as { __banmian: unknown }).__banmian = { layout };
