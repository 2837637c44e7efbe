/**
 * remark plugin: 着重号 (emphasis dots). `[着重]{.dots}` → `<em class="bm-dots">着重</em>`,
 * which typography.css sets with `text-emphasis: dot` under the characters
 * (clreq: horizontal text, dots below). Raw `<em class="bm-dots">` works too.
 */
import type { Root, Text, PhrasingContent } from 'mdast';
import { visit } from 'unist-util-visit';

const DOTS = /\[([^[\]\n]+)\]\{\.dots\}/gu;

export default function remarkCjkEmphasisDots() {
  return (tree: Root) => {
    visit(tree, 'text', (node: Text, index, parent) => {
      if (!parent || index === undefined || !node.value.includes('{.dots}')) return undefined;
      const out: PhrasingContent[] = [];
      let last = 0;
      for (const m of node.value.matchAll(DOTS)) {
        if (m.index > last) out.push({ type: 'text', value: node.value.slice(last, m.index) });
        out.push({ type: 'emphasis', data: { hProperties: { className: ['bm-dots'] } }, children: [{ type: 'text', value: m[1]! }] });
        last = m.index + m[0].length;
      }
      if (out.length === 0) return undefined;
      if (last < node.value.length) out.push({ type: 'text', value: node.value.slice(last) });
      parent.children.splice(index, 1, ...out);
      return index + out.length;
    });
  };
}
