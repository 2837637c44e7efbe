/**
 * remark plugin: validate the YAML front matter against the article schema and
 * put it on `file.data.frontMatter`. Problems become messages with positions.
 * Must run after remark-frontmatter (it reads the `yaml` node that plugin makes).
 */
import type { Root, Yaml } from 'mdast';
import type { VFile } from 'vfile';
import { ArticleFrontMatterSchema, parseYaml, type ArticleFrontMatter } from '../config/index.ts';

declare module 'vfile' {
  interface DataMap {
    frontMatter: ArticleFrontMatter;
  }
}

export default function remarkFrontMatterData() {
  return (tree: Root, file: VFile) => {
    const node = tree.children.find((n): n is Yaml => n.type === 'yaml');
    if (!node) {
      file.data.frontMatter = ArticleFrontMatterSchema.parse({});
      return;
    }
    // The YAML text starts on the line after the opening `---`.
    const offset = node.position ? node.position.start.line : 1;
    const result = parseFrontMatter(node.value, file.path, offset);
    for (const d of result.diagnostics) {
      const message = file.message(d.message, { place: { line: d.line ?? 1, column: d.column ?? 1 }, ruleId: d.ruleId, source: 'banmian' });
      message.fatal = true;
    }
    // Invalid front matter is already an error; keep a usable title so no second error follows from the first.
    const raw = result.raw as { title?: unknown } | undefined;
    file.data.frontMatter = result.value ?? {
      ...ArticleFrontMatterSchema.parse({}),
      title: typeof raw?.title === 'string' ? raw.title : '(front matter has errors)',
    };
  };
}

/**
 * Front matter read before in this process, by its text, file and line: a
 * rebuild after a change in the body does not parse and validate it again.
 * Each caller gets its own copy. Bounded: the oldest go first.
 */
const parsed = new Map<string, ReturnType<typeof parseYaml<typeof ArticleFrontMatterSchema>>>();
const MAX_PARSED = 500;

function parseFrontMatter(text: string, path: string, offset: number) {
  const key = JSON.stringify([text, path, offset]);
  let result = parsed.get(key);
  if (!result) {
    result = parseYaml(text, ArticleFrontMatterSchema, path, offset);
    parsed.set(key, result);
    if (parsed.size > MAX_PARSED) parsed.delete(parsed.keys().next().value!);
  }
  return structuredClone(result);
}
