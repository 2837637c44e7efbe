/**
 * Rule: no lost or added text. Compares the multisets of non-whitespace
 * characters (NFC) of the PDF and the manuscript; stretches of either text
 * that share no 6-character run with the other are listed as context.
 */
import type { CharCount, TextDiffSection } from './types.ts';

const K = 6;
const CONTEXTS = 20;
const CONTEXT_CHARS = 12;

export function normaliseChars(text: string): string[] {
  return [...text.normalize('NFC')].filter((c) => !/\s/u.test(c));
}

function counts(chars: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of chars) m.set(c, (m.get(c) ?? 0) + 1);
  return m;
}

function difference(a: Map<string, number>, b: Map<string, number>, allow: Set<string>): CharCount[] {
  const out: CharCount[] = [];
  for (const [char, n] of a) {
    if (allow.has(char)) continue;
    const d = n - (b.get(char) ?? 0);
    if (d > 0) out.push({ char, count: d });
  }
  return out.sort((x, y) => y.count - x.count || (x.char < y.char ? -1 : 1));
}

function grams(chars: string[]): Set<string> {
  const s = new Set<string>();
  for (let i = 0; i + K <= chars.length; i++) s.add(chars.slice(i, i + K).join(''));
  return s;
}

/** Runs of `chars` not covered by any K-gram found in `other`. */
function uncovered(chars: string[], other: Set<string>, allow: Set<string>): string[] {
  const covered = new Uint8Array(chars.length);
  for (let i = 0; i + K <= chars.length; i++) {
    if (other.has(chars.slice(i, i + K).join(''))) covered.fill(1, i, i + K);
  }
  const out: string[] = [];
  let i = 0;
  while (i < chars.length && out.length < CONTEXTS) {
    if (covered[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < chars.length && !covered[j]) j++;
    const run = chars.slice(i, j);
    if (!run.every((c) => allow.has(c))) {
      const before = chars.slice(Math.max(0, i - CONTEXT_CHARS), i).join('');
      const after = chars.slice(j, j + CONTEXT_CHARS).join('');
      const body = run.length > 60 ? `${run.slice(0, 30).join('')}…${run.slice(-30).join('')}` : run.join('');
      out.push(`${before}【${body}】${after}`);
    }
    i = j;
  }
  return out;
}

export function diffText(pdfText: string, manuscriptText: string, allowExtra = ''): TextDiffSection {
  const pdf = normaliseChars(pdfText);
  const ms = normaliseChars(manuscriptText);
  const allow = new Set(normaliseChars(allowExtra));
  const pc = counts(pdf);
  const mc = counts(ms);
  const missing = difference(mc, pc, new Set());
  const extra = difference(pc, mc, allow);
  return {
    manuscriptChars: ms.length,
    pdfChars: pdf.length,
    missingTotal: missing.reduce((s, c) => s + c.count, 0),
    extraTotal: extra.reduce((s, c) => s + c.count, 0),
    missing,
    extra,
    missingContexts: missing.length ? uncovered(ms, grams(pdf), new Set()) : [],
    extraContexts: extra.length ? uncovered(pdf, grams(ms), allow) : [],
    allowExtra,
  };
}
