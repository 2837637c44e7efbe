/**
 * bodyChange: a swapped body goes to the tab as what changed since the body the tab has. Applying the
 * change to that body must give the new body exactly, and the cut must never split a surrogate pair
 * (the DevTools protocol's JSON would turn half a pair into U+FFFD).
 */
import { describe, expect, it } from 'vitest';
import { bodyChange, type BodyChange } from '../../src/print/index.ts';

const apply = (before: string, change: BodyChange) =>
  'body' in change ? change.body : before.slice(0, change.head) + change.insert + before.slice(before.length - change.tail);
const isSurrogate = (c: number) => c >= 0xd800 && c <= 0xdfff;

describe('bodyChange', () => {
  it('sends the whole body to a tab that has none', () => {
    expect(bodyChange(undefined, '<p>正文</p>')).toEqual({ body: '<p>正文</p>' });
  });

  it('sends a one-character correction as that character, for the body of the last swap', () => {
    const before = `<p>${'新闻正文'.repeat(500)}星光不问赶路人${'时光不负有心人'.repeat(500)}</p>`;
    const after = before.replace('星光不问赶路人', '星光不问赶路人，甲');
    const change = bodyChange({ id: 'a', body: before }, after);
    expect(change).toMatchObject({ insert: '，甲', of: 'a' });
    expect(apply(before, change)).toBe(after);
  });

  it('sends the whole body when most of it changed', () => {
    expect(bodyChange({ id: 'a', body: '<b>甲乙丙丁戊己庚辛</b>' }, '<i>子丑寅卯辰巳午未</i>')).toEqual({ body: '<i>子丑寅卯辰巳午未</i>' });
  });

  it('keeps a surrogate pair whole when only its second half changed', () => {
    const change = bodyChange({ id: 'a', body: `${'正文'.repeat(20)}😀${'正文'.repeat(20)}` }, `${'正文'.repeat(20)}😁${'正文'.repeat(20)}`);
    expect(change).toMatchObject({ insert: '😁' });
    expect(bodyChange({ id: 'a', body: `${'正文'.repeat(20)}😀a${'正文'.repeat(20)}` }, `${'正文'.repeat(20)}b😀a${'正文'.repeat(20)}`)).toMatchObject({ insert: 'b' });
    // a pair whose first half changed, the second the same as before (U+20000 and U+10400 end alike)
    expect(bodyChange({ id: 'a', body: `${'正文'.repeat(20)}\u{20000}${'正文'.repeat(20)}` }, `${'正文'.repeat(20)}\u{10400}${'正文'.repeat(20)}`)).toMatchObject({ insert: '\u{10400}' });
  });

  it('gives the new body exactly for random edits, and never cuts inside a surrogate pair', () => {
    // characters of which surrogate pairs share their first half (U+20000 U+20001; 😀 😁 😂) or their last (U+20000 U+10400)
    const alphabet = ['a', '<', '>', '中', '文', '\u{20000}', '\u{20001}', '\u{10400}', '𪚥', '😀', '😁', '\ud83d\ude02'];
    let seed = 7;
    const random = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), (seed >>> 8) % n);
    const text = (n: number) => Array.from({ length: n }, () => alphabet[random(alphabet.length)]!);
    let partial = 0;
    for (let i = 0; i < 2000; i++) {
      // (edited character by character, as an editor does: the strings are well-formed)
      const chars = text(40 + random(40));
      const at = random(chars.length);
      const before = chars.join('');
      const after = [...chars.slice(0, at), ...text(random(4)), ...chars.slice(at + random(4))].join('');
      const change = bodyChange({ id: String(i), body: before }, after);
      expect(apply(before, change)).toBe(after);
      if ('body' in change) continue;
      partial++;
      expect(change.of).toBe(String(i));
      // the pieces sent and kept are whole characters
      for (const piece of [change.insert, before.slice(0, change.head), before.slice(before.length - change.tail)]) {
        expect(piece.length === 0 || !(isSurrogate(piece.charCodeAt(0)) && piece.charCodeAt(0) >= 0xdc00)).toBe(true);
        expect(piece.length === 0 || !(isSurrogate(piece.charCodeAt(piece.length - 1)) && piece.charCodeAt(piece.length - 1) < 0xdc00)).toBe(true);
      }
    }
    expect(partial).toBeGreaterThan(1000);
  });
});
