/**
 * rehype plugin: before rehype-sanitize strips raw HTML, say what it will
 * remove and where, so an editor knows why a pasted `<script>` or `onclick`
 * did not reach the page. Runs right after rehype-raw and before rehype-sanitize.
 */
import type { Element, Root } from 'hast';
import type { Options as Schema } from 'rehype-sanitize';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';

export default function rehypeReportUnsafe(schema: Schema) {
  const tags = new Set(schema.tagNames ?? []);
  const strip = new Set(schema.strip ?? []);
  const allowed = (tag: string, attr: string) => {
    const lists = [...(schema.attributes?.[tag] ?? []), ...(schema.attributes?.['*'] ?? [])];
    return lists.some((a) => (Array.isArray(a) ? a[0] : a) === attr);
  };
  return (tree: Root, file: VFile) => {
    visit(tree, 'element', (node: Element) => {
      const place = node.position?.start;
      if (!place) return; // made by remark-rehype from Markdown syntax, not raw HTML
      const warn = (reason: string, ruleId: string) =>
        file.message(reason, { place, ruleId, source: 'banmian' });
      if (!tags.has(node.tagName)) {
        warn(
          `raw HTML <${node.tagName}> removed${strip.has(node.tagName) ? ' with its content' : ''}: manuscripts cannot embed it`,
          'html-removed',
        );
        return;
      }
      for (const [name, value] of Object.entries(node.properties)) {
        const attr = name === 'className' ? 'className' : name;
        if (/^on/i.test(name)) warn(`event handler "${name}" on <${node.tagName}> removed: manuscripts cannot run script`, 'html-removed');
        else if (/^\s*(javascript|vbscript|data):/i.test(String(value))) warn(`"${String(value).slice(0, 40)}" link removed from <${node.tagName}>`, 'html-removed');
        else if (!allowed(node.tagName, attr) && name !== 'className') warn(`attribute "${name}" on <${node.tagName}> removed`, 'html-removed');
      }
    });
  };
}
