/**
 * remark plugin: ruby annotations in the Vivliostyle (VFM) syntax.
 * `{漢字|hàn zì}` → `<ruby>漢字<rp>（</rp><rt>hàn zì</rt><rp>）</rp></ruby>`;
 * `{漢字|hàn|zì}` (one reading per character) annotates each character.
 * `\{` keeps the braces literal (CommonMark escapes). Raw `<ruby>` HTML works too.
 */
import type { Root, Text, PhrasingContent } from 'mdast';
import type { ElementContent } from 'hast';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { positionOf, sourceMap, unescaped } from './escaped-characters.ts';

const RUBY = /\{([^{}|\n]+)\|([^{}\n]+)\}/gu;

function rubyElement(base: string, reading: string): ElementContent {
  return {
    type: 'element',
    tagName: 'ruby',
    properties: {},
    children: [
      { type: 'text', value: base },
      { type: 'element', tagName: 'rp', properties: {}, children: [{ type: 'text', value: '（' }] },
      { type: 'element', tagName: 'rt', properties: {}, children: [{ type: 'text', value: reading }] },
      { type: 'element', tagName: 'rp', properties: {}, children: [{ type: 'text', value: '）' }] },
    ],
  };
}

export function rubyChildren(base: string, readings: string): ElementContent[] {
  const parts = readings.split('|').map((r) => r.trim());
  const chars = [...base];
  if (parts.length > 1 && parts.length === chars.length) return chars.map((c, i) => rubyElement(c, parts[i]!));
  return [rubyElement(base, parts.join(' '))];
}

export default function remarkCjkRuby() {
  return (tree: Root, file: VFile) => {
    const source = String(file.value ?? '');
    visit(tree, 'text', (node: Text, index, parent) => {
      if (!parent || index === undefined || !node.value.includes('|')) return undefined;
      // escaped braces or bars (`\{…\}`) keep the text literal
      const map = sourceMap(node, source);
      const out: PhrasingContent[] = [];
      let last = 0;
      for (const m of node.value.matchAll(RUBY)) {
        if (!unescaped(map, m.index, m.index + m[0].length, node.value)) continue;
        if (m.index > last) out.push({ type: 'text', value: node.value.slice(last, m.index), position: positionOf(node, map, source, last, m.index) });
        out.push({
          type: 'text',
          value: m[1]!,
          data: { hName: 'span', hProperties: { className: ['bm-ruby'] }, hChildren: rubyChildren(m[1]!, m[2]!) },
        } as Text);
        last = m.index + m[0].length;
      }
      if (out.length === 0) return undefined;
      if (last < node.value.length) out.push({ type: 'text', value: node.value.slice(last), position: positionOf(node, map, source, last, node.value.length) });
      parent.children.splice(index, 1, ...out);
      return index + out.length;
    });
  };
}
