/** Character classes from clreq (W3C) and GB/T 15834, as used by the check. */

/** Never at line start (clreq basic), apart from the dashes handled separately. */
export const LINE_START_PROHIBITED = new Set([...'。．，、：；！‼？⁇”’」』）》〉】〗〕］｝～·・‧/／']);
/** Dashes that may not start a line unless they open a two-em dash `——`. */
export const LINE_START_DASHES = new Set([...'-–—']);
/** Never at line end (clreq basic). */
export const LINE_END_PROHIBITED = new Set([...'“‘「『（《〈【〖〔［｛']);
/** Full-width marks that GB/T 15834 §5.1.10 sets half-width at line end. */
export const LINE_END_FULL_WIDTH_MARKS = new Set([...'，。、：；！？”’」』）》〉】〗〕］｝']);
/** Full-width punctuation next to which no Han–Latin space belongs. */
export const FULL_WIDTH_PUNCTUATION = new Set([
  ...'。．，、：；！‼？⁇”’」』）》〉】〗〕］｝～·・‧／“‘「『（《〈【〖〔［｛',
  ...'—…',
]);

const HAN = /\p{Script=Han}/u;
const LATIN_ALNUM = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}0-9]/u;
const PUNCT_OR_SYMBOL = /[\p{P}\p{S}]/u;

export function isHan(ch: string): boolean {
  return HAN.test(ch);
}

/** A proportional Latin/Greek/Cyrillic letter or an ASCII digit; full-width forms excluded. */
export function isLatinAlnum(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp >= 0xff00 && cp <= 0xffef) return false;
  return LATIN_ALNUM.test(ch);
}

export function isPunctuation(ch: string): boolean {
  return PUNCT_OR_SYMBOL.test(ch);
}

export function isSpace(ch: string): boolean {
  return /^\s*$/u.test(ch);
}

export function firstChar(s: string): string {
  return [...s][0] ?? '';
}

export function lastChar(s: string): string {
  const a = [...s];
  return a[a.length - 1] ?? '';
}

/** full-width marks drawn in the left half of the em box (Simplified Chinese fonts) */
const INK_LEFT = new Set([...'，。、”’」』）》〉】〗〕］｝']);
/** drawn in the right half */
const INK_RIGHT = new Set([...'“‘「『（《〈【〖〔［｛']);
/** drawn in the middle */
const INK_CENTRE = new Set([...'：；！？']);

/**
 * A glyph's horizontal extent, a full-width mark's cut to the half its ink is in (the middle
 * half for `：；！？`): a mark set half-width (at line end, or compressed mid-line) keeps its
 * full advance box in the PDF, its blank half lying in the gutter or under its neighbour.
 */
export function inkExtent(g: { ch: string; x0: number; x1: number; size: number }): [number, number] {
  let x0 = Math.min(g.x0, g.x1);
  let x1 = Math.max(g.x0, g.x1);
  if (x1 - x0 > 0.9 * g.size) {
    if (INK_LEFT.has(g.ch)) x1 = x0 + 0.5 * g.size;
    else if (INK_RIGHT.has(g.ch)) x0 = x1 - 0.5 * g.size;
    else if (INK_CENTRE.has(g.ch)) {
      x0 += 0.25 * g.size;
      x1 -= 0.25 * g.size;
    }
  }
  return [x0, x1];
}
