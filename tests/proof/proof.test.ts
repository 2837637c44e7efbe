/**
 * `banmian proof`: proof PDFs with watermark, stamp, line numbers and one
 * clickable annotation per finding; the report; --since against a previous
 * proof and against a git revision. Real Chromium, real mutool/poppler, real git.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFString } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserSession } from '../../src/print/index.ts';
import { runProof, runProofCommand, type ProofReport } from '../../src/proof/index.ts';

const fixture = path.join(import.meta.dirname, 'fixtures', 'draft');
let session: BrowserSession;
let tmp: string;
let manuscript: string;
let first: ProofReport;

beforeAll(async () => {
  session = new BrowserSession();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'banmian-proof-'));
  manuscript = path.join(tmp, 'draft');
  cpSync(fixture, manuscript, { recursive: true });
  first = await runProof(manuscript, { outDir: path.join(tmp, 'p1'), session, time: new Date('2024-06-01T09:30:00') });
}, 180_000);
afterAll(async () => {
  await session.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function annotations(file: string): Promise<{ contents: string; rect: number[]; subject: string }[]> {
  const doc = await PDFDocument.load(readFileSync(file));
  const out: { contents: string; rect: number[]; subject: string }[] = [];
  for (const page of doc.getPages()) {
    const annots = page.node.lookup(PDFName.of('Annots'));
    if (!(annots instanceof PDFArray)) continue;
    for (const ref of annots.asArray()) {
      const a = doc.context.lookup(ref) as PDFDict;
      const text = (k: string) => (a.lookup(PDFName.of(k)) as PDFHexString | PDFString).decodeText();
      const rect = (a.lookup(PDFName.of('Rect')) as PDFArray).asArray().map((n) => Number(n.toString()));
      out.push({ contents: text('Contents'), subject: text('Subj'), rect });
    }
  }
  return out;
}

describe('proof', () => {
  it('finds overset, the missing image and the removed HTML, each with file:line:col and a place on the page', () => {
    const find = (rule: string) => first.findings.find((f) => f.ruleId === rule)!;
    const overset = find('overset');
    expect(overset.severity).toBe('error');
    expect(overset.file).toMatch(/long\.md$/);
    expect(overset.line).toBeGreaterThan(5); // the first paragraph that does not fit, not the top of the file
    const image = find('image-missing');
    expect([image.file.endsWith('short.md'), image.line, image.column]).toEqual([true, 10, 1]);
    expect(find('html-removed').line).toBe(8);
    for (const f of [overset, image, find('html-removed')]) {
      expect(f.rects.length).toBeGreaterThan(0);
      expect(f.where).toMatch(/^第\d+栏第\d+行$/);
    }
    // the missing image is marked where the figure stands: in the upper half of the page, right of column 1
    expect(image.rects[0]!.y).toBeLessThan(700);
    expect(image.rects[0]!.w).toBeGreaterThan(100);
    expect(first.ok).toBe(false);
  });

  it('writes proof PDFs with watermark, stamp, line numbers and one annotation per finding', async () => {
    const pdf = path.join(tmp, 'p1', 'proof-01.pdf');
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    expect(text).toContain('校样');
    expect(text).toContain('第1次校样');
    expect(text).toContain('2024-06-01 09:30');
    expect(text).toMatch(/第1栏/);
    const annots = await annotations(pdf);
    const marked = first.findings.filter((f) => f.rects.length);
    expect(annots.length).toBe(marked.length);
    const overset = annots.find((a) => a.subject === 'overset')!;
    expect(overset.contents).toMatch(/long\.md:\d+:1 第1栏第\d+行\n《老街区焕发新活力》 overflows/);
    // the annotation sits on the page
    const { height } = (await PDFDocument.load(readFileSync(pdf))).getPages()[0]!.getSize();
    expect(overset.rect[1]).toBeGreaterThan(0);
    expect(overset.rect[3]).toBeLessThan(height);
    // and the overlay marks it in red on the page: render the annotation's area and look for red
    const [x0, y0, x1, y1] = overset.rect as [number, number, number, number];
    const out = path.join(tmp, 'crop');
    execFileSync('pdftoppm', ['-r', '72', '-x', String(Math.round(x0)), '-y', String(Math.round(height - y1)), '-W', String(Math.round(x1 - x0)), '-H', String(Math.round(y1 - y0)), '-singlefile', pdf, out]);
    const ppm = readFileSync(`${out}.ppm`);
    const header = ppm.toString('latin1').match(/^P6\s+\d+\s+\d+\s+255\s/)!;
    const px = ppm.subarray(header[0].length);
    let reddish = 0;
    for (let i = 0; i + 2 < px.length; i += 3) if (px[i]! > 180 && px[i + 1]! < 120 && px[i + 2]! < 120) reddish++;
    expect(reddish).toBeGreaterThan(20);
  });

  it('writes the report as JSON and HTML with file:line:col', () => {
    const json = JSON.parse(readFileSync(path.join(tmp, 'p1', 'proof.json'), 'utf8')) as ProofReport;
    expect(json.findings.length).toBe(first.findings.length);
    const html = readFileSync(path.join(tmp, 'p1', 'proof.html'), 'utf8');
    expect(html).toMatch(/short\.md:10:1/);
    expect(html).toContain('image-missing');
  });

  it('--since a previous proof highlights exactly the changed paragraph, and counts the proof number up', async () => {
    const file = path.join(manuscript, 'short.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('首日接待读者三千余人次', '首日接待读者五千余人次'));
    const second = await runProof(manuscript, { outDir: path.join(tmp, 'p2'), session, since: path.join(tmp, 'p1', 'proof.pdf') });
    const changed = second.findings.filter((f) => f.source === 'change');
    expect(changed.map((f) => [path.basename(f.file), f.line])).toEqual([['short.md', 6]]);
    expect(second.proofNumber).toBe(2);
    const annots = await annotations(path.join(tmp, 'p2', 'proof-01.pdf'));
    expect(annots.filter((a) => a.subject === 'changed')).toHaveLength(1);
  }, 180_000);

  it('--since a git revision compares with the manuscript at that revision', async () => {
    const repo = path.join(tmp, 'repo');
    cpSync(fixture, repo, { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args]);
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    const file = path.join(repo, 'short.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('新馆设有少儿阅览区和自习室。', '新馆设有少儿阅览区、自习室和展厅。'));
    const report = await runProof(repo, { outDir: path.join(tmp, 'p3'), session, since: 'HEAD' });
    expect(report.findings.filter((f) => f.source === 'change').map((f) => [path.basename(f.file), f.line])).toEqual([['short.md', 8]]);
    await expect(runProof(repo, { outDir: path.join(tmp, 'p4'), session, since: 'no-such-rev' })).rejects.toThrow(/neither a PDF file nor a git revision/);
  }, 180_000);

  it('checks its command line', async () => {
    await expect(runProofCommand(['a', 'b'])).rejects.toThrow(/one input/);
    await expect(runProofCommand(['a', '--number', 'x'])).rejects.toThrow(/--number/);
  });
});
