/** Problems found while building, each with a position a user can jump to. */
export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  file: string;
  line: number | null;
  column: number | null;
  severity: Severity;
  ruleId: string;
  message: string;
}

/** An error that stops the build but is the manuscript's fault, not a crash. */
export class ManuscriptError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'ManuscriptError';
  }
}

/** A wrong command line: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function diagnostic(
  file: string,
  position: { line?: number | null; column?: number | null } | undefined,
  severity: Severity,
  ruleId: string,
  message: string,
): Diagnostic {
  return { file, line: position?.line ?? null, column: position?.column ?? null, severity, ruleId, message };
}

export function formatDiagnostic(d: Diagnostic): string {
  const place = d.line == null ? d.file : `${d.file}:${d.line}:${d.column ?? 1}`;
  return `${place} ${d.severity} ${d.message} [${d.ruleId}]`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Stable order: by file, then line, then column. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}
