/**
 * rehype plugin: an image alone in a paragraph is a figure. The caption comes
 * from the alt text (or the title when there is no alt); a title next to an alt
 * is the photo credit. The article's `credit` closes the last caption.
 */
import type { Element, ElementContent, Root } from 'hast';
import { h } from 'hastscript';
import { visit, SKIP } from 'unist-util-visit';
import type { VFile } from 'vfile';

export default function rehypeFigure() {
  return (tree: Root, file: VFile) => {
    const figures: Element[] = [];
    visit(tree, 'element', (node: Element, index, parent) => {
      if (node.tagName !== 'p' || !parent || index === undefined) return;
      const content = node.children.filter((c) => !(c.type === 'text' && c.value.trim() === ''));
      if (content.length !== 1 || content[0]!.type !== 'element' || content[0]!.tagName !== 'img') return;
      const img = content[0] as Element;
      const alt = String(img.properties.alt ?? '').trim();
      const title = String(img.properties.title ?? '').trim();
      const caption = alt || title;
      const credit = alt && title ? title : '';
      delete img.properties.title;
      const captionChildren: ElementContent[] = [];
      if (caption) captionChildren.push({ type: 'text', value: caption });
      if (credit) captionChildren.push(h('span.bm-credit', credit));
      const figure = h('figure.bm-figure', [img, ...(captionChildren.length ? [h('figcaption.bm-caption', captionChildren)] : [])]);
      figure.position = node.position;
      parent.children[index] = figure;
      figures.push(figure);
      return SKIP;
    });
    const credit = file.data.frontMatter?.credit;
    if (credit) {
      const last = figures.at(-1);
      if (last) {
        let caption = last.children.find((c): c is Element => c.type === 'element' && c.tagName === 'figcaption');
        if (!caption) {
          caption = h('figcaption.bm-caption', []);
          last.children.push(caption);
        }
        caption.children.push(h('span.bm-credit', credit));
      } else {
        file.message('`credit` is set but the article has no figure: the credit is not printed', {
          place: { line: 1, column: 1 },
          ruleId: 'credit-without-figure',
          source: 'banmian',
        });
      }
    }
  };
}
