/**
 * Write output files all-or-nothing: every file goes to a temporary name in
 * the output folder first, and only when all are written are they renamed
 * into place. A failed or interrupted build leaves the previous files as they
 * were, and never a truncated PDF.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const pending = new Set<string>();
let hooked = false;

function removePending() {
  for (const f of pending) rmSync(f, { force: true });
  pending.clear();
}

export function writeAtomically(files: { path: string; data: Uint8Array | string }[]): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', removePending);
  }
  const temps: { temp: string; final: string }[] = [];
  try {
    for (const f of files) {
      mkdirSync(path.dirname(f.path), { recursive: true });
      const temp = path.join(path.dirname(f.path), `.${path.basename(f.path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      pending.add(temp);
      writeFileSync(temp, f.data);
      temps.push({ temp, final: f.path });
    }
    for (const { temp, final } of temps) {
      renameSync(temp, final);
      pending.delete(temp);
    }
  } finally {
    for (const { temp } of temps) {
      if (pending.has(temp)) {
        rmSync(temp, { force: true });
        pending.delete(temp);
      }
    }
  }
}
