/**
 * Lines a text node's value up with its source. CommonMark removes the
 * backslash of an escape (`\{`) and resolves character references, so the
 * syntax plugins (ruby, emphasis dots) look here before treating a brace or
 * bracket as markup, and use it to give the pieces they split off their own
 * positions (a later plugin needs them to see escapes too).
 */
import type { Position } from 'unist';
import type { Text } from 'mdast';

export interface SourceMap {
  /** per UTF-16 unit of the value: written escaped in the source */
  escaped: boolean[];
  /** per UTF-16 unit of the value, and one past the end: its offset in the source */
  offsets: number[];
}

/** undefined when the text cannot be lined up with its source: callers then convert nothing. */
export function sourceMap(node: Text, source: string): SourceMap | undefined {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  if (start === undefined || end === undefined) return undefined;
  const escaped: boolean[] = [];
  const offsets: number[] = [];
  let i = start;
  for (const ch of node.value) {
    let next: number;
    let isEscaped = false;
    const reference = source[i] === '&' ? /^&(?:#\d+|#x[\da-f]+|[a-z][a-z\d]*);/i.exec(source.slice(i, i + 40)) : null;
    if (source[i] === '\\' && source.startsWith(ch, i + 1)) {
      isEscaped = true;
      next = i + 1 + ch.length;
    } else if (reference) {
      // a character reference (&amp; &#123;) stands for this character
      next = i + reference[0].length;
    } else if (source.startsWith(ch, i)) {
      next = i + ch.length;
    } else {
      return undefined;
    }
    for (let k = 0; k < ch.length; k++) {
      escaped.push(isEscaped);
      offsets.push(i);
    }
    i = next;
  }
  offsets.push(i);
  return { escaped, offsets };
}

/**
 * True when the value's units [from, to) hold no escaped character. A literal
 * backslash right before the match (kept in text where escapes do not apply,
 * such as a bare URL) also means the writer meant it literally.
 */
export function unescaped(map: SourceMap | undefined, from: number, to: number, value?: string): boolean {
  if (!map) return false;
  if (value !== undefined && from > 0 && value[from - 1] === '\\') return false;
  for (let k = from; k < to; k++) if (map.escaped[k]) return false;
  return true;
}

/** The source position of the value's units [from, to). */
export function positionOf(node: Text, map: SourceMap | undefined, source: string, from: number, to: number): Position | undefined {
  const start = node.position?.start;
  if (!map || !start || start.offset === undefined) return undefined;
  const point = (offset: number) => {
    let line = start.line;
    let column = start.column;
    for (let i = start.offset!; i < offset; i++) {
      if (source[i] === '\n') {
        line++;
        column = 1;
      } else column++;
    }
    return { line, column, offset };
  };
  return { start: point(map.offsets[from]!), end: point(map.offsets[to]!) };
}
