/** A fresh folder for one test's files under .tmp/<area>/ (kept after the run, for looking at). */
import { mkdirSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function scratchIn(area: string, name: string): string {
  const base = path.join(ROOT, '.tmp', area);
  mkdirSync(base, { recursive: true });
  return mkdtempSync(path.join(base, `${name}-`));
}
