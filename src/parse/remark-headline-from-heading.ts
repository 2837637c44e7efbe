/**
 * remark plugin: without a `title` in front matter, the first `#` heading is
 * the headline (主题) and leaves the body. A manuscript with neither is an error.
 * Must run after remark-front-matter-data (it reads file.data.frontMatter).
 */
import type { Heading, Root } from 'mdast';
import { toString } from 'mdast-util-to-string';
import type { VFile } from 'vfile';

export default function remarkHeadlineFromHeading() {
  return (tree: Root, file: VFile) => {
    const fm = file.data.frontMatter;
    const index = tree.children.findIndex((n): n is Heading => n.type === 'heading' && n.depth === 1);
    if (fm && !fm.title && index !== -1) {
      fm.title = toString(tree.children[index]!).trim();
      tree.children.splice(index, 1);
    }
    if (fm && !fm.title) {
      const hasText = tree.children.some((n) => n.type !== 'yaml');
      const message = file.message(
        hasText
          ? 'the article has no headline: add `title:` to the front matter or start with a `# ` heading'
          : 'the manuscript is empty: write a `# ` headline and some paragraphs',
        { place: { line: 1, column: 1 }, ruleId: hasText ? 'no-headline' : 'empty-manuscript', source: 'banmian' },
      );
      message.fatal = true;
    }
  };
}
