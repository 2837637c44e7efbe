/**
 * remark plugin (clreq rule 7): ASCII punctuation in Chinese text becomes the
 * full-width Chinese mark — `, . : ; ? !` between Han characters, `( )` around
 * or next to Han text, straight quotes around Chinese text, `...` and `--`
 * next to Han. Each change is an info message at the character's place in
 * the source, so a proofreader can fix the manuscript.
 *
 * The conversion is our own, deterministic and position-exact. zhlint (0.8.2)
 * is run per paragraph as a second opinion: marks it wants full-width that we
 * left alone (e.g. `占比21.66%.` at a sentence end) are reported as info
 * messages, not changed. zhlint throws on some inputs; that is caught and
 * reported per paragraph, never fatal.
 */
import type { Paragraph, Heading, Root, TableCell, Text, Parent } from 'mdast';
import { visit, SKIP } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { run as zhlint } from 'zhlint';
import type { Typography } from '../../config/index.ts';

export interface CjkPunctuationOptions {
  typography?: Typography;
  /** ask zhlint for a second opinion (default true) */
  zhlint?: boolean;
}

const HAN = /[\p{Script=Han}\u3007]/u;
/** Han characters and full-width punctuation: the "Chinese side" of an ASCII mark. */
const WIDE = /[\p{Script=Han}\u3007\u3000-\u303f\uff01-\uff60\u2014\u2026\u201c\u201d\u2018\u2019\u00b7]/u;
const SENTENCE = /[,.:;?!]/;
const FULL: Record<string, string> = { ',': '，', '.': '。', ':': '：', ';': '；', '?': '？', '!': '！', '(': '（', ')': '）' };

interface Slot {
  node: Text;
  index: number;
}

interface Edit {
  /** index into the paragraph's joined text */
  from: number;
  to: number;
  insert: string;
  original: string;
}

const silent = { log() {}, error() {}, warn() {}, info() {}, debug() {} } as unknown as Console;

function isWide(ch: string | undefined): boolean {
  return ch !== undefined && WIDE.test(ch);
}

/** The conversions of one paragraph's text, as edits on the joined string. */
export function findPunctuationEdits(text: string): Edit[] {
  const chars = [...text];
  // Work on UTF-16 indices: build a map from code point index to string index.
  const at: number[] = [];
  let i16 = 0;
  for (const c of chars) {
    at.push(i16);
    i16 += c.length;
  }
  at.push(i16);
  const edits: Edit[] = [];
  const taken = new Set<number>();
  /** the characters as converted so far: later rules see earlier conversions */
  const view = [...chars];
  const isWideAt = (j: number) => j >= 0 && j < view.length && isWide(view[j]);
  const prevNonSpace = (i: number) => {
    for (let j = i - 1; j >= 0; j--) if (!/\s/u.test(chars[j]!)) return chars[j];
    return undefined;
  };
  const add = (from: number, to: number, insert: string) => {
    for (let k = from; k < to; k++) {
      taken.add(k);
      view[k] = [...insert][Math.min(k - from, [...insert].length - 1)]!;
    }
    // swallow ASCII spaces that followed an ASCII mark between Han characters
    let end = to;
    if (/[,.:;?!)]/.test(chars[to - 1] ?? '')) while (chars[end] === ' ' && isWide(chars[end + 1])) end++;
    for (let k = to; k < end; k++) taken.add(k);
    edits.push({ from: at[from]!, to: at[end]!, insert, original: chars.slice(from, end).join('') });
  };

  // `...` (three or more dots, or two or more U+2026) and `--` next to Chinese text.
  for (let i = 0; i < chars.length; i++) {
    if (taken.has(i)) continue;
    const c = chars[i]!;
    if (c === '.' || c === '…' || c === '-') {
      let j = i;
      while (chars[j] === c) j++;
      const n = j - i;
      const before = chars[i - 1];
      const after = chars[j];
      const chinese = isWide(before) || isWide(after) || (before === undefined && isWide(after)) || (after === undefined && isWide(before));
      if (chinese && ((c === '.' && n >= 3) || (c === '-' && (n === 2 || n === 3)) || (c === '…' && n !== 2))) {
        add(i, j, c === '-' ? '——' : '……');
      }
      i = j - 1;
    }
  }

  // Parentheses: pairs whose content holds Han text or that touch Han outside.
  const stack: number[] = [];
  for (let i = 0; i < chars.length; i++) {
    if (taken.has(i)) continue;
    if (chars[i] === '(') stack.push(i);
    else if (chars[i] === ')' && stack.length) {
      const open = stack.pop()!;
      const inner = chars.slice(open + 1, i).join('');
      if (HAN.test(inner) || isWideAt(open - 1) || isWideAt(i + 1)) {
        // spaces just outside a converted pair next to Han go too
        add(open, open + 1, '（');
        add(i, i + 1, '）');
      }
    }
  }

  // Straight double quotes, paired in order; single quotes only when not an apostrophe.
  for (const [q, open, close] of [
    ['"', '“', '”'],
    ["'", '‘', '’'],
  ] as const) {
    const idx: number[] = [];
    for (let i = 0; i < chars.length; i++) {
      if (taken.has(i) || chars[i] !== q) continue;
      if (q === "'" && /[A-Za-z0-9]/.test(chars[i - 1] ?? '') && /[A-Za-z]/.test(chars[i + 1] ?? '')) continue;
      idx.push(i);
    }
    for (let k = 0; k + 1 < idx.length; k += 2) {
      const a = idx[k]!;
      const b = idx[k + 1]!;
      const inner = chars.slice(a + 1, b).join('');
      if (HAN.test(inner) || isWide(prevNonSpace(a)) || isWideAt(b + 1)) {
        add(a, a + 1, open);
        add(b, b + 1, close);
      }
    }
  }
  // Sentence marks between Chinese text: the previous character is Han (or a
  // full-width mark) and the next non-space character is Chinese or the end.
  for (let i = 0; i < chars.length; i++) {
    if (taken.has(i)) continue;
    const c = chars[i]!;
    if (!SENTENCE.test(c)) continue;
    const before = view[i - 1];
    let n = i + 1;
    while (n < chars.length && /\s/u.test(chars[n]!)) n++;
    const after = n < chars.length ? view[n] : undefined;
    if (!isWide(before) || /[“‘（《「『〔【]/u.test(before!)) continue;
    if (after !== undefined && !isWide(after)) continue;
    if (c === '.' && after === undefined && !HAN.test(before!) && !/[”’）》」』】〕]/u.test(before!)) continue;
    add(i, i + 1, FULL[c]!);
  }

  return edits.sort((x, y) => x.from - y.from);
}

