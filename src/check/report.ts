/** Pass/fail figures for each rule and the human-readable report. */
import type { CheckReport, LineRef, RuleResult } from './types.ts';

const fmt = (n: number | null, digits = 3) => (n === null ? '–' : String(Number(n.toFixed(digits))));
const pct = (n: number | null) => (n === null ? '–' : `${n}%`);

/** Han–Latin spacing should be about 1/4 em once justification is taken out. */
export const HAN_LATIN_RANGE = { meanMin: 0.2, meanMax: 0.3, min: 0.1, max: 0.4 };

export function evaluateRules(r: Omit<CheckReport, 'rules' | 'passed'>): RuleResult[] {
  const p = r.prohibitions;
  const e = r.lineEndPunctuation;
  const l = r.looseLines;
  const h = r.hanLatin;
  const g = r.baselineGrid;
  const rules: RuleResult[] = [
    {
      id: 'prohibitions',
      title: 'Line start/end prohibitions (避头尾)',
      figure: `${p.lineStart} line-start, ${p.lineEnd} line-end, ${p.splitDash} split ——, ${p.splitEllipsis} split …… (${p.lines} lines)`,
      passed: p.total === 0,
      measured: p.lines > 0,
    },
    {
      id: 'line-end-half-width',
      title: 'Line-end marks set half-width',
      figure: `${pct(e.percentHalfWidth)} half-width (${e.halfWidth} of ${e.total}); required ≥ 90%`,
      passed: e.total === 0 || (e.percentHalfWidth ?? 0) >= 90,
      measured: e.total > 0,
    },
    {
      id: 'loose-lines',
      title: `Loose lines (> ${l.thresholdEm} em extra per gap)`,
      figure: `${pct(l.percentLoose)} loose (${l.loose} of ${l.fullLines} full lines), mean ${fmt(l.meanExtraPerGapEm)} em/gap; allowed ≤ 5%`,
      passed: l.fullLines === 0 || (l.percentLoose ?? 0) <= 5,
      measured: l.fullLines > 0,
    },
    {
      id: 'han-latin',
      title: 'Han–Latin spacing',
      figure:
        `${h.pairs} pairs, net mean ${fmt(h.netMeanEm)} em (min ${fmt(h.netMinEm)}, max ${fmt(h.netMaxEm)}; ` +
        `raw mean ${fmt(h.meanEm)}), ${h.nextToPunctuation} next to punctuation, ${h.atLineStart} at line start, ${h.atLineEnd} at line end; want 1/4 em`,
      passed:
        h.nextToPunctuation === 0 &&
        h.atLineStart === 0 &&
        h.atLineEnd === 0 &&
        (h.pairs === 0 ||
          ((h.netMeanEm ?? 0) >= HAN_LATIN_RANGE.meanMin &&
            (h.netMeanEm ?? 0) <= HAN_LATIN_RANGE.meanMax &&
            (h.netMinEm ?? 0) >= HAN_LATIN_RANGE.min &&
            (h.netMaxEm ?? 0) <= HAN_LATIN_RANGE.max)),
      measured: h.pairs > 0,
    },
    {
      id: 'orphans',
      title: 'One-character last lines (孤字)',
      figure: `${r.orphans.count}`,
      passed: r.orphans.count === 0,
      measured: r.pages.some((pg) => pg.lines > 0),
    },
    {
      id: 'baseline-grid',
      title: 'Body lines on the baseline grid',
      figure: `${pct(g.percentOffGrid)} off the grid (${g.offGrid} of ${g.bodyLines} body lines; pitch ${g.pages.map((x) => fmt(x.pitch, 2)).join('/')} pt)`,
      passed: g.offGrid === 0,
      measured: g.bodyLines > 0,
    },
    {
      id: 'fonts',
      title: 'Fonts embedded, no Type 3',
      figure: `${r.fonts.violations.length} bad of ${r.fonts.fonts.length} fonts`,
      passed: r.fonts.violations.length === 0,
      measured: r.fonts.fonts.length > 0,
    },
    {
      id: 'outside-page',
      title: 'Text outside the page',
      figure: `${r.outsidePage.count} glyphs`,
      passed: r.outsidePage.count === 0,
      measured: true,
    },
    {
      id: 'overlaps',
      title: 'Overlapping text',
      figure: `${r.overlaps.count} glyph pairs`,
      passed: r.overlaps.count === 0,
      measured: true,
    },
  ];
  if (r.text) {
    rules.push({
      id: 'text',
      title: 'Text lost/added vs manuscript',
      figure: `${r.text.missingTotal} missing, ${r.text.extraTotal} extra (${r.text.pdfChars} PDF / ${r.text.manuscriptChars} manuscript chars)`,
      passed: r.text.missingTotal === 0 && r.text.extraTotal === 0,
      measured: true,
    });
  }
  return rules;
}

