/** What the pipeline passes into the in-page engine and gets back. Plain data only. */
import type { TypesetOptions } from './browser/typography/index.ts';

/** The page grid in CSS px (96 per inch), computed from pageGeometry by the pipeline. */
export interface GridOptions {
  columns: number;
  /** one column's width: columnChars × body size */
  columnPx: number;
  /** gutter between columns: gutterChars × body size */
  gutterPx: number;
  /** line pitch (body leading) */
  pitchPx: number;
  /** body character size */
  bodyPx: number;
}

export interface LayoutOptions {
  /** 版次 of this page, as printed */
  pageLabel: string;
  typography: TypesetOptions;
  pageHeightPx: number;
  marginBottomPx: number;
  pitchPx: number;
  grid?: GridOptions;
}

export interface OversetReport {
  article: string;
  file: string;
  page: string;
  lines: number;
  /** non-whitespace characters that were not placed */
  characters: number;
}

/** Text that did not fit its module and continues on a later page (转版). */
export interface ContinuationReport {
  article: string;
  file: string;
  fromPage: string;
  toPage: string;
  /** the remaining body blocks as HTML, ready to be set in a module on toPage */
  html: string;
  characters: number;
  lines: number;
}

export interface ModuleReport {
  article: string;
  /** 0-based grid position and size in columns and lines (headline included) */
  column: number;
  columns: number;
  line: number;
  lines: number;
  /** body lines set, and lines of frame capacity left empty */
  usedLines: number;
  emptyLines: number;
  /** lines the text ends short of the module's end (the underset measure) */
  shortLines?: number;
  /** top of the module's headline (.bm-title) in pt from the page top, for the PDF's bookmarks */
  titleTop?: number;
  /** the column frames: column (0-based), top (lines from the module top), capacity and lines used */
  frames?: { column: number; top: number; cap: number; used: number }[];
}

export interface LayoutReport {
  overset: OversetReport[];
  underset: { article: string; file: string; page: string; lines: number }[];
  diagnostics: { article: string; file: string; ruleId: string; severity: 'error' | 'warning' | 'info'; message: string }[];
  continuations?: ContinuationReport[];
  modules?: ModuleReport[];
  /** grid lines of the page's type area below the furniture */
  gridLines?: number;
  /** time the engine took in the page, ms */
  ms?: number;
}