/** Paragraph-like parents whose text nodes form one run of prose. */
type Block = Paragraph | Heading | TableCell;

function collectSlots(block: Parent): Text[] {
  const out: Text[] = [];
  const walk = (node: Parent) => {
    for (const child of node.children) {
      if (child.type === 'text') out.push(child);
      else if (child.type === 'inlineCode' || child.type === 'html' || child.type === 'code') out.push({ type: 'text', value: '\u0000' } as Text);
      else if ('children' in child) walk(child as Parent);
    }
  };
  walk(block);
  return out;
}

export default function remarkCjkPunctuation(options: CjkPunctuationOptions = {}) {
  const useZhlint = options.zhlint ?? true;
  return (tree: Root, file: VFile) => {
    const settings = { ...options.typography, ...file.data.frontMatter?.typography };
    if (settings.fullWidthPunctuation === false) return;
    const source = String(file.value ?? '');
    visit(tree, (node) => {
      if (node.type !== 'paragraph' && node.type !== 'heading' && node.type !== 'tableCell') return undefined;
      processBlock(node as Block, file, source, useZhlint);
      return SKIP;
    });
  };
}

/** Where index `i` of a text node's value is in the source, when the node's text is verbatim there. */
function place(node: Text, i: number, source: string): { line: number; column: number; offset: number } | undefined {
  const start = node.position?.start;
  const end = node.position?.end;
  if (!start || !end || start.offset === undefined || end.offset === undefined) return undefined;
  const raw = source.slice(start.offset, end.offset);
  let offset: number;
  if (raw === node.value) offset = start.offset + i;
  else {
    // Soft breaks or escapes: find the same character sequence nearby.
    const probe = node.value.slice(i, i + 4);
    const found = raw.indexOf(probe, Math.max(0, i - 8));
    offset = start.offset + (found >= 0 ? found : 0);
  }
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return { line, column, offset };
}

