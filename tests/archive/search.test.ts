import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveEdition, rebuildIndex, searchArchive } from '../../src/archive/index.ts';
import { inputA, inputB, renderFixtures, tempArchive, removeTempArchives } from './fixture.ts';

afterAll(removeTempArchives);

let root: string;
beforeAll(async () => {
  const fx = await renderFixtures();
  root = await tempArchive();
  await archiveEdition(inputA(fx), root);
  await archiveEdition(inputB(fx), root);
  // another paper, another day, without the words searched below except 民警 in the headline
  await archiveEdition(
    inputB(fx, {
      paper: '湘江晚报',
      date: '2022-01-05',
      issueNumber: 7,
      articles: [{ id: 'x', page: 'A3', title: '社区民警上门送福', authors: ['钱七'], text: '新年将至，社区走访慰问孤寡老人。' }],
    }),
    root,
  );
});

describe('searchArchive', () => {
  it('finds 退休民警 (trigram FTS5) with date, page, headline and a highlighted snippet', () => {
    const hits = searchArchive(root, '退休民警');
    expect(hits).toHaveLength(1);
    const [h] = hits;
    expect(h).toMatchObject({ paper: '株洲日报', date: '2021-12-28', issueNumber: 12345, page: '1', title: '退休民警义务巡逻二十年', authors: ['张三'] });
    expect(h!.snippet).toContain('【退休民警】');
    expect(h!.path).toBe(path.join(root, '株洲日报/2021/12/28/第12345期/pages/1.pdf'));
  });

  it('finds the two-character word 民警 in every edition that has it', () => {
    const hits = searchArchive(root, '民警');
    expect(hits.map((h) => [h.paper, h.date, h.issueNumber, h.page, h.title])).toEqual([
      ['湘江晚报', '2022-01-05', 7, 'A3', '社区民警上门送福'], // newest first
      ['株洲日报', '2021-12-28', 12346, '1', '冬季长跑比赛鸣枪开跑'],
      ['株洲日报', '2021-12-28', 12345, '1', '退休民警义务巡逻二十年'],
    ]);
    for (const h of hits) expect(h.snippet).toContain('【民警】');
    expect(hits[1]!.snippet).toMatch(/交警和【民警】在沿途/);
  });

  it('requires all words to match, mixing long and short words', () => {
    expect(searchArchive(root, '民警 巡逻').map((h) => h.title)).toEqual(['退休民警义务巡逻二十年']);
    expect(searchArchive(root, '长跑比赛 秩序').map((h) => h.title)).toEqual(['冬季长跑比赛鸣枪开跑']);
    expect(searchArchive(root, '退休民警 长跑')).toEqual([]);
    const both = searchArchive(root, '民警　巡逻'); // ideographic space
    expect(both).toHaveLength(1);
    expect(both[0]!.snippet).toContain('【民警】');
    expect(both[0]!.snippet).toContain('【巡逻】');
  });

  it('searches headline, author, page and date too', () => {
    expect(searchArchive(root, '风光带').map((h) => h.page)).toEqual(['2']);
    expect(searchArchive(root, '王五').map((h) => h.title)).toEqual(['湘江风光带冬日游人如织']);
    expect(searchArchive(root, '坚守').map((h) => h.title)).toEqual(['退休民警义务巡逻二十年']); // kicker
    expect(searchArchive(root, '2022-01').map((h) => h.paper)).toEqual(['湘江晚报']);
  });

  it('treats query syntax as text and returns nothing for absent words', () => {
    expect(searchArchive(root, '"退休" OR NOT *')).toEqual([]);
    expect(searchArchive(root, '不存在的词语')).toEqual([]);
    expect(searchArchive(root, '   ')).toEqual([]);
    expect(searchArchive(root, '%')).toEqual([]);
  });

  it('honours limit and custom markers', () => {
    expect(searchArchive(root, '民警', { limit: 1 })).toHaveLength(1);
    const [h] = searchArchive(root, '退休民警', { mark: ['<b>', '</b>'] });
    expect(h!.snippet).toContain('<b>退休民警</b>');
  });

  it('works the same after the index is rebuilt from the folders', async () => {
    const before = searchArchive(root, '民警');
    await fs.rm(path.join(root, 'archive.sqlite'));
    expect(() => searchArchive(root, '民警')).toThrow(/no archive index/);
    expect(await rebuildIndex(root)).toBe(3);
    expect(searchArchive(root, '民警')).toEqual(before);
  });
});
