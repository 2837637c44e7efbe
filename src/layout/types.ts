/** What the pipeline passes into the in-page engine and gets back. Plain data only. */
import type { TypesetOptions } from './browser/typography/index.ts';

export interface LayoutOptions {
  pageLabel: string;
  typography: TypesetOptions;
  pageHeightPx: number;
  marginBottomPx: number;
  pitchPx: number;
}

export interface OversetReport {
  article: string;
  file: string;
  page: string;
  lines: number;
  characters: number;
}

export interface LayoutReport {
  overset: OversetReport[];
  underset: { article: string; file: string; page: string; lines: number }[];
  diagnostics: { article: string; file: string; ruleId: string; severity: 'error' | 'warning' | 'info'; message: string }[];
}
