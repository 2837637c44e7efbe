/**
 * BANMIAN_DEBUG=1: one line on stderr per step of a build, with the ms since
 * the process started, to see where a cold build spends its time.
 */
export function trace(message: string): void {
  if (process.env.BANMIAN_DEBUG) console.error(`[banmian +${Math.round(performance.now())}] ${message}`);
}
