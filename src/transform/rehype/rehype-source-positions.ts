/**
 * Marks every element that came from the manuscript with its source position
 * (`data-source-line`, `data-source-column`, `data-source-end-line`), so the
 * proof and the preview can find on the laid-out page where a diagnostic with
 * file:line:col happens. Used only by proof/preview (createProcessor option
 * `sourcePositions`); printed editions do not carry these attributes.
 * Must run after rehype-sanitize: sanitize would drop the attributes.
 */
import type { Element, Root } from 'hast';
import { visit } from 'unist-util-visit';

export default function rehypeSourcePositions() {
  return (tree: Root) => {
    visit(tree, 'element', (node: Element) => {
      const start = node.position?.start;
      if (!start?.line) return;
      node.properties.dataSourceLine = start.line;
      node.properties.dataSourceColumn = start.column ?? 1;
      if (node.position?.end?.line) node.properties.dataSourceEndLine = node.position.end.line;
    });
  };
}
