/** Crude Markdown stripping: what characters a manuscript should print. */

export function stripMarkdown(md: string): string {
  let s = md.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  // Front matter (YAML `---` or TOML `+++`).
  s = s.replace(/^---\n[\s\S]*?\n(---|\.\.\.)[ \t]*(\n|$)/, '').replace(/^\+\+\+\n[\s\S]*?\n\+\+\+[ \t]*(\n|$)/, '');
  // HTML comments and tags.
  s = s.replace(/<!--[\s\S]*?-->/g, '').replace(/<\/?[A-Za-z][^>]*>/g, '');
  // Fenced code markers (keep the code), reference definitions, thematic breaks.
  s = s.replace(/^[ \t]*(```|~~~).*$/gm, '');
  s = s.replace(/^[ \t]{0,3}\[[^\]]+\]:\s+\S.*$/gm, '');
  s = s.replace(/^[ \t]{0,3}([-*_])([ \t]*\1){2,}[ \t]*$/gm, '');
  // Setext heading underlines.
  s = s.replace(/^[ \t]{0,3}(=+|-+)[ \t]*$/gm, '');
  // Images keep their alt text, links their text; footnote references go.
  s = s.replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/!\[([^\]]*)\]\[[^\]]*\]/g, '$1');
  s = s.replace(/\[\^[^\]]+\]:?/g, '');
  s = s.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1');
  s = s.replace(/<(https?:[^>]+)>/g, '$1');
  // Line-start markers: headings, block quotes, list bullets and numbers, table pipes.
  s = s.replace(/^[ \t]*(>[ \t]?)+/gm, '');
  s = s.replace(/^[ \t]{0,3}#{1,6}[ \t]+/gm, '').replace(/[ \t]+#+[ \t]*$/gm, '');
  s = s.replace(/^[ \t]*([-*+]|\d+[.)])[ \t]+(\[[ xX]\][ \t]+)?/gm, '');
  s = s.replace(/^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$/gm, '');
  s = s.replace(/\|/g, ' ');
  // Emphasis, strike-through, inline code markers.
  s = s.replace(/(\*\*|__|~~|\*|`)/g, '');
  s = s.replace(/(^|[^\p{L}\p{N}])_+|_+(?=[^\p{L}\p{N}]|$)/gu, '$1');
  // Backslash escapes.
  s = s.replace(/\\([\\`*_{}\[\]()#+\-.!|~<>])/g, '$1');
  return s;
}
