/**
 * Templates are data: templates/<name>/{template.json, style.css, and optionally
 * page.html}; what all templates share is in templates/_shared/ (page.html,
 * newspaper.css, typography.css).
 * Loading one validates its settings with the same schema module as the rest.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TemplateConfigSchema, type TemplateConfig } from '../config/index.ts';

export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface Template {
  config: TemplateConfig;
  dir: string;
  pageHtml: string;
}

export function templateNames(): string[] {
  return readdirSync(TEMPLATES_DIR).filter((n) => !n.startsWith('_') && existsSync(path.join(TEMPLATES_DIR, n, 'template.json')));
}

export async function loadTemplate(name: string): Promise<Template | { error: string }> {
  if (!/^[a-z0-9-]+$/i.test(name) || !existsSync(path.join(TEMPLATES_DIR, name, 'template.json'))) {
    return { error: `unknown template "${name}": choose one of ${templateNames().join(', ')}` };
  }
  const dir = path.join(TEMPLATES_DIR, name);
  const raw = JSON.parse(readFileSync(path.join(dir, 'template.json'), 'utf8'));
  const config = TemplateConfigSchema.parse(raw);
  const own = path.join(dir, 'page.html');
  const pageHtml = readFileSync(existsSync(own) ? own : path.join(TEMPLATES_DIR, '_shared', 'page.html'), 'utf8');
  return { config, dir, pageHtml };
}
