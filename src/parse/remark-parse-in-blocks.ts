/**
 * remark plugin (after remark-parse and the syntax plugins): parses an article
 * block by block, each run of lines between blank lines on its own, and keeps
 * every block's tree by its text. A rebuild after an edit parses only the
 * block that changed; the others are copied with their positions moved to
 * where they now stand. micromark spends about 7 ms on the seed article; the
 * copies about 1 ms.
 *
 * The tree is the one remark-parse gives for the whole file, node for node
 * and position for position (tests/transform/parse-in-blocks.test.ts compares
 * them): the file is parsed whole, as before, when it has anything whose
 * meaning reaches across a blank line — fenced or indented code, HTML blocks,
 * block quotes, list items, link or footnote definitions — or front matter not
 * followed by a blank line. News articles are paragraphs, headings, pictures
 * and tables, none of which do.
 */
import type { Nodes, Root, RootContent } from 'mdast';
import type { Processor } from 'unified';
import type { Point, Position } from 'unist';

/** a line that starts something which may go on after a blank line, or take meaning from one */
const ACROSS = /^ {0,3}(?:```|~~~|\[[^\]\r\n]*\]:|<|>|[-+*](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$))|^(?: {0,3}\t| {4})/m;
/** YAML front matter: the fences, and what follows up to the end of its line */
const FRONT_MATTER = /^---[ \t]*\r?\n(?:[\s\S]*?\r?\n)?---[ \t]*(?=\r?\n|$)/;
/** one or more blank lines, with the line ending before them (a CR LF is one line ending, never a CR and then an empty line) */
const BLANK = /(?:\r\n|\r(?!\n)|\n)(?:[ \t]*(?:\r\n|\r(?!\n)|\n|$))+/g;
const LINE_ENDING = /\r\n|\r|\n/g;

/** block trees by their text (each parsed alone: positions from line 1), the oldest dropped first */
const parsed = new Map<string, Root>();
const MAX_BLOCKS = 5000;

export default function remarkParseInBlocks(this: Processor) {
  const whole = this.parser;
  if (!whole) throw new Error('remark-parse-in-blocks comes after remark-parse');
  this.parser = (document, file) => parseInBlocks(String(document), (text) => whole(text, file) as Root);
}

export function parseInBlocks(text: string, parse: (text: string) => Root): Root {
  const blocks = splitBlocks(text);
  if (!blocks) return parse(text);
  const children: RootContent[] = [];
  for (const block of blocks) {
    let tree = parsed.get(block.text);
    if (tree) {
      parsed.delete(block.text);
    } else {
      tree = parse(block.text);
      if (parsed.size >= MAX_BLOCKS) parsed.delete(parsed.keys().next().value!);
    }
    parsed.set(block.text, tree);
    for (const node of tree.children) children.push(moved(node, block.line - 1, block.offset) as RootContent);
  }
  return { type: 'root', children, position: { start: { line: 1, column: 1, offset: 0 }, end: endOf(text) } };
}

/** The file's blocks with the line and offset each starts at; undefined when it must be parsed whole. */
export function splitBlocks(text: string): { text: string; line: number; offset: number }[] | undefined {
  let start = 0;
  const blocks: { text: string; line: number; offset: number }[] = [];
  const front = FRONT_MATTER.exec(text);
  if (front) {
    const end = front[0].length;
    BLANK.lastIndex = end;
    const after = BLANK.exec(text);
    // (front matter must be followed by a blank line or nothing)
    if (end < text.length && after?.index !== end) return undefined;
    blocks.push({ text: text.slice(0, end), line: 1, offset: 0 });
    start = after ? BLANK.lastIndex : text.length;
  }
  const rest = text.slice(start);
  if (ACROSS.test(rest)) return undefined;
  // leading blank lines
  const lead = /^(?:[ \t]*(?:\r\n|\r|\n))+/.exec(rest);
  if (lead) start += lead[0].length;
  BLANK.lastIndex = start;
  while (start < text.length) {
    const gap = BLANK.exec(text);
    const end = gap ? gap.index : text.length;
    if (end > start) blocks.push({ text: text.slice(start, end), line: lineAt(text, start), offset: start });
    if (!gap) break;
    start = BLANK.lastIndex;
  }
  return blocks;
}

/** the line (from 1) of offset `at` */
function lineAt(text: string, at: number): number {
  let line = 1;
  LINE_ENDING.lastIndex = 0;
  for (let m = LINE_ENDING.exec(text); m && m.index < at; m = LINE_ENDING.exec(text)) line++;
  return line;
}

/** where micromark ends a file: after its last character */
function endOf(text: string): Point {
  let line = 1;
  let lineStart = 0;
  LINE_ENDING.lastIndex = 0;
  for (let m = LINE_ENDING.exec(text); m; m = LINE_ENDING.exec(text)) {
    line++;
    lineStart = m.index + m[0].length;
  }
  return { line, column: text.length - lineStart + 1, offset: text.length };
}

/** A copy of `node` whose positions are `lines` lines and `offset` characters further on (its columns stay: blocks start a line). */
function moved(node: Nodes, lines: number, offset: number): Nodes {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'children') copy.children = (value as Nodes[]).map((child) => moved(child, lines, offset));
    // (nodes made after parsing, as GFM's literal links, may have none)
    else if (key === 'position') copy.position = value === undefined ? value : movedPosition(value as Position, lines, offset);
    else copy[key] = value !== null && typeof value === 'object' ? structuredClone(value) : value;
  }
  return copy as unknown as Nodes;
}

function movedPosition(p: Position, lines: number, offset: number): Position {
  const point = (q: Point): Point => (q.offset === undefined ? { line: q.line + lines, column: q.column } : { line: q.line + lines, column: q.column, offset: q.offset + offset });
  return { start: point(p.start), end: point(p.end) };
}
