/**
 * What raw HTML in a manuscript may keep: GitHub's schema (rehype-sanitize's
 * default) plus the inline markup newspaper text needs. No script, no event
 * handlers, no style attributes (CSS url() could reach the network), no
 * embedded documents.
 */
import { defaultSchema } from 'rehype-sanitize';
import type { Options as Schema } from 'rehype-sanitize';

const base = defaultSchema as Required<Pick<Schema, 'tagNames' | 'attributes'>> & Schema;

export const sanitizeSchema: Schema = {
  ...base,
  tagNames: [...new Set([...(base.tagNames ?? []), 'ruby', 'rt', 'rp', 'mark', 'u', 'small', 'figure', 'figcaption'])],
  attributes: {
    ...base.attributes,
    span: [...(base.attributes?.span ?? []), ['className', /^bm-[a-z-]+$/]],
    em: [...(base.attributes?.em ?? []), ['className', /^bm-[a-z-]+$/]],
    strong: [...(base.attributes?.strong ?? []), ['className', /^bm-[a-z-]+$/]],
  },
  protocols: { ...base.protocols, href: ['http', 'https', 'mailto'], src: [] },
  // Removed with their content: the text inside these is code or markup, never article text
  // (a <style> body left behind would print `@import url(…)` on the page).
  strip: [...new Set([...(base.strip ?? []), 'script', 'style', 'template', 'title', 'textarea', 'noembed', 'noframes', 'xmp', 'plaintext'])],
};