function where(l: LineRef): string {
  return `p${l.page}${l.column === null ? '' : ` c${l.column}`} l${l.line}`;
}

function clip(s: string, n = 40): string {
  const a = [...s];
  return a.length > n ? `${a.slice(0, n).join('')}…` : s;
}

/** A plain-text report: one row per rule, then the details of the failures. */
export function formatReport(r: CheckReport, maxItems = 10): string {
  const out: string[] = [];
  out.push(`banmian check: ${r.file} (${r.pageCount} page${r.pageCount === 1 ? '' : 's'})`);
  const w = Math.max(...r.rules.map((x) => x.title.length));
  for (const rule of r.rules) {
    const mark = rule.passed ? (rule.measured ? 'ok  ' : 'n/a ') : 'FAIL';
    out.push(`  ${mark}  ${rule.title.padEnd(w)}  ${rule.figure}`);
  }
  const section = (title: string, items: string[], total: number) => {
    if (items.length === 0) return;
    out.push('', `${title}:`);
    for (const it of items.slice(0, maxItems)) out.push(`  ${it}`);
    if (total > maxItems) out.push(`  … ${total - maxItems} more`);
  };
  const p = r.prohibitions.violations;
  section('Prohibition violations', p.map((v) => `${where(v)}  ${v.kind} ${v.char}  ${clip(v.text)}`), p.length);
  const e = r.lineEndPunctuation.fullWidthLines;
  section('Line-end marks at full width', e.map((v) => `${where(v)}  ${v.char} ${v.distanceEm} em from edge  ${clip(v.text)}`), e.length);
  const l = r.looseLines.worst;
  section('Loosest lines', l.map((v) => `${where(v)}  ${v.extraPerGapEm} em/gap  ${clip(v.text)}`), r.looseLines.loose);
  const o = r.orphans.lines;
  section('One-character last lines', o.map((v) => `${where(v)}  ${v.text}  `), o.length);
  const g = r.baselineGrid.examples;
  section('Body lines off the grid', g.map((v) => `${where(v)}  ${v.offsetPt} pt off  ${clip(v.text)}`), r.baselineGrid.offGrid);
  const f = r.fonts.violations;
  section('Bad fonts', f.map((v) => `${v.name} (${v.type}): ${v.reason}`), f.length);
  const x = r.outsidePage.glyphs;
  section('Text outside the page', x.map((v) => `p${v.page} ${v.char} at (${v.x}, ${v.y})`), r.outsidePage.count);
  const ov = r.overlaps.pairs;
  section('Overlapping text', ov.map((v) => `p${v.page} ${v.a.char}/${v.b.char} at (${v.a.x}, ${v.a.y}) ${Math.round(v.ratio * 100)}%  ${clip(v.a.line, 20)} | ${clip(v.b.line, 20)}`), r.overlaps.count);
  if (r.text) {
    const t = r.text;
    if (t.missingTotal > 0) {
      const items = [t.missing.map((c) => `${c.char}×${c.count}`).join(' '), ...t.missingContexts];
      section('Missing from the PDF', items, items.length);
    }
    if (t.extraTotal > 0) {
      const items = [t.extra.map((c) => `${c.char}×${c.count}`).join(' '), ...t.extraContexts];
      section('Extra in the PDF', items, items.length);
    }
  }
  out.push('', r.passed ? 'All rules met.' : `${r.rules.filter((x) => !x.passed).length} rule(s) broken.`);
  return out.join('\n');
}
