/**
 * Splitting a paragraph at a line boundary with Range.extractContents: the
 * first part keeps its lines (its last line now justified), the rest becomes a
 * continued paragraph without indent. No text is duplicated or hidden.
 */

interface TextPos {
  node: Text;
  offset: number;
}

function textPositions(root: Node): TextPos[] {
  const out: TextPos[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const t = n as Text;
    for (let i = 0; i < t.data.length; i++) {
      // keep surrogate pairs together
      const c = t.data.charCodeAt(i);
      if (c >= 0xdc00 && c <= 0xdfff && i > 0) continue;
      out.push({ node: t, offset: i });
    }
  }
  return out;
}

function charTop(p: TextPos, range: Range): number | null {
  const end = Math.min(p.node.data.length, p.offset + (isHighSurrogate(p.node.data.charCodeAt(p.offset)) ? 2 : 1));
  range.setStart(p.node, p.offset);
  range.setEnd(p.node, end);
  const rects = range.getClientRects();
  if (rects.length === 0) return null;
  const r = rects[rects.length - 1]!;
  if (r.width === 0 && r.height === 0) return null;
  return r.top + r.height / 2;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** The first text position whose line starts at or below `y` (page coordinates of the viewport). */
function firstPositionBelow(positions: TextPos[], y: number): number {
  const range = document.createRange();
  let lo = 0;
  let hi = positions.length; // answer in [lo, hi]
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    let probe = mid;
    let top = charTop(positions[probe]!, range);
    // characters without a box (collapsed spaces) take the next character's line
    while (top === null && probe + 1 < positions.length) top = charTop(positions[++probe]!, range);
    if (top === null || top > y) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Split `p` after its first `lines` lines. Returns the new element holding the
 * rest (inserted right after `p`), or null when there is nothing after.
 */
export function splitAfterLines(p: HTMLElement, lines: number, pitch: number): HTMLElement | null {
  const rect = p.getBoundingClientRect();
  const cutY = rect.top + lines * pitch;
  const positions = textPositions(p);
  const at = firstPositionBelow(positions, cutY);
  if (at >= positions.length) return null;
  return splitAt(p, positions[at]!);
}

/**
 * Where splitAfterLines(p, lines) splits `p` as it stands laid out: the text
 * position (an index into textPositions(p)), textPositions(p).length when
 * nothing is below that line. The engine keeps it with the paragraph in its
 * typesetting cache, and splits it there without laying it out again
 * (splitAtPosition).
 */
export function cutAfterLines(p: HTMLElement, lines: number, pitch: number): number {
  return firstPositionBelow(textPositions(p), p.getBoundingClientRect().top + lines * pitch);
}

/**
 * Split `p` at text position `at` (an index into textPositions(p)), as
 * splitAfterLines does at a line boundary: the new element with the rest is
 * returned (inserted after `p` when `p` has a parent), or null when nothing
 * is after that position.
 */
export function splitAtPosition(p: HTMLElement, at: number): HTMLElement | null {
  const positions = textPositions(p);
  if (at >= positions.length) return null;
  return splitAt(p, positions[at]!);
}

/** Split `p` after `count` non-whitespace characters (used on unstyled copies). */
export function splitAfterChars(p: HTMLElement, count: number): HTMLElement | null {
  const positions = textPositions(p);
  let seen = 0;
  for (const pos of positions) {
    if (/\s/.test(pos.node.data[pos.offset]!)) continue;
    if (seen === count) return splitAt(p, pos);
    seen++;
  }
  return null;
}

function splitAt(p: HTMLElement, pos: TextPos): HTMLElement {
  const range = document.createRange();
  range.setStart(pos.node, pos.offset);
  range.setEnd(p, p.childNodes.length);
  const rest = range.extractContents();
  const q = p.cloneNode(false) as HTMLElement;
  q.removeAttribute('id');
  q.classList.add('bm-cont');
  q.append(rest);
  p.classList.add('bm-split');
  p.after(q);
  return q;
}

export function visibleChars(text: string): number {
  return text.replace(/\s/g, '').length;
}
