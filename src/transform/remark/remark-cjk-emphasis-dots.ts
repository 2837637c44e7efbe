/**
 * remark plugin: 着重号 (emphasis dots). `[着重]{.dots}` → `<em class="bm-dots">着重</em>`,
 * which typography.css sets with `text-emphasis: dot` under the characters
 * (clreq: horizontal text, dots below). Raw `<em class="bm-dots">` works too;
 * escaped brackets or braces keep the text literal.
 */
import type { Root, Text, PhrasingContent } from 'mdast';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { positionOf, sourceMap, unescaped } from './escaped-characters.ts';

const DOTS = /\[([^[\]\n]+)\]\{\.dots\}/gu;

export default function remarkCjkEmphasisDots() {
  return (tree: Root, file: VFile) => {
    const source = String(file.value ?? '');
    visit(tree, 'text', (node: Text, index, parent) => {
      if (!parent || index === undefined || !node.value.includes('{.dots}')) return undefined;
      // `\[中\]\{.dots\}` stays literal
      const map = sourceMap(node, source);
      const out: PhrasingContent[] = [];
      let last = 0;
      for (const m of node.value.matchAll(DOTS)) {
        if (!unescaped(map, m.index, m.index + m[0].length, node.value)) continue;
        if (m.index > last) out.push({ type: 'text', value: node.value.slice(last, m.index), position: positionOf(node, map, source, last, m.index) });
        out.push({ type: 'emphasis', data: { hProperties: { className: ['bm-dots'] } }, children: [{ type: 'text', value: m[1]! }] });
        last = m.index + m[0].length;
      }
      if (out.length === 0) return undefined;
      if (last < node.value.length) out.push({ type: 'text', value: node.value.slice(last), position: positionOf(node, map, source, last, node.value.length) });
      parent.children.splice(index, 1, ...out);
      return index + out.length;
    });
  };
}
