/**
 * Parse YAML and validate it against a schema, turning every problem into a
 * diagnostic that points at the line and column of the offending key or value.
 */
import { LineCounter, parseDocument, isMap, isScalar, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { diagnostic, type Diagnostic } from '../diagnostics/index.ts';

export interface YamlResult<T> {
  value: T | undefined;
  diagnostics: Diagnostic[];
}

interface Place {
  line: number;
  column: number;
}

/**
 * @param lineOffset lines before the YAML text in its file (front matter starts on line 2)
 */
export function parseYaml<S extends z.ZodType>(
  text: string,
  schema: S,
  file: string,
  lineOffset = 0,
): YamlResult<z.output<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Place => {
    const p = lineCounter.linePos(offset);
    return { line: p.line + lineOffset, column: p.col };
  };
  const diagnostics: Diagnostic[] = [];
  for (const error of doc.errors) {
    diagnostics.push(
      diagnostic(file, at(error.pos[0]), 'error', 'yaml-syntax', `broken YAML: ${firstLine(error.message)}; fix the syntax here`),
    );
  }
  if (diagnostics.length > 0) return { value: undefined, diagnostics };

  const data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data, diagnostics };

  for (const issue of result.error.issues) {
    const path = issue.path as (string | number)[];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, path);
      for (const key of issue.keys) {
        const near = nearest(key, known);
        const hint = near ? `did you mean "${near}"?` : `known keys: ${known.join(', ')}`;
        diagnostics.push(
          diagnostic(file, keyPlace(doc, path, key, at), 'error', 'schema-unknown-key', `unknown key "${[...path, key].join('.')}": ${hint}`),
        );
      }
      continue;
    }
    const place = valuePlace(doc, path, at);
    const name = path.length ? `"${path.join('.')}"` : 'the document';
    diagnostics.push(diagnostic(file, place, 'error', 'schema-invalid', `${name}: ${describeIssue(issue)}`));
  }
  return { value: undefined, diagnostics };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    const received = (issue as { input?: unknown }).input;
    if (received === undefined) return `is required (expected ${issue.expected})`;
    return `expected ${issue.expected}, got ${typeof received === 'object' ? (Array.isArray(received) ? 'a list' : 'a mapping') : JSON.stringify(received)}`;
  }
  if (issue.code === 'invalid_union') return 'has the wrong type or form; see the README for the allowed forms';
  return issue.message;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function valuePlace(doc: Document, path: (string | number)[], at: (o: number) => Place): Place | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as YamlNode | undefined;
    if (node && (node as { range?: number[] }).range) return at((node as { range: number[] }).range[0]!);
    if (n > 0) {
      const key = keyNode(doc, path.slice(0, n - 1), path[n - 1]!);
      if (key) return at(key);
    }
  }
  return { line: 1 + 0, column: 1 };
}

function keyNode(doc: Document, parentPath: (string | number)[], key: string | number): number | undefined {
  const parent = parentPath.length ? doc.getIn(parentPath, true) : doc.contents;
  if (!isMap(parent)) return undefined;
  for (const pair of parent.items) {
    if (isScalar(pair.key) && pair.key.value === key && pair.key.range) return pair.key.range[0];
  }
  return undefined;
}

function keyPlace(doc: Document, path: (string | number)[], key: string, at: (o: number) => Place): Place | undefined {
  const offset = keyNode(doc, path, key);
  return offset === undefined ? valuePlace(doc, path, at) : at(offset);
}

/** The keys a strict object schema allows at a path, for "did you mean". */
function knownKeys(schema: z.ZodType, path: (string | number)[]): string[] {
  let current: unknown = schema;
  for (const step of path) {
    current = unwrap(current);
    const def = (current as { def?: Record<string, unknown> }).def;
    if (!def) return [];
    if (def.type === 'object') current = (def.shape as Record<string, unknown>)[String(step)];
    else if (def.type === 'array') current = def.element;
    else return [];
  }
  current = unwrap(current);
  const def = (current as { def?: { type?: string; shape?: Record<string, unknown> } }).def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function unwrap(schema: unknown): unknown {
  let s = schema as { def?: { type?: string; innerType?: unknown; options?: unknown[] } } | undefined;
  for (let i = 0; i < 10 && s?.def; i++) {
    if (s.def.type === 'optional' || s.def.type === 'default' || s.def.type === 'nullable') s = s.def.innerType as typeof s;
    else if (s.def.type === 'union') {
      const obj = s.def.options?.find((o) => (o as typeof s)?.def?.type === 'object' || (o as typeof s)?.def?.type === 'array');
      if (!obj) return s;
      s = obj as typeof s;
    } else break;
  }
  return s;
}

export function nearest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
