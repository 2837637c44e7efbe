/** `banmian preview`: live preview on 127.0.0.1, re-laid out on every save. */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { UsageError } from '../diagnostics/index.ts';
import { BrowserSession } from '../print/index.ts';
import { startPreview } from './server.ts';

export { startPreview, type Preview, type PreviewOptions, type RebuildResult } from './server.ts';

export const PREVIEW_HELP = `Usage: banmian preview <input> [--port N] [--no-open] [--chrome PATH]

Serves the laid-out pages on http://127.0.0.1:PORT/ and opens them in the
browser. Saving a manuscript file re-lays out the pages it affects; the
browser updates by itself and keeps its scroll position. Overset and
diagnostics are marked on the page and listed beside it.
  --port N     port to listen on (default 4173; 0 picks a free one)
  --no-open    do not try to open a browser; just print the URL
  --chrome PATH  the Chrome/Chromium that lays out the pages

Stop with Ctrl-C.`;

function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined); // no opener (servers, containers): the URL is printed anyway
    child.unref();
  } catch {
    /* the URL is printed */
  }
}

export async function runPreviewCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '4173' },
      'no-open': { type: 'boolean', default: false },
      chrome: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(PREVIEW_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`preview takes one input, got ${positionals.length}\n\n${PREVIEW_HELP}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a port number, got "${values.port}"`);
  // Ctrl-C stops the preview, which then closes Chromium
  const session = new BrowserSession({ chrome: values.chrome, handleSignals: false });
  const log = (line: string) => console.error(`[${new Date().toLocaleTimeString()}] ${line}`);
  try {
    const preview = await startPreview(positionals[0]!, {
      session,
      port,
      log,
      onListening: (url) => {
        console.log(`preview: ${url}  (Ctrl-C to stop)`);
        if (!values['no-open']) openBrowser(url);
      },
    });
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await preview.close();
    return 0;
  } finally {
    await session.close();
  }
}
