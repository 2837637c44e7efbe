/**
 * Unit tests of the typography transform plugins (the fixture pairs live in
 * tests/fixtures/transform/cjk-* and run in tests/transform/fixtures.test.ts).
 */
import { VFile } from 'vfile';
import { describe, expect, it } from 'vitest';
import { createProcessor } from '../../src/transform/index.ts';
import { findPunctuationEdits } from '../../src/transform/remark/remark-cjk-punctuation.ts';
import { urlPieces } from '../../src/transform/rehype/rehype-cjk-spans.ts';

function apply(text: string): string {
  let out = text;
  for (const e of [...findPunctuationEdits(text)].reverse()) out = out.slice(0, e.from) + e.insert + out.slice(e.to);
  return out;
}

async function run(md: string, typography = {}) {
  const file = new VFile({ path: 'a.md', value: `---\ntitle: t\n---\n\n${md}\n` });
  const html = String(await createProcessor({ typography }).process(file));
  return { html, file, text: html.replace(/<[^>]+>/g, '').trim() };
}

describe('rule 7: ASCII punctuation in Chinese text', () => {
  it.each([
    ['今天天气很好,我们去公园玩吧!', '今天天气很好，我们去公园玩吧！'],
    ['他问:你来吗?我说:来;马上到.', '他问：你来吗？我说：来；马上到。'],
    ['分局(以下简称分局)成立', '分局（以下简称分局）成立'],
    ['他说"好的",然后走了--真开心...', '他说“好的”，然后走了——真开心……'],
    ["一切'顺利'.", '一切‘顺利’。'],
    ['English stays: Mr. Smith said "hello", it\'s 3.14 (pi).', 'English stays: Mr. Smith said "hello", it\'s 3.14 (pi).'],
    ['占比21.66%,增长', '占比21.66%,增长'],
    ['共1,286台', '共1,286台'],
  ])('%s', (input, expected) => {
    expect(apply(input)).toBe(expected);
  });

  it('reports each change as info at its line and column', async () => {
    const { file, text } = await run('第一行,第二句.');
    expect(text).toBe('第一行，第二句。');
    const msgs = file.messages.filter((m) => m.ruleId === 'full-width-punctuation');
    expect(msgs.map((m) => `${m.line}:${m.column}`)).toEqual(['5:4', '5:8']);
    expect(msgs.every((m) => m.fatal === undefined)).toBe(true);
  });

  it('survives zhlint crashing on a paragraph and reports it', async () => {
    const { file, text } = await run('他说:"好的"...然后我们走了--真开心。');
    expect(text).toBe('他说：“好的”……然后我们走了——真开心。');
    expect(file.messages.some((m) => m.ruleId === 'zhlint-failed')).toBe(true);
  });

  it('is off with typography.fullWidthPunctuation: false (front matter wins)', async () => {
    const file = new VFile({ path: 'a.md', value: '---\ntitle: t\ntypography:\n  fullWidthPunctuation: false\n---\n\n你好,世界.\n' });
    const html = String(await createProcessor({ typography: { fullWidthPunctuation: true } }).process(file));
    expect(html.replace(/<[^>]+>/g, '').trim()).toBe('你好,世界.');
  });
});

describe('spans for the in-page passes', () => {
  it('adds no character: the text is the converted manuscript', async () => {
    const md = '使用Wi-Fi 6网络的5G手机占比21.66%，共1,286台，见〔2021〕164号文件——“好”……';
    const { html, text } = await run(md);
    expect(text).toBe(md);
    expect(html).toContain('<span class="bm-hl bm-hl-s">Wi-Fi</span>');
    expect(html).toContain('<span class="bm-hl bm-hl-s bm-hl-e">5G</span>');
    expect(html).toContain('<span class="bm-p bm-p-dash">——</span>');
    expect(html).toContain('<span class="bm-p bm-p-ellipsis">……</span>');
    expect(html).toContain('<span class="bm-p bm-p-open">〔</span>2021<span class="bm-p bm-p-close">〕</span>');
  });

  it('no Han–Latin spans with hanLatinSpace 0', async () => {
    const { html } = await run('使用5G网络', { hanLatinSpace: 0 });
    expect(html).not.toContain('bm-hl');
  });

  it('gives quotes and URLs their break opportunities with <wbr>, never before a closing mark', async () => {
    const { html } = await run('他说“好”，单位“三连冠”。');
    expect(html).toContain('说<wbr><span class="bm-p bm-p-open">“</span>');
    expect(html).not.toMatch(/”<\/span><wbr><span class="bm-p bm-p-pause">/);
    const pieces = urlPieces('https://www.example.com/news/164');
    expect(pieces.filter((p) => p.type === 'element').length).toBe(3);
  });
});

describe('rule 8: emphasis dots and ruby', () => {
  it('marks [text]{.dots} and {base|reading}', async () => {
    const { html } = await run('要[特别注意]{.dots}这里，{漢字|hàn zì}和{北京|běi|jīng}。');
    expect(html).toContain('<em class="bm-dots">特别注意</em>');
    expect(html).toContain('<ruby>漢字<rp>（</rp><rt>hàn zì</rt><rp>）</rp></ruby>');
    expect(html).toContain('<ruby>北<rp>（</rp><rt>běi</rt><rp>）</rp></ruby><ruby>京');
  });
  it('keeps escaped braces literal', async () => {
    const { text } = await run('不是注音：\\{a|b\\}。');
    expect(text).toBe('不是注音：{a|b}。');
  });
});
