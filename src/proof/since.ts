/**
 * Proof against proof: which paragraphs changed since a previous proof PDF
 * (its attached proof data; for any other PDF, its text read with pdftotext)
 * or since a git revision (`git show REV:path` of every article, processed
 * the same way). A paragraph (or the part of it the layout engine set in one
 * column) counts as changed when its text, whitespace removed, does not occur
 * inside one paragraph of the previous version.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Element, Root } from 'hast';
import { toString } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import { VFile } from 'vfile';
import { readProofData } from '../postprocess/index.ts';
import { createProcessor } from '../transform/index.ts';
import type { RenderedArticle } from './render-pages.ts';

const run = promisify(execFile);

export const normalize = (s: string) => s.replace(/[\s\u200b-\u200d\u2060\ufeff\u00ad]+/g, '');

export interface Previous {
  /** what was compared against, for the report */
  label: string;
  /** proof number of the previous proof, when known */
  proofNumber?: number;
  /** true when the paragraph text occurred in the previous version */
  has(text: string): boolean;
}

interface ProofData {
  proofNumber?: number;
  pages?: { paragraphs?: { text: string }[] }[];
}

export async function loadPrevious(since: string, articles: RenderedArticle[]): Promise<Previous> {
  if (existsSync(since) && /\.pdf$/i.test(since)) {
    const bytes = await readFile(since);
    const data = (await readProofData(bytes).catch(() => undefined)) as ProofData | undefined;
    if (data?.pages) {
      const all = data.pages.flatMap((p) => p.paragraphs ?? []).map((p) => normalize(p.text)).join('\u0000');
      return { label: since, proofNumber: data.proofNumber, has: (t) => all.includes(normalize(t)) };
    }
    const text = normalize(await pdfText(since));
    return { label: since, has: (t) => text.includes(normalize(t)) };
  }
  const texts: string[] = [];
  for (const a of articles) {
    const old = await gitShow(since, a.ref.path);
    if (old === undefined) continue;
    for (const t of paragraphTexts(old, a.ref.path)) texts.push(normalize(t));
  }
  const all = texts.join('\u0000');
  return { label: `git ${since}`, has: (t) => all.includes(normalize(t)) };
}

async function pdfText(file: string): Promise<string> {
  const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', file, '-'], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The article at a git revision; undefined when it did not exist there. Throws when REV is not a revision. */
async function gitShow(rev: string, file: string): Promise<string | undefined> {
  const dir = path.dirname(file);
  try {
    await run('git', ['-C', dir, 'rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  } catch {
    throw new Error(`--since ${rev}: neither a PDF file nor a git revision of the repository holding ${path.relative(process.cwd(), file)}`);
  }
  try {
    const { stdout } = await run('git', ['-C', dir, 'show', `${rev}:./${path.basename(file)}`], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch {
    return undefined;
  }
}

const PARA = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'figcaption', 'td', 'th', 'dt', 'dd']);

/** Texts of the paragraph-like blocks of a Markdown article, as the transform makes them. */
export function paragraphTexts(markdown: string, filePath: string): string[] {
  const processor = createProcessor({});
  const file = new VFile({ path: filePath, value: markdown });
  const tree = processor.runSync(processor.parse(file), file) as Root;
  const out: string[] = [];
  visit(tree, 'element', (node: Element) => {
    if (!PARA.has(node.tagName)) return;
    const nested = node.children.some((c) => c.type === 'element' && PARA.has(c.tagName));
    if (!nested) out.push(toString(node));
  });
  return out;
}
