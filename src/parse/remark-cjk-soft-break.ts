/**
 * remark plugin: a soft line break next to Chinese text disappears instead of
 * printing as a space (Chromium does not apply CSS Text's segment-break rules
 * to Han text). Between two Latin words it stays a space.
 */
import type { Root, Text } from 'mdast';
import { visit } from 'unist-util-visit';

const WIDE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef\u2014\u2026\u201c\u201d\u2018\u2019\u00b7]/u;

export function joinSoftBreaks(value: string): string {
  return value.replace(/[ \t]*\n[ \t]*/g, (match, offset: number, whole: string) => {
    const before = whole[offset - 1] ?? '';
    const after = whole[offset + match.length] ?? '';
    return WIDE.test(before) || WIDE.test(after) ? '' : ' ';
  });
}

export default function remarkCjkSoftBreak() {
  return (tree: Root) => {
    visit(tree, 'text', (node: Text) => {
      if (node.value.includes('\n')) node.value = joinSoftBreaks(node.value);
    });
  };
}
