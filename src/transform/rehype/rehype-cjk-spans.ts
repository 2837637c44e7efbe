/**
 * rehype plugin: marks up what the CSS and the in-page typography passes need,
 * without adding or removing a single character (copy-paste and search see
 * the manuscript's text):
 *
 * - every full-width punctuation mark in `<span class="bm-p bm-p-KIND">`,
 *   KIND = open | close | pause | middle | dash | ellipsis; `——` and `……` are
 *   one span each (never split, typography.css sets them nowrap);
 * - every run of Latin letters or digits that touches a Han character in
 *   `<span class="bm-hl">`, with `bm-hl-s` when Han is on its start side and
 *   `bm-hl-e` when Han is on its end side: typography.css gives that side a
 *   margin of --bm-han-latin (1/4 em), the in-page pass removes it at line
 *   start and end;
 * - strictness `strict`: a `——` / `……` is glued to the character before it
 *   (never at line start); `gb`: a full-width solidus `／` to the character after it.
 *
 * Text inside code, pre, rt, rp, script and style is left alone.
 */
import type { Element, ElementContent, Root, RootContent, Text } from 'hast';
import type { VFile } from 'vfile';
import type { Typography } from '../../config/index.ts';

export interface CjkSpansOptions {
  typography?: Typography;
}

const OPEN = '“‘「『（《〈【〖〔［｛';
const CLOSE = '”’」』）》〉】〗〕］｝';
const PAUSE = '，、。．：；！？‼⁇';
const MIDDLE = '·・‧';
const PUNCT_RE = /(—{2,}|…{2,}|⋯{2,}|[“‘「『（《〈【〖〔［｛”’」』）》〉】〗〕］｝，、。．：；！？‼⁇·・‧])/u;
const HAN = /[\p{Script=Han}\u3007]/u;
const ALNUM = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}0-9]/u;
/** Characters that can be part of a Latin/number run (not Han, space or CJK punctuation). */
const LATINISH = /[^\s\p{Script=Han}\u3007\u3000-\u303f\uff00-\uffef\u2014\u2026\u22ef\u201c\u201d\u2018\u2019\u00b7\u2027\u30fb\u0000]/u;

const BLOCKS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'td', 'th', 'figcaption', 'dt', 'dd', 'caption', 'blockquote', 'div', 'section', 'article', 'aside', 'header', 'footer', 'figure']);
const SKIP = new Set(['code', 'pre', 'kbd', 'samp', 'rt', 'rp', 'script', 'style', 'svg', 'math']);

export function punctuationKind(mark: string): string {
  const c = mark[0]!;
  if (c === '—') return 'dash';
  if (c === '…' || c === '⋯') return 'ellipsis';
  if (OPEN.includes(c)) return 'open';
  if (CLOSE.includes(c)) return 'close';
  if (PAUSE.includes(c)) return 'pause';
  if (MIDDLE.includes(c)) return 'middle';
  return 'other';
}

const NO_START = /[。．，、：；！‼？⁇”’」』）》〉】〗〕］｝～·・‧\/／—…%‰℃]/u;
/** characters after which no break may fall (opening marks, and — for strict — a leading dash) */
const NO_BREAK_AFTER = /[“‘「『（《〈【〖〔［｛\u0000]/u;

function wbr(): Element {
  return { type: 'element', tagName: 'wbr', properties: {}, children: [] };
}

/** A URL may break after each `/` (after `//` too): <wbr> there, no character added. */
export function urlPieces(run: string): ElementContent[] {
  if (!/^(https?:\/\/|www\.)/i.test(run) || !run.includes('/')) return [{ type: 'text', value: run }];
  const out: ElementContent[] = [];
  const parts = run.split(/(?<=\/)(?=[^/])/u);
  parts.forEach((part, i) => {
    if (i > 0) out.push(wbr());
    out.push({ type: 'text', value: part });
  });
  return out;
}

function span(classes: string[], children: ElementContent[]): Element {
  return { type: 'element', tagName: 'span', properties: { className: classes }, children };
}

function isOurSpan(el: Element): boolean {
  const cls = el.properties?.className;
  return Array.isArray(cls) && cls.some((c) => c === 'bm-p' || c === 'bm-hl');
}

interface Block {
  texts: { node: Text; parent: Element | Root; start: number }[];
  joined: string;
}

/** Text nodes grouped by their nearest block ancestor, in document order. */
function collectBlocks(tree: Root): Block[] {
  const blocks: Block[] = [];
  const walk = (node: Element | Root, block: Block) => {
    for (const child of node.children as RootContent[]) {
      if (child.type === 'text') {
        block.texts.push({ node: child, parent: node, start: block.joined.length });
        block.joined += child.value;
      } else if (child.type === 'element') {
        if (SKIP.has(child.tagName) || isOurSpan(child)) {
          block.joined += '\u0000';
          continue;
        }
        if (child.tagName === 'br') {
          block.joined += '\n';
          continue;
        }
        if (BLOCKS.has(child.tagName)) {
          const inner: Block = { texts: [], joined: '' };
          blocks.push(inner);
          walk(child, inner);
          block.joined += '\u0000';
        } else walk(child, block);
      }
    }
  };
  const top: Block = { texts: [], joined: '' };
  blocks.push(top);
  walk(tree, top);
  return blocks;
}

