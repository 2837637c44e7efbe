/** What the pipeline passes into the in-page engine and gets back. Plain data only. */
export interface LayoutOptions {
  pageLabel: string;
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
