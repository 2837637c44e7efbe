import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveEdition, verifyArchive, type Manifest } from '../../src/archive/index.ts';
import { type Rendered, inputA, inputB, renderFixtures, sha256Of, tempArchive, removeTempArchives } from './fixture.ts';

afterAll(removeTempArchives);

const require = createRequire(import.meta.url);
type Db = { prepare(sql: string): { get(...a: unknown[]): unknown; all(...a: unknown[]): unknown[] }; close(): void };
const Database = require('better-sqlite3') as new (f: string, o?: { readonly?: boolean }) => Db;

function count(root: string, sql: string): number {
  const db = new Database(path.join(root, 'archive.sqlite'), { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else out.push(r);
    }
  }
  await walk('');
  return out.sort();
}

let fx: Rendered;
beforeAll(async () => {
  fx = await renderFixtures();
});

describe('archiveEdition', () => {
  it('stores the edition under <paper>/<yyyy>/<mm>/<dd>/ with a manifest whose hashes match', async () => {
    const root = await tempArchive();
    const r = await archiveEdition(inputA(fx), root);
    expect(r.status).toBe('added');
    expect(r.dir).toBe(path.join(root, '株洲日报', '2021', '12', '28'));
    expect(r.manifestPath).toBe(path.join(r.dir, 'manifest.json'));

    expect(await listTree(r.dir)).toEqual([
      'articles.json',
      'edition-pdfa2b.pdf',
      'edition.pdf',
      'manifest.json',
      'manuscript/01-退休民警.md',
      'manuscript/02-湘江.md',
      'manuscript/edition.yaml',
      'manuscript/images/photo.bin',
      'pages/1.pdf',
      'pages/2.pdf',
    ]); // the dotfile .notes is not snapshotted

    const manifestText = await fs.readFile(r.manifestPath, 'utf8');
    const m = JSON.parse(manifestText) as Manifest;
    expect(m).toMatchObject({ paper: '株洲日报', date: '2021-12-28', issueNumber: 12345 });
    expect(m.build.fonts).toEqual([{ name: 'Noto Serif SC', version: '5.3.0' }]);
    expect(m.build.toolVersion).toBe('0.1.0');
    expect(m.build.options).toEqual({ columns: 4, pageSize: '148mm 210mm' });
    expect(m.pages).toEqual([
      { page: '1', path: 'pages/1.pdf' },
      { page: '2', path: 'pages/2.pdf' },
    ]);
    // every stored file except the manifest itself is listed, with the right hash and size
    expect(m.files.map((f) => f.path).sort()).toEqual((await listTree(r.dir)).filter((p) => p !== 'manifest.json'));
    for (const f of m.files) {
      const abs = path.join(r.dir, f.path);
      expect(await sha256Of(abs), f.path).toBe(f.sha256);
      expect((await fs.stat(abs)).size).toBe(f.size);
    }
    // copies are byte-identical to the inputs
    expect(await sha256Of(path.join(r.dir, 'edition.pdf'))).toBe(await sha256Of(fx.a.editionPdf));
    expect(await sha256Of(path.join(r.dir, 'pages/2.pdf'))).toBe(await sha256Of(fx.a.pagePdfs[1]!.path));
    // no clock time in the manifest
    const today = new Date().toISOString().slice(0, 10);
    expect(manifestText).not.toContain(today);
    expect(manifestText).not.toMatch(/archivedAt|"created"/);

    expect(count(root, 'select count(*) n from editions')).toBe(1);
    expect(count(root, 'select count(*) n from articles')).toBe(2);
    expect((await verifyArchive(root)).ok).toBe(true);
  });

  it('is idempotent: the same edition again (even re-rendered PDFs) changes nothing', async () => {
    const root = await tempArchive();
    const first = await archiveEdition(inputA(fx), root);
    const manifestBefore = await fs.readFile(first.manifestPath);
    const treeBefore = await listTree(root);

    const again = await archiveEdition(inputA(fx), root);
    expect(again.status).toBe('unchanged');
    expect(again.dir).toBe(first.dir);
    expect(again.pdfa).toEqual(first.pdfa);

    // A rebuild gives different PDF bytes (Chromium stamps the time) for the same content.
    const rebuilt = path.join(root, '..', `${path.basename(root)}-rebuilt.pdf`);
    await fs.writeFile(rebuilt, Buffer.concat([await fs.readFile(fx.a.editionPdf), Buffer.from('%rebuilt\n')]));
    const third = await archiveEdition(inputA(fx, { editionPdf: rebuilt }), root);
    expect(third.status).toBe('unchanged');
    await fs.rm(rebuilt);

    expect(await fs.readFile(first.manifestPath)).toEqual(manifestBefore);
    expect(await listTree(root)).toEqual(treeBefore);
    expect(count(root, 'select count(*) n from editions')).toBe(1);
    expect(count(root, 'select count(*) n from articles')).toBe(2);
    expect(count(root, 'select count(*) n from articles_fts')).toBe(2);
  });

  it('keeps a different edition of the same date apart (sub-folder per issue)', async () => {
    const root = await tempArchive();
    await archiveEdition(inputA(fx), root);
    const b = await archiveEdition(inputB(fx), root);
    expect(b.status).toBe('added');
    const day = path.join(root, '株洲日报', '2021', '12', '28');
    expect(b.dir).toBe(path.join(day, '第12346期'));
    // the first edition moved into its own sub-folder, intact
    expect((await fs.readdir(day)).sort()).toEqual(['第12345期', '第12346期']);
    const a = JSON.parse(await fs.readFile(path.join(day, '第12345期', 'manifest.json'), 'utf8')) as Manifest;
    expect(a.issueNumber).toBe(12345);
    expect(count(root, 'select count(*) n from editions')).toBe(2);
    expect(count(root, "select count(*) n from editions where path = '株洲日报/2021/12/28/第12345期'")).toBe(1);
    expect(count(root, 'select count(*) n from articles')).toBe(3);
    expect((await verifyArchive(root)).ok).toBe(true);

    // archiving A again finds it in its new place
    const again = await archiveEdition(inputA(fx), root);
    expect(again.status).toBe('unchanged');
    expect(again.dir).toBe(path.join(day, '第12345期'));

    // an edition without issue number gets a folder named by its content hash
    const c = await archiveEdition(inputB(fx, { issueNumber: undefined, articles: [{ ...inputB(fx).articles[0]!, title: '号外' }] }), root);
    expect(c.status).toBe('added');
    expect(path.basename(c.dir)).toMatch(/^无期号-[0-9a-f]{12}$/);
    expect(count(root, 'select count(*) n from editions')).toBe(3);
  });

  it('replaces an edition of the same issue whose content changed, and records what it superseded', async () => {
    const root = await tempArchive();
    const first = await archiveEdition(inputA(fx), root);
    const oldManifest = JSON.parse(await fs.readFile(first.manifestPath, 'utf8')) as Manifest;
    const corrected = inputA(fx);
    corrected.articles[1] = { ...corrected.articles[1]!, text: `${corrected.articles[1]!.text}（更正稿）` };
    const r = await archiveEdition(corrected, root);
    expect(r.status).toBe('replaced');
    expect(r.dir).toBe(first.dir);
    const m = JSON.parse(await fs.readFile(r.manifestPath, 'utf8')) as Manifest;
    expect(m.supersedes?.editionHash).toBe(oldManifest.editionHash);
    expect(m.editionHash).not.toBe(oldManifest.editionHash);
    expect(count(root, 'select count(*) n from editions')).toBe(1);
    expect(count(root, 'select count(*) n from articles')).toBe(2);
    expect(count(root, "select count(*) n from articles where text like '%更正稿%'")).toBe(1);
    expect((await verifyArchive(root)).ok).toBe(true);
    expect((await fs.readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('leaves nothing behind when archiving fails', async () => {
    const root = await tempArchive();
    // missing page PDF: refused before anything is written
    await expect(
      archiveEdition(inputA(fx, { pagePdfs: [{ page: '1', path: path.join(root, 'nope.pdf') }] }), root),
    ).rejects.toThrow(/page 1 not found/);
    // not a PDF: fails half-way through (PDF/A step) — the temporary folder is removed
    const bogus = path.join(root, '..', `${path.basename(root)}-bogus.pdf`);
    await fs.writeFile(bogus, 'this is not a PDF');
    await expect(archiveEdition(inputA(fx, { editionPdf: bogus }), root)).rejects.toThrow();
    await fs.rm(bogus);
    expect(await listTree(root)).toEqual([]);
    await expect(fs.readdir(root)).resolves.toEqual([]);
  });

  it('validates the input and sanitises the paper name', async () => {
    const root = await tempArchive();
    await expect(archiveEdition(inputA(fx, { date: '2021-02-30' }), root)).rejects.toThrow(/date/);
    await expect(archiveEdition(inputA(fx, { paper: '' }), root)).rejects.toThrow(/paper/);
    const r = await archiveEdition(inputA(fx, { paper: '../株洲/日报' }), root);
    expect(path.relative(root, r.dir).split(path.sep)).toEqual(['___株洲_日报', '2021', '12', '28']);
  });
});
