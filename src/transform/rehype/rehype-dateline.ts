/**
 * rehype plugin: the front matter's dateline (本报讯, 本报记者 X 报道) opens the
 * first body paragraph in bold, followed by a full-width space.
 */
import type { Element, Root } from 'hast';
import { h } from 'hastscript';
import type { VFile } from 'vfile';

export default function rehypeDateline() {
  return (tree: Root, file: VFile) => {
    const dateline = file.data.frontMatter?.dateline?.trim();
    if (!dateline) return;
    const first = tree.children.find((n): n is Element => n.type === 'element' && n.tagName === 'p');
    if (!first) return;
    first.children.unshift(h('span.bm-dateline', dateline), { type: 'text', value: '\u3000' });
  };
}
