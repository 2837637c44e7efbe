/**
 * A rebuilding process's young garbage, collected while it waits, not in its next build. A build
 * leaves V8's young generation nearly full, and the scavenge that empties it (3–10 ms on the test
 * machine) then fell into the next build's first step, the transform, in 12 of 16 warm rebuilds
 * (measured with --trace-gc). After a build that was given a build cache (`build --watch`, the
 * benchmark's warm rows; build.ts) and after each preview rebuild (preview/server.ts), a minor
 * collection is scheduled for when the event loop is next free: after the caller has its result,
 * while it waits for the next save.
 *
 * V8's `gc()` is not exposed to scripts by default; it is taken from a fresh context after
 * allowing it (`--expose-gc` set at run time, the documented flag). Where that fails, nothing is
 * collected early and V8 collects as before.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

type Gc = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

let gc: Gc | null | undefined;

function collector(): Gc | null {
  if (gc !== undefined) return gc;
  try {
    v8.setFlagsFromString('--expose-gc');
    const found = vm.runInNewContext('typeof gc === "function" ? gc : null') as Gc | null;
    gc = found;
  } catch {
    gc = null;
  }
  return gc;
}

let scheduled: NodeJS.Timeout | undefined;

/** Collect the young generation once the event loop is free (once, however often asked before then). */
export function collectWhenIdle(): void {
  if (scheduled || process.env.BANMIAN_IDLE_GC === '0') return;
  const collect = collector();
  if (!collect) return;
  scheduled = setTimeout(() => {
    scheduled = undefined;
    collect({ type: 'minor' });
  }, 0);
  scheduled.unref();
}
