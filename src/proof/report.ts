/** The proof report: terminal lines, JSON, and an HTML page listing every finding with file:line:col. */
import { escapeHtml } from '../template/index.ts';
import type { Finding } from './findings.ts';

export interface ProofReport {
  ok: boolean;
  proofNumber: number;
  /** when the proof was made (proofs use the clock) */
  time: string;
  edition: { paper: string; date: string; issue: number | null };
  since: string | null;
  outputs: { path: string; kind: 'proof-page' | 'proof' | 'report-html' | 'report-json'; page: string | null }[];
  findings: Finding[];
  /** diagnostics that belong to no page */
  diagnostics: Finding[];
}

const place = (f: Finding) => (f.line == null ? f.file : `${f.file}:${f.line}:${f.column ?? 1}`);

export function formatFinding(f: Finding): string {
  return `${place(f)} ${f.severity} [${f.id}] 第${f.page}版${f.where ? ` ${f.where}` : ''}: ${f.message} [${f.ruleId}]`;
}

export function terminalReport(r: ProofReport): string {
  const lines = [...r.diagnostics, ...r.findings.filter((f) => f.source !== 'change')].map(formatFinding);
  const changes = r.findings.filter((f) => f.source === 'change');
  if (r.since) lines.push(`${changes.length} paragraph(s) changed since ${r.since}${changes.length ? ':' : ''}`, ...changes.map((f) => `  ${place(f)} 第${f.page}版${f.where ? ` ${f.where}` : ''}`));
  const count = (s: string) => r.findings.filter((f) => f.severity === s && f.source !== 'change').length;
  lines.push(`proof ${r.proofNumber}: ${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} note(s)`);
  return lines.join('\n');
}

export function htmlReport(r: ProofReport, links: Record<string, string>): string {
  const row = (f: Finding) => `<tr class="${f.severity} ${f.source}"><td>${f.id}</td><td>${escapeHtml(f.page)}</td><td>${escapeHtml(f.where ?? '')}</td><td><code>${escapeHtml(place(f))}</code></td><td>${f.severity}</td><td><code>${escapeHtml(f.ruleId)}</code></td><td>${escapeHtml(f.message)}</td><td>${links[f.page] ? `<a href="${escapeHtml(links[f.page]!)}">PDF</a>` : ''}</td></tr>`;
  const title = `校样报告 ${r.edition.paper} ${r.edition.date} 第${r.proofNumber}次校样`;
  return `<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:'Noto Sans SC',sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
tr.error td:nth-child(5){color:#c00;font-weight:700}tr.warning td:nth-child(5){color:#d60}tr.change{background:#fff6d0}code{font-size:90%}</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>生成时间 ${escapeHtml(r.time)}${r.since ? ` · 对照 ${escapeHtml(r.since)}` : ''}</p>
<table><thead><tr><th>#</th><th>版</th><th>位置</th><th>文件</th><th>级别</th><th>规则</th><th>说明</th><th></th></tr></thead><tbody>
${[...r.diagnostics, ...r.findings].map(row).join('\n')}
</tbody></table></body></html>`;
}
