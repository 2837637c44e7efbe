/**
 * Property tests (fast-check): generated manuscripts mixing Han, Latin,
 * digits, every punctuation mark (ASCII and Chinese), emphasis, strong,
 * links, lists and headings. Markdown → HTML never throws and never drops or
 * adds a character: the text of the HTML equals the text the Markdown
 * stands for (whitespace aside; ASCII punctuation is compared modulo the
 * full-width mapping, and the conversion is switched off). A few generated
 * manuscripts go on through Chromium to PDF, where pdftotext must find every
 * character again — or the build must stop with a report of the loss
 * (text-cut-off, overset), never drop text quietly.
 *
 * Found by this test, and fixed: backslash-escaped ruby `\{中\|zhōng\}` used
 * to become ruby after a link in the same paragraph, and escaped
 * `\[中\]\{\.dots\}` became emphasis dots (tests/fixtures/transform/cjk-escapes).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseFragment } from 'parse5';
import { VFile } from 'vfile';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/pipeline/index.ts';
import { BrowserSession } from '../../src/print/index.ts';
import { createProcessor } from '../../src/transform/index.ts';
import { pdfText, scratch } from './helpers.ts';

const HAN = [...'中国新闻报道今日市民记者发展经济社会文化城市建设交通教育医疗天地人和春夏秋冬龘𠀀〇'];
const LATIN = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const DIGITS = [...'0123456789'];
const ASCII_PUNCT = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];
const CJK_PUNCT = [...'，。、；：？！“”‘’（）《》〈〉【】「」『』〔〕—…·～﹏・％＋－／＝＠＃＆＊'];
const WORDISH = [...HAN, ...LATIN, ...DIGITS];

/** A piece of text: what it means, and how it is written in Markdown. */
interface Piece {
  text: string;
  md: string;
}

const escape = (c: string) => (ASCII_PUNCT.includes(c) ? `\\${c}` : c);
const wordChar = fc.constantFrom(...WORDISH);
const anyChar = fc.oneof({ weight: 4, arbitrary: wordChar }, { weight: 2, arbitrary: fc.constantFrom(...ASCII_PUNCT) }, { weight: 2, arbitrary: fc.constantFrom(...CJK_PUNCT) });
/** plain text, with syntax-looking fragments mixed in to tempt the parsers */
const plain: fc.Arbitrary<Piece> = fc
  .array(fc.oneof({ weight: 8, arbitrary: anyChar }, { weight: 1, arbitrary: fc.constantFrom('[^1]', '<b>', '&amp;', '...', '--', 'www.example.com', 'https://a.cn/x', '{中|zhōng}', '[中]{.dots}') }), { minLength: 1, maxLength: 14 })
  .map((parts) => {
    const text = parts.join('');
    return { text, md: [...text].map(escape).join('') };
  });
/** text that starts and ends with a letter, so `*…*` around it is always emphasis */
const inner: fc.Arbitrary<Piece> = fc.tuple(wordChar, fc.option(plain, { nil: undefined }), wordChar).map(([a, mid, b]) => ({
  text: a + (mid?.text ?? '') + b,
  md: a + (mid?.md ?? '') + b,
}));
const emphasis = inner.map((p) => ({ text: p.text, md: `*${p.md}*` }));
const strong = inner.map((p) => ({ text: p.text, md: `**${p.md}**` }));
const link = fc.tuple(inner, fc.constantFrom('https://example.com/a', 'https://新闻.cn/路径?q=1&r=2', 'mailto:desk@example.com')).map(([p, href]) => ({
  text: p.text,
  md: `[${p.md}](${href.replace(/[()\s]/g, encodeURIComponent)})`,
}));
/** inline content: marked-up pieces always separated by plain text, so delimiters never touch */
const inlines: fc.Arbitrary<Piece> = fc
  .array(fc.tuple(plain, fc.oneof(emphasis, strong, link)), { minLength: 1, maxLength: 4 })
  .chain((pairs) =>
    plain.map((last) => {
      const all = [...pairs.flat(), last];
      return { text: all.map((p) => p.text).join(''), md: all.map((p) => p.md).join('') };
    }),
  );
const paragraph = inlines;
const heading = fc.tuple(fc.integer({ min: 1, max: 4 }), inlines).map(([level, p]) => ({ text: p.text, md: `${'#'.repeat(level)} ${p.md}` }));
const list = fc.tuple(fc.boolean(), fc.array(inlines, { minLength: 1, maxLength: 4 })).map(([ordered, items]) => ({
  text: items.map((i) => i.text).join(''),
  md: items.map((i, n) => `${ordered ? `${n + 1}.` : '-'} ${i.md}`).join('\n'),
}));
const manuscript: fc.Arbitrary<Piece> = fc.array(fc.oneof({ weight: 4, arbitrary: paragraph }, { weight: 1, arbitrary: heading }, { weight: 1, arbitrary: list }), { minLength: 1, maxLength: 6 }).map((blocks) => ({
  text: blocks.map((b) => b.text).join(''),
  md: `---\ntitle: 生成的稿件\n---\n\n${blocks.map((b) => b.md).join('\n\n')}\n`,
}));

