/**
 * Line-count flow: pours a module's body blocks (measured in whole lines) into
 * its column frames, in reading order. Pure arithmetic, no DOM: the engine runs
 * it many times to find a module's height, then once more to move the DOM.
 */

export type BlockKind = 'text' | 'keep' | 'head';

export interface FlowBlock {
  kind: BlockKind;
  /** height in lines (a subhead's includes its space above) */
  lines: number;
  /** lines of space above a subhead, dropped at the top of a frame */
  spaceAbove: number;
}

export interface FlowFrame {
  /** capacity in lines */
  cap: number;
}

export interface Piece {
  block: number;
  frame: number;
  /** first line of the block in this piece and number of lines */
  from: number;
  lines: number;
  /** a subhead at the top of a frame: its space above is dropped */
  atTop: boolean;
}

export interface FlowResult {
  pieces: Piece[];
  /** where the text stopped fitting, or null when everything fits */
  overflow: { block: number; line: number } | null;
  /** lines used in each frame */
  used: number[];
}

export function flow(blocks: FlowBlock[], frames: FlowFrame[], reserveLast = 0): FlowResult {
  const pieces: Piece[] = [];
  const used = frames.map(() => 0);
  const cap = (f: number) => frames[f]!.cap - (f === frames.length - 1 ? reserveLast : 0);
  let f = 0;
  const next = () => {
    f++;
  };
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (b.kind === 'text') {
      let from = 0;
      while (from < b.lines) {
        while (f < frames.length && cap(f) - used[f]! <= 0) next();
        if (f >= frames.length) return { pieces, overflow: { block: i, line: from }, used };
        const take = Math.min(cap(f) - used[f]!, b.lines - from);
        pieces.push({ block: i, frame: f, from, lines: take, atTop: false });
        used[f]! += take;
        from += take;
      }
      continue;
    }
    // subheads and unbreakable blocks move whole to the next frame when they do not fit
    for (;;) {
      while (f < frames.length && cap(f) - used[f]! <= 0) next();
      if (f >= frames.length) return { pieces, overflow: { block: i, line: 0 }, used };
      const atTop = used[f] === 0;
      const h = b.kind === 'head' && atTop ? b.lines - b.spaceAbove : b.lines;
      const after = b.kind === 'head' ? keepWith(blocks[i + 1]) : 0;
      const room = cap(f) - used[f]!;
      if (h + after <= room || (atTop && h <= room)) {
        pieces.push({ block: i, frame: f, from: 0, lines: h, atTop });
        used[f]! += h;
        break;
      }
      if (atTop) return { pieces, overflow: { block: i, line: 0 }, used }; // taller than a whole frame
      next();
    }
  }
  return { pieces, overflow: null, used };
}

/** lines of the following block a subhead must keep on its frame */
function keepWith(b: FlowBlock | undefined): number {
  if (!b) return 0;
  return b.kind === 'text' ? Math.min(2, b.lines) : 0;
}

/** Lines the flow could not place, counted from the overflow point. */
export function remainingLines(blocks: FlowBlock[], overflow: { block: number; line: number }): number {
  let n = blocks[overflow.block]!.lines - overflow.line;
  for (let i = overflow.block + 1; i < blocks.length; i++) n += blocks[i]!.lines;
  return n;
}
