/**
 * remark-parse-in-blocks gives the tree remark-parse gives for the whole file, node for node and
 * position for position: on every Markdown file of the project (the sample manuscript, the fixtures),
 * on edge cases of blank lines, line endings and front matter, and on 400 random edits of the
 * seed article, each parsed after the one before (so that most blocks come from the cache).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Root } from 'mdast';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import remarkParseInBlocks, { splitBlocks } from '../../src/parse/remark-parse-in-blocks.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const whole = unified().use(remarkParse).use(remarkFrontmatter, ['yaml']).use(remarkGfm);
const inBlocks = unified().use(remarkParse).use(remarkFrontmatter, ['yaml']).use(remarkGfm).use(remarkParseInBlocks);
const same = (text: string) => expect(inBlocks.parse(text) as Root, JSON.stringify(text.slice(0, 80))).toStrictEqual(whole.parse(text) as Root);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? markdownFiles(file) : name.endsWith('.md') ? [file] : [];
  });
}

describe('remark-parse-in-blocks', () => {
  it('gives remark-parse’s tree for every Markdown file of the project', () => {
    const files = [...markdownFiles(path.join(ROOT, 'manuscript')), ...markdownFiles(path.join(ROOT, 'tests/fixtures'))];
    expect(files.length).toBeGreaterThan(40);
    let split = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (splitBlocks(text)) split++;
      same(text);
    }
    // most are parsed in blocks (the rest, whole, prove nothing here)
    expect(split).toBeGreaterThan(files.length / 2);
  });

  it('gives remark-parse’s tree around blank lines, line endings, front matter and trailing spaces', () => {
    const cases = [
      '',
      '\n\n',
      '正文',
      '正文\n',
      '\n\n  \n第一段\n\n\n第二段\n',
      '第一段  \n第二行\n\n第二段  \n',
      '第一段\r\n\r\n第二段\r\n',
      '第一段\r\rsecond\r',
      '---\ntitle: 标题\n\nsubtitle: 副题\n---\n\n# 标题\n\n正文第一段，**加粗\n跨行**。\n\n| 甲 | 乙 |\n|---|---|\n| 1 | 2 |\n',
      '---\ntitle: 标题\n---\n正文紧跟在前言后面。\n\n第二段',
      '---\ntitle: 标题\n---',
      '---\n---\n\n正文',
      '标题\n===\n\n副题\n---\n\n正文\n\n***\n\n正文',
      '![图](img/a.png "说明")\n\n图片说明文字\n\n<span>行内</span>的 HTML',
      '段落 [链接](https://example.com) 和 https://www.example.com 自动链接\n\n[^1] 不是脚注',
      // GFM's literal links are made after parsing, without positions
      '---\ntitle: 生成的稿件\n---\n\n\\[\\^1\\]**中\\[\\^1\\]www\\.example\\.com中中**中\n\n中www.example.com',
      '正文 \\\n硬换行\n\n\t\n正文',
      // parsed whole: constructs that reach across blank lines
      '- 一\n\n- 二\n',
      '> 引文\n\n> 又一段',
      '```\n代码\n\n代码\n```',
      '正文[^1]\n\n[^1]: 注释',
      '<div>\n\n正文\n\n</div>',
      '    缩进代码\n\n    还是代码',
    ];
    for (const text of cases) same(text);
  });

  it('gives remark-parse’s tree after each of 400 random edits of the seed article', () => {
    let text = readFileSync(path.join(ROOT, 'manuscript/seed.md'), 'utf8');
    expect(splitBlocks(text)).toBeDefined();
    // (most keep the article in blocks; some start a list, a quote, code or a definition, which it then parses whole)
    const pieces = ['甲', '，', '\n', '\n\n', '  \n', '**', '`', '#', '|', '\r\n', '。', '\r', '===', '*', '_', '\\', '![x](y)', '- ', '> ', '    ', '[a]: x', '```'];
    let seed = 11;
    const random = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), (seed >>> 8) % n);
    let split = 0;
    for (let i = 0; i < 400; i++) {
      const at = random(text.length + 1);
      text = text.slice(0, at) + (random(4) === 0 ? '' : pieces[random(pieces.length)]) + text.slice(Math.min(text.length, at + random(3)));
      if (splitBlocks(text)) split++;
      same(text);
    }
    expect(split).toBeGreaterThan(100);
  });
});
