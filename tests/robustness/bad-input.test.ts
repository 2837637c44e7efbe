/**
 * Every folder in tests/fixtures/errors is one kind of bad input, run through
 * the whole pipeline (build(), with the real Chromium where it gets that far):
 * it must fail with the expected diagnostics (file, line, column, rule, words
 * of the message), write no PDF, and leave the PDFs already in the output
 * folder untouched. Several errors in one manuscript are all reported
 * (several-errors). A few cases also go through the real command line
 * (`banmian build --json`, exit code 1, no stack trace).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/pipeline/index.ts';
import { BrowserSession } from '../../src/print/index.ts';
import { FIXTURES, previousOutputs, runCli, scratch, snapshot } from './helpers.ts';

const session = new BrowserSession();
afterAll(() => session.close());
type Diag = { file: string; line: number | null; column: number | null; severity: string; ruleId: string; message: string };

interface Expected {
  input?: string;
  errors: { file: string; line?: number; column?: number; ruleId: string; message?: string }[];
}

const cases = readdirSync(FIXTURES).filter((n) => existsSync(path.join(FIXTURES, n, 'expected.json'))).sort();

describe('bad input: exit 1, clear positioned errors, nothing written', () => {
  it('has a fixture for every case the issue names', () => {
    for (const name of ['yaml-edition-broken', 'yaml-front-matter-broken', 'unknown-key-edition', 'wrong-type-authors', 'article-missing',
      'image-missing', 'image-not-an-image', 'image-truncated-png', 'image-corrupt-png', 'image-undecodable-svg', 'not-utf8-gbk',
      'not-utf8-utf16-no-bom', 'not-text-binary', 'nul-bytes', 'empty-article', 'unknown-template', 'unknown-page-size',
      'page-without-articles', 'several-errors']) {
      expect(cases).toContain(name);
    }
  });

  it.each(cases)('%s', async (name) => {
    const dir = path.join(FIXTURES, name);
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
    const out = scratch(name);
    const before = previousOutputs(out);
    const result = await build(path.join(dir, expected.input ?? 'input'), { outDir: out, session });
    expect(result.ok).toBe(false);
    expect(result.outputs).toEqual([]);
    checkErrors(result.diagnostics, expected);
    // previous outputs untouched, nothing new (no PDF, no temporary file, no lock)
    expect(snapshot(out)).toEqual(before);
  });

  it.each(['several-errors', 'image-undecodable-svg', 'yaml-edition-broken', 'not-utf8-gbk'])('command line: %s exits 1 with JSON and no stack trace', async (name) => {
    const dir = path.join(FIXTURES, name);
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
    const out = scratch(`cli-${name}`);
    const before = previousOutputs(out);
    const run = await runCli(['build', path.join(dir, expected.input ?? 'input'), '--out', out, '--json']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/); // no stack trace
    const result = JSON.parse(run.stdout) as { ok: boolean; outputs: unknown[]; diagnostics: Diag[] };
    expect(result.ok).toBe(false);
    expect(result.outputs).toEqual([]);
    checkErrors(result.diagnostics, expected);
    expect(snapshot(out)).toEqual(before);
    // the human form: file:line:col severity message [rule]
    const human = await runCli(['build', path.join(dir, expected.input ?? 'input'), '--out', out]);
    expect(human.code).toBe(1);
    const first = expected.errors[0]!;
    expect(human.stderr).toMatch(new RegExp(`${first.file.replace('.', '\\.')}:${first.line ?? ''}`));
    expect(human.stderr).toContain('no PDF was written');
  });
});

function checkErrors(diagnostics: Diag[], expected: Expected): void {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  for (const e of expected.errors) {
    const hit = errors.find((d) => d.ruleId === e.ruleId && d.file.endsWith(e.file) && (e.line === undefined || d.line === e.line));
    expect(hit, `${e.ruleId} at ${e.file}:${e.line} in ${JSON.stringify(errors, null, 1)}`).toBeDefined();
    if (e.column !== undefined) expect(hit!.column).toBe(e.column);
    if (e.message) expect(hit!.message).toContain(e.message);
    // a message says what to do, not only what is wrong
    expect(hit!.message.length).toBeGreaterThan(25);
  }
  expect(errors.length).toBeGreaterThanOrEqual(expected.errors.length);
}

describe('a machine without Chromium', () => {
  it('exits 1 with one line that says what to install, writes nothing, and --json still prints JSON', async () => {
    const out = scratch('no-chrome');
    const before = previousOutputs(out);
    const run = await runCli(['build', path.join(FIXTURES, '..', '..', '..', 'manuscript'), '--out', out], { env: { BANMIAN_CHROME: '/nonexistent/chromium' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('BANMIAN_CHROME');
    expect(run.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    const json = await runCli(['build', path.join(FIXTURES, '..', '..', '..', 'manuscript'), '--out', out, '--json'], { env: { BANMIAN_CHROME: '/nonexistent/chromium' } });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, diagnostics: [{ severity: 'error', ruleId: 'internal-error' }] });
    expect(snapshot(out)).toEqual(before);
  });
});
