/**
 * Which part of a page an early preview picture must show again: the box
 * around the blocks that are new, gone or moved (print/print-page.ts).
 */
import { describe, expect, it } from 'vitest';
import { changedArea, PICTURE_PIXELS, pictureScale, type PageBlocks } from '../../src/print/index.ts';

const page = (blocks: PageBlocks['blocks'], width = 1000, height = 1400): PageBlocks => ({ width, height, blocks });
const masthead: PageBlocks['blocks'][number] = ['m1', 0, 0, 1000, 200];
const columnA: PageBlocks['blocks'][number] = ['a1', 0, 220, 160, 1000];
const columnB: PageBlocks['blocks'][number] = ['b1', 170, 220, 160, 1000];

describe('changedArea', () => {
  it('is none when every block is as it was', () => {
    expect(changedArea(page([masthead, columnA, columnB]), page([masthead, columnA, columnB]))).toBe('none');
  });

  it('is the box around a changed block, with a margin for ink outside it', () => {
    const area = changedArea(page([masthead, columnA, columnB]), page([masthead, columnA, ['b2', 170, 220, 160, 1000]]));
    expect(area).toEqual({ x: 164, y: 214, width: 172, height: 1012 });
  });

  it('covers where a block was as well as where it went', () => {
    const area = changedArea(page([masthead, columnA]), page([masthead, ['a1', 0, 400, 160, 100]]));
    expect(area).toEqual({ x: 0, y: 214, width: 166, height: 1012 });
  });

  it('covers a block that is gone', () => {
    expect(changedArea(page([masthead, columnA, columnB]), page([masthead, columnA]))).toEqual({ x: 164, y: 214, width: 172, height: 1012 });
  });

  it('is all when the page changed size or most of the page changed', () => {
    expect(changedArea(page([masthead]), page([masthead], 1000, 1500))).toBe('all');
    expect(changedArea(page([masthead, columnA]), page([['m2', 0, 0, 1000, 200], ['a2', 0, 220, 1000, 1000]]))).toBe('all');
  });
});

describe('pictureScale', () => {
  it('takes a small part at the scale asked for', () => {
    expect(pictureScale(0.5, { width: 180, height: 1100 })).toBe(0.5);
  });

  it('takes a bigger part at less, at most PICTURE_PIXELS pixels, in the same proportions', () => {
    const page = { width: 1474, height: 2060 };
    const s = pictureScale(0.5, page);
    expect(s).toBeLessThan(0.5);
    expect(page.width * s * page.height * s).toBeCloseTo(PICTURE_PIXELS, -2);
  });
});