const FULL_TO_ASCII: Record<string, string> = { '，': ',', '。': '.', '：': ':', '；': ';', '？': '?', '！': '!', '（': '(', '）': ')', '“': '"', '”': '"', '‘': "'", '’': "'" };
/** whitespace (any kind the typography may insert) out, the full-width mapping folded */
export function normalize(text: string): string {
  return [...text.replace(/[\s\u00ad\u200b-\u200d\u2060\ufeff]/gu, '')].map((c) => FULL_TO_ASCII[c] ?? c).join('');
}

function htmlText(html: string): string {
  let out = '';
  const walk = (node: { nodeName: string; value?: string; childNodes?: unknown[] }) => {
    if (node.nodeName === '#text') out += node.value;
    for (const child of (node.childNodes ?? []) as (typeof node)[]) walk(child);
  };
  walk(parseFragment(html) as never);
  return out;
}

async function toHtml(md: string): Promise<{ html: string; fatal: string[] }> {
  const file = new VFile({ path: '/virtual/article.md', value: md });
  const processor = createProcessor({ typography: { fullWidthPunctuation: false } });
  const html = String(await processor.process(file));
  return { html, fatal: file.messages.filter((m) => m.fatal).map((m) => m.reason) };
}

const session = new BrowserSession();
afterAll(() => session.close());

describe('property: Markdown → HTML keeps every character', () => {
  it('never throws and never drops or adds a character', async () => {
    await fc.assert(
      fc.asyncProperty(manuscript, async (m) => {
        const { html, fatal } = await toHtml(m.md);
        expect(fatal).toEqual([]);
        expect(normalize(htmlText(html))).toBe(normalize(m.text));
      }),
      { numRuns: 300, seed: 20241128 },
    );
  });

  it('a character no bundled font has is reported, not silently lost', async () => {
    const dir = scratch('property-extb');
    writeFileSync(path.join(dir, 'a.md'), '---\ntitle: 生僻字\n---\n\n他叫张𠀀，住在北京。\n');
    const result = await build(path.join(dir, 'a.md'), { outDir: path.join(dir, 'out'), session });
    const warning = result.diagnostics.find((d) => d.ruleId === 'glyph-not-bundled');
    expect(warning, JSON.stringify(result.diagnostics)).toMatchObject({ severity: 'warning' });
    expect(warning!.message).toContain('U+20000');
    expect(warning!.file).toMatch(/a\.md$/);
  });

  it('keeps every character of a fixed nasty sample too', async () => {
    const text = `${ASCII_PUNCT.join('')}${CJK_PUNCT.join('')}中文English123`;
    const { html } = await toHtml(`---\ntitle: 标点\n---\n\n${[...text].map(escape).join('')}\n`);
    expect(normalize(htmlText(html))).toBe(normalize(text));
  });
});

describe('property: a small sample goes through Chromium to PDF with every character', () => {
  it('pdftotext finds every character of 4 generated manuscripts', { timeout: 300_000 }, async () => {
    const samples = fc.sample(manuscript, { numRuns: 4, seed: 42 });
    let compared = 0;
    let reported = 0;
    const dir = scratch('property-pdf');
    for (const [i, m] of samples.entries()) {
      const folder = path.join(dir, `sample-${i}`);
      mkdirSync(folder);
      writeFileSync(path.join(folder, 'a.md'), m.md);
      // the full-width conversion off, as for the HTML property (it rewrites `...` and `--` next to Han on purpose)
      writeFileSync(path.join(folder, 'edition.yaml'), 'paper: 测试报\ndate: 2024-05-01\ntypography: { fullWidthPunctuation: false }\npages:\n  - number: 1\n    name: 要闻\n    articles: [a.md]\n');
      const result = await build(folder, { outDir: path.join(dir, `out-${i}`), session });
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) {
        // Text that cannot be printed whole must be reported as such, never dropped quietly.
        expect(errors.map((d) => d.ruleId).filter((r) => r !== 'text-cut-off' && r !== 'overset'), m.md).toEqual([]);
        reported++;
        continue;
      }
      compared++;
      const pdf = result.outputs.filter((o) => o.kind === 'page').map((o) => pdfText(o.path, true)).join('');
      // as multisets: pdftotext's reading order across columns is not the source order
      const have = count(normalize(pdf));
      // characters no bundled font has (CJK Extension B, e.g. 𠀀) are allowed to be missing only if the build said so
      const warned = result.diagnostics.filter((d) => d.ruleId === 'glyph-not-bundled').map((d) => d.message).join('');
      for (const [c, n] of count(normalize(m.text))) {
        if ((have.get(c) ?? 0) < n && warned.includes(c)) continue;
        expect(have.get(c) ?? 0, `"${c}" (U+${c.codePointAt(0)!.toString(16)}) in sample ${i}:\n${m.md}`).toBeGreaterThanOrEqual(n);
      }
    }
    // most samples print whole (a sample with a long unbreakable run in a list item is reported as text-cut-off)
    expect(compared).toBeGreaterThanOrEqual(3);
    expect(compared + reported).toBe(samples.length);
  });
});

function count(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of text) m.set(c, (m.get(c) ?? 0) + 1);
  return m;
}