function processBlock(block: Block, file: VFile, source: string, useZhlint: boolean): void {
  const nodes = collectSlots(block);
  if (nodes.length === 0) return;
  const starts: number[] = [];
  let joined = '';
  for (const n of nodes) {
    starts.push(joined.length);
    joined += n.value;
  }
  const edits = findPunctuationEdits(joined);
  const locate = (index: number): Slot | undefined => {
    for (let k = nodes.length - 1; k >= 0; k--) if (starts[k]! <= index) return { node: nodes[k]!, index: index - starts[k]! };
    return undefined;
  };
  // Report, then apply from the end so earlier indices stay valid.
  const changed = new Set<number>();
  for (const e of edits) {
    const slot = locate(e.from);
    if (!slot || slot.node.value === '\u0000') continue;
    for (let k = e.from; k < e.to; k++) changed.add(k);
    const where = place(slot.node, slot.index, source);
    file.info(`\`${e.original.trim() || e.original}\` set as \`${e.insert}\` (full-width Chinese punctuation): write \`${e.insert}\` in the manuscript`, {
      place: where ?? slot.node.position,
      ruleId: 'full-width-punctuation',
      source: 'banmian',
    });
  }
  for (const e of [...edits].reverse()) {
    const a = locate(e.from);
    const b = locate(Math.max(e.from, e.to - 1));
    if (!a || !b || a.node !== b.node || a.node.value === '\u0000') continue;
    a.node.value = a.node.value.slice(0, a.index) + e.insert + a.node.value.slice(a.index + (e.to - e.from));
  }
  if (useZhlint) secondOpinion(joined, changed, locate, file, source);
}

/** zhlint's punctuation-width findings that our rules did not convert, as info messages. */
function secondOpinion(
  text: string,
  changed: Set<number>,
  locate: (index: number) => Slot | undefined,
  file: VFile,
  source: string,
): void {
  const probe = text.replace(/\u0000/g, ' ');
  if (!/[,.:;?!"'()]/.test(probe) || !HAN.test(probe)) return;
  let validations;
  try {
    validations = zhlintValidations(probe);
  } catch (error) {
    const slot = locate(0);
    file.info(`zhlint could not check this paragraph (${(error as Error).message}); its punctuation was converted by Banmian's own rules only`, {
      place: slot ? (place(slot.node, slot.index, source) ?? slot.node.position) : undefined,
      ruleId: 'zhlint-failed',
      source: 'banmian',
    });
    return;
  }
  for (const v of validations) {
    if (v.target !== 'value' || !/全角/.test(v.message)) continue;
    if (changed.has(v.index)) continue;
    const ch = probe.slice(v.index, v.index + v.length);
    if (!/[,.:;?!"'()]/.test(ch)) continue;
    const slot = locate(v.index);
    if (!slot) continue;
    file.info(`\`${ch}\` may need to be the full-width \`${FULL[ch] ?? ch}\` (zhlint); left as written`, {
      place: place(slot.node, slot.index, source) ?? slot.node.position,
      ruleId: 'zhlint-punctuation',
      source: 'zhlint',
    });
  }
}

/** the fields of zhlint's validations that are read (the cache keeps no more) */
type Validations = Pick<ReturnType<typeof zhlint>['validations'][number], 'target' | 'message' | 'index' | 'length'>[];

/**
 * zhlint's findings by paragraph text, kept for the process: a rebuild after
 * one paragraph changed asks zhlint about that paragraph only (zhlint is a
 * third of the transform's time). zhlint depends on nothing but the text.
 * Bounded: the oldest go first. A paragraph zhlint throws on is asked again.
 */
const zhlintCache = new Map<string, Validations>();
const MAX_ZHLINT = 5000;

function zhlintValidations(probe: string): Validations {
  const hit = zhlintCache.get(probe);
  if (hit) return hit;
  const validations = zhlint(probe, {
    logger: silent,
    rules: {
      preset: 'default',
      halfwidthPunctuation: '',
      fullwidthPunctuation: '，。：；？！“”‘’（）',
      unifiedPunctuation: undefined,
      spaceBetweenHalfwidthContent: undefined,
      spaceBetweenMixedwidthContent: undefined,
      noSpaceBetweenFullwidthContent: undefined,
      spaceAfterHalfwidthPauseOrStop: undefined,
      spaceOutsideHalfwidthQuotation: undefined,
      spaceOutsideHalfwidthBracket: undefined,
      spaceOutsideCode: undefined,
    } as never,
  }).validations.map(({ target, message, index, length }) => ({ target, message, index, length }));
  zhlintCache.set(probe, validations);
  if (zhlintCache.size > MAX_ZHLINT) zhlintCache.delete(zhlintCache.keys().next().value!);
  return validations;
}
