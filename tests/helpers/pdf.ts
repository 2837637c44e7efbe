/** Real PDF tools for tests: poppler, qpdf. */
import { execFileSync, spawnSync } from 'node:child_process';

export function pdfText(file: string, extra: string[] = []): string {
  return execFileSync('pdftotext', ['-enc', 'UTF-8', ...extra, file, '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

export interface FontRow {
  name: string;
  type: string;
  embedded: boolean;
}

export function pdfFonts(file: string): FontRow[] {
  const out = execFileSync('pdffonts', [file], { encoding: 'utf8' });
  return out
    .split('\n')
    .slice(2)
    .filter((l) => l.trim())
    .map((l) => {
      // name, type (may contain spaces), encoding, emb, sub, uni, object, id
      const m = /^(\S+)\s+(.+?)\s{2,}(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$/.exec(l);
      if (!m) throw new Error(`unexpected pdffonts line: ${l}`);
      return { name: m[1]!, type: m[2]!.trim(), embedded: m[4] === 'yes' };
    });
}

export function pdfPageSizes(file: string): { width: number; height: number }[] {
  const out = execFileSync('pdfinfo', ['-f', '1', '-l', '999', file], { encoding: 'utf8' });
  return [...out.matchAll(/Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts/g)].map((m) => ({ width: Number(m[1]), height: Number(m[2]) }));
}

export function qpdfCheck(file: string): { ok: boolean; output: string } {
  const r = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
  // exit 0 = fine, 3 = warnings, 2 = errors
  return { ok: r.status === 0, output: r.stdout + r.stderr };
}

/** Characters of `expected` (non-whitespace) missing from `actual`, counted as a multiset. */
export function missingCharacters(expected: string, actual: string): string[] {
  const have = new Map<string, number>();
  for (const ch of actual.normalize('NFC').replace(/\s+/g, '')) have.set(ch, (have.get(ch) ?? 0) + 1);
  const missing: string[] = [];
  for (const ch of expected.normalize('NFC').replace(/\s+/g, '')) {
    const n = have.get(ch) ?? 0;
    if (n === 0) missing.push(ch);
    else have.set(ch, n - 1);
  }
  return missing;
}
