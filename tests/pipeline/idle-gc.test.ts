/**
 * A rebuilding process collects its young garbage once the event loop is free (src/pipeline/idle-gc.ts):
 * a forced minor collection, seen through Node's own garbage-collection performance entries.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { collectWhenIdle } from '../../src/pipeline/idle-gc.ts';

/** the forced minor collections within `ms` after `run`: how many, and how many began before `run` returned */
async function forcedMinorAfter(run: () => void, ms = 200): Promise<{ count: number; during: number }> {
  const seen: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => seen.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  run();
  const returned = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  observer.disconnect();
  const forced = seen.filter((e) => {
    const detail = (e as PerformanceEntry & { detail?: { kind: number; flags: number } }).detail;
    return detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR && (detail.flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0;
  });
  return { count: forced.length, during: forced.filter((e) => e.startTime < returned).length };
}

describe('collecting when idle', () => {
  it('runs one forced minor collection after the caller has its result, however often it is asked', async () => {
    const seen = await forcedMinorAfter(() => {
      collectWhenIdle();
      collectWhenIdle();
      collectWhenIdle();
    });
    expect(seen).toEqual({ count: 1, during: 0 });
  });

  it('collects nothing when asked not to (BANMIAN_IDLE_GC=0)', async () => {
    process.env.BANMIAN_IDLE_GC = '0';
    try {
      expect((await forcedMinorAfter(() => collectWhenIdle())).count).toBe(0);
    } finally {
      delete process.env.BANMIAN_IDLE_GC;
    }
  });
});
