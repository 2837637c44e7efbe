/**
 * rehype plugin: give body blocks their newspaper roles. `##` and deeper
 * headings are subheads (小标题), a block quote is a pull quote, a table is
 * marked so the template can set it on the grid.
 */
import type { Element, Root } from 'hast';
import { SKIP, visit } from 'unist-util-visit';

// A `#` left in the body (the first one became the title) is a subhead too.
const SUBHEAD = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

export default function rehypeNewspaperBlocks() {
  return (tree: Root) => {
    visit(tree, 'element', (node: Element, index, parent) => {
      // Footnote back links (↩) mean nothing on paper.
      if (node.tagName === 'a' && 'dataFootnoteBackref' in node.properties && parent && index !== undefined) {
        parent.children.splice(index, 1);
        return [SKIP, index];
      }
      if (node.properties.id === 'user-content-footnote-label' || node.properties.id === 'footnote-label') {
        node.properties.className = ['bm-footnote-label'];
        return;
      }
      const add = (name: string) => {
        const cls = node.properties.className;
        node.properties.className = [...(Array.isArray(cls) ? cls : cls ? [String(cls)] : []), name];
      };
      if (SUBHEAD.has(node.tagName)) add(node.tagName <= 'h2' ? 'bm-subhead' : 'bm-subhead-minor');
      else if (node.tagName === 'blockquote') add('bm-pullquote');
      else if (node.tagName === 'table') add('bm-table');
    });
  };
}
