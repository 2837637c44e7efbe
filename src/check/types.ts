/** Data model of the PDF check: glyphs, lines, columns and the report. */

export interface Glyph {
  /** 1-based page number. */
  page: number;
  /** The character(s); ligature parts folded into one glyph. */
  ch: string;
  /** Origin (pen position) in PDF points, y measured downward from the page top. */
  x: number;
  y: number;
  /** Horizontal extent of the advance box (mutool quad). */
  x0: number;
  x1: number;
  /** Vertical extent of the quad. */
  top: number;
  bottom: number;
  /** Font size in points: the em of this glyph. */
  size: number;
  font: string;
  /** False for vertical or rotated text, which is left out of line analysis. */
  horizontal: boolean;
  /** Index of the line holding this glyph, -1 when none. */
  line: number;
}

export interface Line {
  page: number;
  /** Index within the page's lines. */
  index: number;
  /** Glyphs in x order, spaces included (leading/trailing spaces dropped). */
  glyphs: Glyph[];
  /** The line's text without spaces at either end. */
  text: string;
  x0: number;
  x1: number;
  baseline: number;
  /** Dominant font size of the line. */
  size: number;
  /** Index of the column within the page, -1 when not in one. */
  column: number;
  /** Position in the column (0 = top), -1 when not in a column. */
  row: number;
  /** Reaches the column's right edge. */
  full: boolean;
  /** Starts about 2 em right of the column's left edge. */
  paragraphStart: boolean;
  /** Taken to be the last line of a paragraph. */
  paragraphEnd: boolean;
}

export interface Column {
  page: number;
  index: number;
  left: number;
  right: number;
  size: number;
  /** Line indices of the page, top to bottom. */
  lines: number[];
  /** Line-based rules (half-width ends, loose lines, 孤字) apply to this column. */
  analysable: boolean;
}

export interface PageLayout {
  page: number;
  width: number;
  height: number;
  glyphs: Glyph[];
  lines: Line[];
  columns: Column[];
  /** Dominant font size of the page's text (body size), null when no text. */
  bodySize: number | null;
}

/** A reference to one line for listing violations. */
export interface LineRef {
  page: number;
  /** 1-based column number on the page, null when the line is not in a column. */
  column: number | null;
  /** 1-based line number in the column (or in the page when not in a column). */
  line: number;
  baseline: number;
  text: string;
}

export interface ProhibitionViolation extends LineRef {
  kind: 'line-start' | 'line-end' | 'split-dash' | 'split-ellipsis';
  char: string;
}

export interface ProhibitionSection {
  lines: number;
  lineStart: number;
  lineEnd: number;
  splitDash: number;
  splitEllipsis: number;
  total: number;
  violations: ProhibitionViolation[];
}

export interface LineEndPunctuationSection {
  /** Full lines (not a paragraph's last line) ending with a full-width mark. */
  total: number;
  halfWidth: number;
  fullWidth: number;
  percentHalfWidth: number | null;
  /** Lines whose end mark is set full-width. */
  fullWidthLines: (LineRef & { char: string; distanceEm: number })[];
}

export interface LooseLine extends LineRef {
  extraPerGapEm: number;
  gaps: number;
}

export interface LooseLinesSection {
  thresholdEm: number;
  fullLines: number;
  loose: number;
  percentLoose: number | null;
  meanExtraPerGapEm: number | null;
  worst: LooseLine[];
  /** Internal: every measured value, used to merge pages. Not printed. */
  values: number[];
}

export interface HanLatinGap extends LineRef {
  pair: string;
  gapEm: number;
  netGapEm: number;
}

export interface HanLatinSection {
  pairs: number;
  /** Gap beyond the natural advances, in em of the Han glyph. */
  meanEm: number | null;
  minEm: number | null;
  maxEm: number | null;
  /** The same, less the line's own justification (median Han–Han gap). */
  netMeanEm: number | null;
  netMinEm: number | null;
  netMaxEm: number | null;
  /** Spaces between Latin/digits and `——`, `……` or full-width punctuation. */
  nextToPunctuation: number;
  /** Lines starting or ending with a Han–Latin space. */
  atLineStart: number;
  atLineEnd: number;
  examples: HanLatinGap[];
  /** Internal: all gaps (raw, net), used to merge pages. */
  values: [number, number][];
}

export interface OrphanSection {
  count: number;
  lines: LineRef[];
}

export interface BaselineGridPage {
  page: number;
  bodySize: number | null;
  pitch: number | null;
  origin: number | null;
  bodyLines: number;
  offGrid: number;
}

export interface BaselineGridSection {
  tolerancePt: number;
  bodyLines: number;
  offGrid: number;
  percentOffGrid: number | null;
  pages: BaselineGridPage[];
  examples: (LineRef & { offsetPt: number })[];
}

export interface FontInfo {
  name: string;
  type: string;
  encoding: string;
  embedded: boolean;
  subset: boolean;
  unicode: boolean;
  object: string;
}

export interface FontSection {
  fonts: FontInfo[];
  violations: (FontInfo & { reason: string })[];
}

export interface OutsideGlyph {
  page: number;
  char: string;
  x: number;
  y: number;
}

export interface OutsideSection {
  count: number;
  glyphs: OutsideGlyph[];
}

export interface OverlapPair {
  page: number;
  a: { char: string; x: number; y: number; line: string };
  b: { char: string; x: number; y: number; line: string };
  ratio: number;
}

export interface OverlapSection {
  count: number;
  pairs: OverlapPair[];
}

export interface CharCount {
  char: string;
  count: number;
}

export interface TextDiffSection {
  manuscriptChars: number;
  pdfChars: number;
  missingTotal: number;
  extraTotal: number;
  missing: CharCount[];
  extra: CharCount[];
  /** Stretches of the manuscript not found in the PDF, with context. */
  missingContexts: string[];
  /** Stretches of the PDF text not found in the manuscript, with context. */
  extraContexts: string[];
  allowExtra: string;
}

export interface RuleResult {
  id: string;
  title: string;
  figure: string;
  passed: boolean;
  /** False when the PDF gave nothing to measure (the rule then passes). */
  measured: boolean;
}

export interface PageSections {
  prohibitions: ProhibitionSection;
  lineEndPunctuation: LineEndPunctuationSection;
  looseLines: LooseLinesSection;
  hanLatin: HanLatinSection;
  orphans: OrphanSection;
  baselineGrid: BaselineGridSection;
  outsidePage: OutsideSection;
  overlaps: OverlapSection;
}

export interface PageReport extends PageSections {
  page: number;
  width: number;
  height: number;
  bodySize: number | null;
  columns: { column: number; left: number; right: number; size: number; lines: number; analysable: boolean }[];
  lines: number;
}

export interface CheckReport extends PageSections {
  file: string;
  /** The text language the rules were applied for (only Chinese rules exist). */
  lang: string;
  pageCount: number;
  passed: boolean;
  rules: RuleResult[];
  fonts: FontSection;
  text: TextDiffSection | null;
  pages: PageReport[];
}

export interface CheckOptions {
  /** Manuscript text (already stripped of markup) to compare with the PDF's characters. */
  manuscriptText?: string;
  /** Characters the PDF may hold beyond the manuscript (page furniture: folios, dates). */
  allowExtra?: string;
  /** Language of the text; only Chinese ('zh', the default) is analysed. */
  lang?: string;
}
