/**
 * In-page typography passes that depend on where lines break (clreq): run on
 * a block container after its width is final and before its lines are
 * counted. Must not change the number of lines of a block.
 */
export interface TypesetOptions {
  /** Han–Latin space in em (0 = none) */
  hanLatinSpace: number;
  lineEndHalfWidth: boolean;
  strictness: 'none' | 'basic' | 'gb' | 'strict';
}

export interface TypesetReport {
  lineEndMarks: number;
  lineEndHalfWidth: number;
}

export function typesetText(_root: HTMLElement, _options: TypesetOptions): TypesetReport {
  return { lineEndMarks: 0, lineEndHalfWidth: 0 };
}