interface Settings {
  hanLatin: boolean;
  strictness: NonNullable<Typography['strictness']>;
}

/** Splits one text node into text and spans. */
export function segmentText(value: string, before: string, after: string, settings: Settings): ElementContent[] {
  const out: ElementContent[] = [];
  const parts = value.split(PUNCT_RE);
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    if (part === '') continue;
    if (k % 2 === 1) {
      const kind = punctuationKind(part);
      const el = span(['bm-p', `bm-p-${kind}`], [{ type: 'text', value: part }]);
      if (settings.strictness === 'strict' && (kind === 'dash' || kind === 'ellipsis')) {
        // glue to the previous visible character, when it is in this text node
        const prev = out[out.length - 1];
        if (prev && prev.type === 'text' && /\S$/u.test(prev.value)) {
          const chars = [...prev.value];
          const last = chars.pop()!;
          prev.value = chars.join('');
          if (prev.value === '') out.pop();
          out.push(span(['bm-nobr'], [{ type: 'text', value: last }, el]));
          continue;
        }
      }
      // Chromium gives “ ” ‘ ’ the ambiguous quotation class (no break on either side, even after
      // Han); clreq allows a break before an opening and after a closing quote. <wbr> gives it
      // back — an element, not a character — only where no prohibited mark follows.
      const prevCh = k > 0 && parts[k - 1] !== '' ? parts[k - 1]!.slice(-1) : k > 1 ? parts[k - 2]!.slice(-1) : before.slice(-1);
      const nextCh = k + 1 < parts.length && parts[k + 1] !== '' ? parts[k + 1]![0]! : k + 2 < parts.length ? parts[k + 2]![0]! : after.slice(0, 1);
      const quoteOpen = part === '“' || part === '‘';
      const quoteClose = part === '”' || part === '’';
      if (quoteOpen && prevCh && !/\s/u.test(prevCh) && !OPEN.includes(prevCh) && !NO_BREAK_AFTER.test(prevCh)) out.push(wbr());
      out.push(el);
      if (quoteClose && nextCh && !/\s/u.test(nextCh) && !NO_START.test(nextCh) && !CLOSE.includes(nextCh)) out.push(wbr());
      continue;
    }
    // Plain text: find Latin runs that touch Han.
    const chars = [...part];
    const prevChar = (i: number) => (i > 0 ? chars[i - 1]! : k > 0 ? parts[k - 1]!.slice(-1) : [...before].pop() ?? '');
    const nextChar = (i: number) => (i + 1 < chars.length ? chars[i + 1]! : k + 1 < parts.length ? [...parts[k + 1]!][0]! : [...after][0] ?? '');
    let buf = '';
    const flush = () => {
      if (buf) out.push({ type: 'text', value: buf });
      buf = '';
    };
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i]!;
      if (settings.strictness !== 'none' && (settings.strictness === 'gb' || settings.strictness === 'strict') && c === '／' && i + 1 < chars.length) {
        flush();
        out.push(span(['bm-nobr'], [{ type: 'text', value: c + chars[i + 1]! }]));
        i++;
        continue;
      }
      if (!LATINISH.test(c)) {
        buf += c;
        continue;
      }
      let j = i;
      while (j + 1 < chars.length && LATINISH.test(chars[j + 1]!)) j++;
      const run = chars.slice(i, j + 1).join('');
      const first = chars[i]!;
      const last = chars[j]!;
      const startHan = ALNUM.test(first) && HAN.test(prevChar(i));
      const endHan = ALNUM.test(last) && HAN.test(nextChar(j));
      const inner = urlPieces(run);
      if (settings.hanLatin && (startHan || endHan)) {
        flush();
        const cls = ['bm-hl'];
        if (startHan) cls.push('bm-hl-s');
        if (endHan) cls.push('bm-hl-e');
        out.push(span(cls, inner));
      } else if (inner.length > 1) {
        flush();
        out.push(...inner);
      } else buf += run;
      i = j;
    }
    flush();
  }
  return out;
}

export default function rehypeCjkSpans(options: CjkSpansOptions = {}) {
  return (tree: Root, file: VFile) => {
    const t = { ...options.typography, ...file.data.frontMatter?.typography };
    const settings: Settings = { hanLatin: (t.hanLatinSpace ?? 0.25) > 0, strictness: t.strictness ?? 'basic' };
    // An article whose front matter sets another strictness than the page carries it on its blocks.
    const page = options.typography?.strictness ?? 'basic';
    if (settings.strictness !== page) {
      for (const child of tree.children) {
        if (child.type !== 'element') continue;
        const cls = Array.isArray(child.properties.className) ? child.properties.className : [];
        child.properties.className = [...cls, `bm-strictness-${settings.strictness}`];
      }
    }
    for (const block of collectBlocks(tree)) {
      // Replace from the end so positions in `parent.children` stay valid.
      for (const { node, parent, start } of [...block.texts].reverse()) {
        const before = block.joined.slice(Math.max(0, start - 2), start);
        const after = block.joined.slice(start + node.value.length, start + node.value.length + 2);
        const pieces = segmentText(node.value, before, after, settings);
        if (pieces.length === 1 && pieces[0]!.type === 'text') continue;
        const index = (parent.children as RootContent[]).indexOf(node);
        if (index < 0) continue;
        (parent.children as RootContent[]).splice(index, 1, ...(pieces as RootContent[]));
      }
    }
  };
}
