/**
 * Print one HTML page to PDF bytes: load it through the page server, wait for
 * the fonts, run the layout engine inside the page, then page.pdf(). Returns
 * bytes and the layout report; writing files is the pipeline's business.
 */
import type { Page } from 'puppeteer-core';
import type { BrowserSession } from './browser.ts';
import { createRequestHandler, ORIGIN, type Routes, type ServedLog } from './page-server.ts';

export interface PrintJob {
  /** URL path of the document in routes.documents */
  path: string;
  routes: Routes;
  /** layout engine source (an IIFE defining globalThis.__banmian) and its options */
  layout?: { source: string; options: unknown };
  /** page.pdf outline/tagged options */
  outline?: boolean;
  timeout?: number;
}

export interface PrintResult<R = unknown> {
  pdf: Uint8Array;
  layout: R | undefined;
  requests: ServedLog;
}

export async function printPage<R = unknown>(session: BrowserSession, job: PrintJob): Promise<PrintResult<R>> {
  const browser = await session.get();
  const page = await browser.newPage();
  const timeout = job.timeout ?? 60_000;
  try {
    return await withTimeout(runJob<R>(page, job, timeout), timeout * 2, `printing ${job.path}`);
  } finally {
    await page.close().catch(() => undefined);
  }
}

async function runJob<R>(page: Page, job: PrintJob, timeout: number): Promise<PrintResult<R>> {
  const requests: ServedLog = { blocked: [], served: [] };
  page.setDefaultTimeout(timeout);
  // Manuscript HTML never runs script: CSP in the template forbids it and script execution is off.
  // The layout engine runs through the DevTools protocol, which neither affects.
  await page.setJavaScriptEnabled(false);
  await page.setRequestInterception(true);
  page.on('request', createRequestHandler(job.routes, requests));
  await page.goto(ORIGIN + job.path, { waitUntil: 'load', timeout });
  await page.evaluate(async () => {
    await document.fonts.ready;
  });
  let layout: R | undefined;
  if (job.layout) {
    await page.evaluate(job.layout.source);
    layout = (await page.evaluate(
      (options) => (globalThis as unknown as { __banmian: { layout(o: unknown): unknown } }).__banmian.layout(options),
      job.layout.options as never,
    )) as R;
    await page.evaluate(async () => {
      await document.fonts.ready;
    });
  }
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true, outline: job.outline ?? false, tagged: true, timeout });
  return { pdf, layout, requests };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
    }),
  ]);
}
