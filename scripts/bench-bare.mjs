// The baseline for `npm run bench`: a bare puppeteer-core script that launches the
// same Chromium with the same flags and prints prebuilt HTML pages, nothing else.
// Usage: node scripts/bench-bare.mjs <out-dir> <page.html>...
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const [outDir, ...pages] = process.argv.slice(2);
const profile = mkdtempSync(path.join(os.tmpdir(), 'bench-bare-'));
const browser = await puppeteer.launch({
  executablePath: process.env.BANMIAN_CHROME ?? '/usr/bin/chromium',
  headless: true,
  userDataDir: profile,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', '--font-render-hinting=none', '--disable-frame-rate-limit', '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup'],
});
try {
  const page = await browser.newPage();
  for (const [i, file] of pages.entries()) {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready);
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    writeFileSync(path.join(outDir, `bare-${i + 1}.pdf`), pdf);
  }
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
