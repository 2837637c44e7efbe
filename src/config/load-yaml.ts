/**
 * Parse YAML and validate it against a schema, turning every problem into a
 * diagnostic that points at the line and column of the offending key or value.
 */
import { LineCounter, parseDocument, isMap, isScalar, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { PAGE_SIZES } from './schema.ts';
import { diagnostic, type Diagnostic } from '../diagnostics/index.ts';

export interface YamlResult<T> {
  value: T | undefined;
  /** the YAML as plain data, even when it does not match the schema (undefined when the syntax is broken) */
  raw?: unknown;
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
    const message = firstLine(error.message);
    // The parser notices an unclosed quote or bracket only where the text ends;
    // point at the opening mark instead, which is where the editor must look.
    const opener = /Missing closing (["'])quote/.exec(message)?.[1] ?? /end with an? ([\]}])/.exec(message)?.[1];
    if (opener) {
      const open = opener === ']' ? '[' : opener === '}' ? '{' : opener;
      const start = text.lastIndexOf(open, error.pos[0] - 1);
      if (start !== -1) {
        const what = open === '[' ? 'a list opened with [ is not closed with ]' : open === '{' ? 'a mapping opened with { is not closed with }' : `a value opened with ${open} is not closed with ${open}`;
        diagnostics.push(diagnostic(file, at(start), 'error', 'yaml-syntax', `broken YAML: ${what}; add the closing mark or remove this one`));
        continue;
      }
    }
    diagnostics.push(diagnostic(file, at(error.pos[0]), 'error', 'yaml-syntax', `broken YAML: ${message}; fix the syntax here`));
  }
  if (diagnostics.length > 0) return { value: undefined, diagnostics };

  const data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data, raw: data, diagnostics };

  for (const issue of flattenIssues(result.error.issues, [])) {
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
    const value = path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), data);
    diagnostics.push(diagnostic(file, place, 'error', 'schema-invalid', `${name}: ${describeIssue(issue, schemaAt(schema, path), path, value)}`));
  }
  return { value: undefined, diagnostics };
}

/**
 * A union whose value matched one branch's type but failed inside it (a
 * placement mapping with a wrong `columns`) is reported at the inner problem,
 * not as "wrong form" for the whole union.
 */
function flattenIssues(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[]): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union') {
      const deeper = (issue.errors ?? []).find((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
      if (deeper) {
        out.push(...flattenIssues(deeper, path));
        continue;
      }
    }
    out.push({ ...issue, path } as z.core.$ZodIssue);
  }
  return out;
}

/** What a user should write, for keys whose form a type name does not explain. */
const FORMS: Record<string, string> = {
  authors: 'a name or a list of names (authors: 张三, or authors: [张三, 李四])',
  keywords: 'a list of words (keywords: [公安, 株洲])',
  size: `one of ${Object.keys(PAGE_SIZES).join(', ')}, or a size in millimetres ({ width: 390, height: 545 })`,
  number: 'a page number (1) or a page label ("A1")',
  continueOn: 'a page number (2) or a page label ("A2")',
  date: 'a date written YYYY-MM-DD (2024-05-01)',
  pages: 'a list of pages, each a mapping with number, name and articles',
  articles: 'a list of article files (- lead.md), each a file name or a mapping with file: and placement keys',
  typography: 'a mapping of typography settings (strictness, hanLatinSpace, lineEndHalfWidth, fullWidthPunctuation)',
  margin: 'a mapping { top, right, bottom, left } in millimetres',
};

function expectedForm(schema: unknown, path: (string | number)[]): string {
  const key = path[path.length - 1];
  if (typeof key === 'string' && FORMS[key]) return FORMS[key]!;
  if (typeof key === 'number' && path[path.length - 2] === 'articles') return 'a file name (lead.md) or a mapping with file: and placement keys';
  if (typeof key === 'number' && path[path.length - 2] === 'pages') return 'a page: a mapping with number, name and articles';
  return describeSchema(schema) ?? 'another form (see README "The manuscript format")';
}

/** A plain-words description of a zod schema: "a whole number", "true or false". */
function describeSchema(schema: unknown, depth = 0): string | undefined {
  const s = unwrapOptional(schema) as { def?: Record<string, unknown> } | undefined;
  const def = s?.def;
  if (!def || depth > 3) return undefined;
  switch (def.type) {
    case 'string':
      return 'a text';
    case 'number':
      return (def.checks as { _zod?: { def?: { check?: string; format?: string } } }[] | undefined)?.some((c) => c._zod?.def?.format === 'safeint')
        ? 'a whole number'
        : 'a number';
    case 'boolean':
      return 'true or false';
    case 'date':
      return 'a date (YYYY-MM-DD)';
    case 'enum':
      return `one of ${Object.values(def.entries as Record<string, string>).join(', ')}`;
    case 'array': {
      const inner = describeSchema(def.element, depth + 1);
      return inner ? `a list, each ${inner}` : 'a list';
    }
    case 'object':
      return `a mapping with keys ${Object.keys(def.shape as object).join(', ')}`;
    case 'union':
      return (def.options as unknown[]).map((o) => describeSchema(o, depth + 1) ?? '?').join(', or ');
    default:
      return undefined;
  }
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return `the date ${value.toISOString().slice(0, 10)}`;
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function describeIssue(issue: z.core.$ZodIssue, schema: unknown, path: (string | number)[], value: unknown): string {
  const form = expectedForm(schema, path);
  if (issue.code === 'invalid_type' && value === undefined) return `is missing: write ${form}`;
  if (issue.code === 'invalid_type' || issue.code === 'invalid_union') return `expected ${form}, got ${describeValue(value)}`;
  if (issue.code === 'invalid_value') {
    const values = (issue.values ?? []).map(String);
    const near = typeof value === 'string' ? nearest(value, values) : undefined;
    return `expected one of ${values.join(', ')}, got ${describeValue(value)}${near ? `: did you mean "${near}"?` : ''}`;
  }
  if (issue.code === 'invalid_format') return `${issue.message} (got ${describeValue(value)})`;
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const custom = !/^Too (small|big)/.test(issue.message);
    if (custom) return issue.message;
    const bound = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
    if (issue.origin === 'string') return `must not be empty`;
    return `must be ${bound}${issue.origin === 'array' ? ' items' : ''}, got ${describeValue(value)}`;
  }
  return issue.message;
}

function schemaAt(schema: unknown, path: (string | number)[]): unknown {
  let current: unknown = schema;
  for (const step of path) {
    const s = unwrap(current) as { def?: Record<string, unknown> } | undefined;
    const def = s?.def;
    if (!def) return undefined;
    if (def.type === 'object') current = (def.shape as Record<string, unknown>)[String(step)];
    else if (def.type === 'array') current = def.element;
    else return undefined;
  }
  return current;
}

function unwrapOptional(schema: unknown): unknown {
  let s = schema as { def?: { type?: string; innerType?: unknown } } | undefined;
  for (let i = 0; i < 10 && s?.def; i++) {
    if (s.def.type === 'optional' || s.def.type === 'default' || s.def.type === 'nullable') s = s.def.innerType as typeof s;
    else break;
  }
  return s;
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
