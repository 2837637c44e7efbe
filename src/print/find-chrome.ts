/**
 * Which Chrome or Chromium to drive: an explicit path (option), then the
 * BANMIAN_CHROME or PUPPETEER_EXECUTABLE_PATH environment variable, then the
 * usual names on the PATH. Banmian never downloads a browser.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome', 'chrome'];
const FIXED = [
  '/usr/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** No browser to drive: a setup problem, not a crash; never retried. */
export class ChromeNotFoundError extends Error {
  override name = 'ChromeNotFoundError';
}

export function findChrome(explicit?: string): string {
  const chosen = explicit ?? process.env.BANMIAN_CHROME ?? process.env.PUPPETEER_EXECUTABLE_PATH;
  if (chosen) {
    if (executable(chosen)) return chosen;
    throw new ChromeNotFoundError(`the browser "${chosen}" does not exist or cannot be run: check --chrome / BANMIAN_CHROME`);
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of NAMES) {
      const file = path.join(dir, name);
      if (dir && executable(file)) return file;
    }
  }
  for (const file of FIXED) if (executable(file)) return file;
  throw new ChromeNotFoundError(
    'no Chrome or Chromium found: install Debian\'s `chromium` package (apt-get install chromium), or point BANMIAN_CHROME (or --chrome) at your Chrome',
  );
}
