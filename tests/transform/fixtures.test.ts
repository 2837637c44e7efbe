/**
 * Fixture tests of the Markdown → HTML stage: every folder in
 * tests/fixtures/transform/<case>/ holds input.md and the expected output.html
 * (and, optionally, messages.json: the diagnostics as "line:column ruleId").
 * Regenerate on purpose with UPDATE_FIXTURES=1.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { VFile } from 'vfile';
import { describe, expect, it } from 'vitest';
import { createProcessor } from '../../src/transform/index.ts';

const root = path.join(import.meta.dirname, '..', 'fixtures', 'transform');
const update = process.env.UPDATE_FIXTURES === '1';

describe('transform fixtures', () => {
  for (const name of readdirSync(root).sort()) {
    const dir = path.join(root, name);
    if (!existsSync(path.join(dir, 'input.md'))) continue;
    it(name, async () => {
      const optionsFile = path.join(dir, 'options.json');
      const options = existsSync(optionsFile) ? JSON.parse(readFileSync(optionsFile, 'utf8')) : {};
      const file = new VFile({ path: path.join(dir, 'input.md'), value: readFileSync(path.join(dir, 'input.md'), 'utf8') });
      const html = String(await createProcessor(options).process(file));
      const messages = file.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}`);
      const htmlFile = path.join(dir, 'output.html');
      const messagesFile = path.join(dir, 'messages.json');
      if (update || !existsSync(htmlFile)) {
        writeFileSync(htmlFile, html);
        if (messages.length || existsSync(messagesFile)) writeFileSync(messagesFile, JSON.stringify(messages, null, 2) + '\n');
      }
      expect(html).toBe(readFileSync(htmlFile, 'utf8'));
      const dataFile = path.join(dir, 'data.json');
      const data = JSON.stringify(file.data.frontMatter ?? null, null, 2) + '\n';
      if (update || !existsSync(dataFile)) writeFileSync(dataFile, data);
      expect(data).toBe(readFileSync(dataFile, 'utf8'));
      const expected = existsSync(messagesFile) ? JSON.parse(readFileSync(messagesFile, 'utf8')) : [];
      expect(messages).toEqual(expected);
    });
  }
});
