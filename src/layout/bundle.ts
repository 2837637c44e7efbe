/**
 * Bundle the in-page engine (browser/index.ts and what it imports) into one
 * script string with esbuild, once per process.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

let cached: Promise<string> | undefined;

export function layoutEngineSource(): Promise<string> {
  cached ??= build({
    entryPoints: [fileURLToPath(new URL('../layout/browser/index.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    target: 'chrome120',
    write: false,
    minify: false,
    legalComments: 'none',
  }).then((r) => r.outputFiles[0]!.text);
  return cached;
}
