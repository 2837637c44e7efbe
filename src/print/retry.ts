/**
 * A press deadline does not wait for a crashed browser: print a page, and if
 * Chromium crashes, hangs or disconnects, throw that browser away and print
 * the page once more on a fresh one. A second failure is a PrintFailure with
 * a message a user can act on.
 */
import type { BrowserSession } from './browser.ts';
import { ChromeNotFoundError } from './find-chrome.ts';
import { printPage, type PrintJob, type PrintResult } from './print-page.ts';

export class PrintFailure extends Error {
  constructor(
    readonly job: string,
    readonly causes: string[],
  ) {
    super(
      `printing ${job.replace(/^\/page\/(\d+)\.html$/, 'page $1')} failed twice (${causes.join('; then: ')}): Chromium crashed or hung, or the layout could not finish. ` +
        'Nothing was written. Try again; if it keeps failing, check free memory (a very large page) or run with BANMIAN_DEBUG=1',
    );
    this.name = 'PrintFailure';
  }
}

export async function printPageWithRetry<R = unknown>(
  session: BrowserSession,
  job: PrintJob,
  onRetry?: (error: Error) => void,
): Promise<PrintResult<R> & { retried: boolean }> {
  try {
    return { ...(await printPage<R>(session, job)), retried: false };
  } catch (first) {
    if (session.isClosed()) throw first; // interrupted (Ctrl-C): do not start another browser
    if (first instanceof ChromeNotFoundError) throw first; // nothing to retry: no browser installed
    onRetry?.(first as Error);
    await session.restart();
    try {
      return { ...(await printPage<R>(session, job)), retried: true };
    } catch (second) {
      await session.restart();
      if (session.isClosed()) throw second;
      throw new PrintFailure(job.path, [short(first), short(second)]);
    }
  }
}

function short(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!.slice(0, 160);
}
