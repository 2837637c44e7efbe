/**
 * Write output files all-or-nothing: every file goes to a temporary name in
 * the output folder first, and only when all are written are they renamed
 * into place. A failed or interrupted build leaves the previous files as they
 * were, and never a truncated PDF.
 *
 * Two builds into the same folder take turns: the write phase holds a lock
 * file (.banmian.lock, with the writer's pid), so the set of PDFs in the
 * folder always comes from one build. Ctrl-C during the write is held back
 * until the renames are done, then acted on.
 */
import { randomBytes } from 'node:crypto';
import { close, closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync, writevSync } from 'node:fs';
import path from 'node:path';

export const LOCK_NAME = '.banmian.lock';
/** how long a build waits for another build's write phase before giving up */
const LOCK_WAIT_MS = 60_000;
/** a lock this old is left over from a crash, whatever its pid says */
const LOCK_STALE_MS = 5 * 60_000;

const pending = new Set<string>();
const locks = new Set<string>();
let hooked = false;

function removePending() {
  for (const f of pending) rmSync(f, { force: true });
  pending.clear();
  for (const l of locks) rmSync(l, { force: true });
  locks.clear();
}

/** A file's bytes: text, bytes, or bytes in pieces (written in order with writev, never joined). */
export type FileData = Uint8Array | string | readonly Uint8Array[];

export function writeAtomically(files: { path: string; data: FileData }[]): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', removePending);
  }
  // Hold back SIGINT/SIGTERM while files are renamed; the writes are synchronous,
  // so a handler can only run after them anyway — this makes sure one exists.
  const held: NodeJS.Signals[] = [];
  const hold = (signal: NodeJS.Signals) => void held.push(signal);
  process.on('SIGINT', hold);
  process.on('SIGTERM', hold);
  const dirs = [...new Set(files.map((f) => path.dirname(path.resolve(f.path))))].sort();
  const release: (() => void)[] = [];
  const temps: { temp: string; final: string }[] = [];
  try {
    for (const dir of dirs) {
      mkdirSync(dir, { recursive: true });
      release.push(lockFolder(dir));
    }
    for (const f of files) {
      const temp = path.join(path.dirname(f.path), `.${path.basename(f.path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      pending.add(temp);
      if (typeof f.data === 'string' || f.data instanceof Uint8Array) writeFileSync(temp, f.data);
      else writeParts(temp, f.data);
      temps.push({ temp, final: f.path });
    }
    for (const { temp, final } of temps) {
      const old = holdOpen(final);
      try {
        renameSync(temp, final);
      } finally {
        if (old !== undefined) close(old, () => undefined);
      }
      pending.delete(temp);
    }
  } finally {
    for (const { temp } of temps) {
      if (pending.has(temp)) {
        rmSync(temp, { force: true });
        pending.delete(temp);
      }
    }
    for (const r of release.reverse()) r();
    process.off('SIGINT', hold);
    process.off('SIGTERM', hold);
    // Nobody else listens: act on the held signal the way Node would have.
    const signal = held[0];
    if (signal && process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  }
}

/**
 * A descriptor of the file a rename is about to replace, or undefined. A file renamed over loses its
 * last link, and the rename frees its blocks there and then (3.5 ms of an 8.5 MB edition's rename,
 * measured); held open, it is freed when the descriptor closes, in the thread pool (the rename: 0.35
 * ms). Not on Windows, where an open file cannot be renamed over.
 */
function holdOpen(file: string): number | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    return openSync(file, 'r');
  } catch {
    return undefined; // (not there yet)
  }
}

/** Write `parts` one after the other into a new file (one writev call, more if the system takes fewer bytes). */
function writeParts(file: string, parts: readonly Uint8Array[]): void {
  const fd = openSync(file, 'w');
  try {
    let rest = parts.filter((p) => p.length > 0);
    while (rest.length) {
      // (at most 1024 pieces per call: IOV_MAX)
      let written = writevSync(fd, rest.slice(0, 1024));
      if (written <= 0) throw new Error(`${file}: nothing written`);
      while (rest.length && written >= rest[0]!.length) {
        written -= rest[0]!.length;
        rest = rest.slice(1);
      }
      if (written > 0) rest = [rest[0]!.subarray(written), ...rest.slice(1)];
    }
  } finally {
    closeSync(fd);
  }
}

/** Take the folder's write lock, waiting for another build to finish its write. Returns the release function. */
export function lockFolder(dir: string, waitMs = LOCK_WAIT_MS): () => void {
  const lock = path.join(dir, LOCK_NAME);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      locks.add(lock);
      removeOrphans(dir);
      return () => {
        rmSync(lock, { force: true });
        locks.delete(lock);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = lockOwner(lock);
    if (owner.stale) {
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`another build (pid ${owner.pid ?? '?'}) is writing into ${dir}; if none is running, delete ${lock}`);
    }
    sleep(25);
  }
}

function lockOwner(lock: string): { pid: number | undefined; stale: boolean } {
  try {
    const pid = Number.parseInt(readFileSync(lock, 'utf8'), 10);
    const age = Date.now() - statSync(lock).mtimeMs;
    if (!Number.isFinite(pid)) return { pid: undefined, stale: age > 1000 };
    return { pid, stale: !alive(pid) || age > LOCK_STALE_MS };
  } catch {
    return { pid: undefined, stale: false }; // released between our attempts: just try again
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temporary files of builds that were killed outright (SIGKILL, power loss) mid-write. */
function removeOrphans(dir: string): void {
  for (const name of readdirSync(dir)) {
    const m = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) rmSync(path.join(dir, name), { force: true });
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
