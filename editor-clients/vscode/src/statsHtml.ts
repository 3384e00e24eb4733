/**
 * The Statistics webview's page, built by a pure function: plain SVG bar charts coloured with
 * VS Code's theme variables, no scripts, and a strict Content-Security-Policy whose only allowance
 * is the page's own nonce-tagged style sheet.
 */

import type { StatsResponse } from './protocol';
import { formatBytes, formatCount, truncate } from './format';

export interface StatsStrings {
  title: string;
  files: string;
  totalSize: string;
  averageSize: string;
  recentFiles: string;
  languagesHeading: string;
  queriesHeading: string;
  noLanguages: string;
  noQueries: string;
  /** Accessible summary of a bar, e.g. `{0}: {1} files`; `{0}` label, `{1}` count. */
  languageBar: string;
  queryBar: string;
}

export interface StatsPageOptions {
  nonce: string;
  /** `webview.cspSource`; unused resources are not allowed even from there. */
  cspSource: string;
  locale: string;
  strings: StatsStrings;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

function fill(template: string, ...values: string[]): string {
  return template.replace(/\{(\d+)\}/g, (match, index: string) => values[Number(index)] ?? match);
}

export interface Bar {
  label: string;
  value: number;
}

const ROW = 26;
const BAR_HEIGHT = 18;
const BAR_AREA = 360;
const CHAR_WIDTH = 7.2;

/** A horizontal bar chart; `kind` picks the colour class (`bar-blue`, `bar-purple`). */
export function barChart(
  bars: Bar[],
  options: { title: string; kind: string; locale: string; barLabel: string; maxLabelChars?: number },
): string {
  const maxChars = options.maxLabelChars ?? 28;
  const labels = bars.map((bar) => truncate(bar.label, maxChars));
  const labelWidth = Math.ceil(Math.max(4, ...labels.map((l) => l.length)) * CHAR_WIDTH) + 12;
  const counts = bars.map((bar) => formatCount(bar.value, options.locale));
  const valueWidth = Math.ceil(Math.max(1, ...counts.map((c) => c.length)) * CHAR_WIDTH) + 12;
  const width = labelWidth + BAR_AREA + valueWidth;
  const height = bars.length * ROW + 4;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const rows = bars.map((bar, i) => {
    const y = i * ROW + 2;
    const barWidth = Math.max(2, Math.round((BAR_AREA * bar.value) / max));
    const textY = y + BAR_HEIGHT / 2;
    const summary = fill(options.barLabel, bar.label, counts[i]);
    return [
      `<g class="row" role="listitem" aria-label="${escapeHtml(summary)}">`,
      `<title>${escapeHtml(summary)}</title>`,
      `<text class="label" x="${labelWidth - 8}" y="${textY}" text-anchor="end" dominant-baseline="central">${escapeHtml(labels[i])}</text>`,
      `<rect class="bar ${options.kind}" x="${labelWidth}" y="${y}" width="${barWidth}" height="${BAR_HEIGHT}" rx="2"></rect>`,
      `<text class="value" x="${labelWidth + barWidth + 6}" y="${textY}" dominant-baseline="central">${escapeHtml(counts[i])}</text>`,
      `</g>`,
    ].join('');
  });
  return [
    `<svg class="chart" role="list" aria-label="${escapeHtml(options.title)}" xmlns="http://www.w3.org/2000/svg"`,
    ` width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    ...rows,
    `</svg>`,
  ].join('');
}

export function renderStatsHtml(stats: StatsResponse, options: StatsPageOptions): string {
  const { strings: s, locale, nonce } = options;
  const csp = [
    `default-src 'none'`,
    `style-src 'nonce-${nonce}'`,
    `img-src ${options.cspSource} data:`,
    `font-src ${options.cspSource}`,
  ].join('; ');
  const cards: [string, string][] = [
    [s.files, formatCount(stats.files, locale)],
    [s.totalSize, formatBytes(stats.totalBytes, locale)],
    [s.averageSize, formatBytes(Math.round(stats.avgBytes), locale)],
    [s.recentFiles, formatCount(stats.recentFiles7d, locale)],
  ];
  const languageChart = stats.languages.length
    ? barChart(
        stats.languages.map((l) => ({ label: l.language, value: l.files })),
        { title: s.languagesHeading, kind: 'bar-blue', locale, barLabel: s.languageBar },
      )
    : `<p class="empty">${escapeHtml(s.noLanguages)}</p>`;
  const queryChart = stats.popularQueries.length
    ? barChart(
        stats.popularQueries.map((q) => ({ label: q.query, value: q.count })),
        { title: s.queriesHeading, kind: 'bar-purple', locale, barLabel: s.queryBar, maxLabelChars: 40 },
      )
    : `<p class="empty">${escapeHtml(s.noQueries)}</p>`;
  return `<!DOCTYPE html>
<html lang="${escapeHtml(locale)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(s.title)}</title>
<style nonce="${nonce}">
  body { color: var(--vscode-foreground); background: var(--vscode-editor-background);
         font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 0 20px 20px; }
  h1 { font-size: 1.5em; font-weight: 600; }
  h2 { font-size: 1.15em; font-weight: 600; margin-top: 28px;
       border-bottom: 1px solid var(--vscode-panel-border, transparent); padding-bottom: 4px; }
  .cards { display: flex; flex-wrap: wrap; gap: 12px; }
  .card { border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border, transparent));
          background: var(--vscode-editorWidget-background); border-radius: 4px; padding: 10px 16px; min-width: 140px; }
  .card .number { font-size: 1.6em; font-weight: 600; }
  .card .caption { color: var(--vscode-descriptionForeground); }
  svg.chart { max-width: 100%; height: auto; overflow: visible; }
  svg.chart text { fill: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: 12px; }
  svg.chart text.value { fill: var(--vscode-descriptionForeground); }
  svg.chart .bar-blue { fill: var(--vscode-charts-blue); }
  svg.chart .bar-purple { fill: var(--vscode-charts-purple); }
  svg.chart .row:hover .bar { opacity: 0.8; }
  .empty { color: var(--vscode-descriptionForeground); font-style: italic; }
</style>
</head>
<body>
<h1>${escapeHtml(s.title)}</h1>
<div class="cards">
${cards
  .map(
    ([caption, value]) =>
      `<div class="card"><div class="number">${escapeHtml(value)}</div><div class="caption">${escapeHtml(caption)}</div></div>`,
  )
  .join('\n')}
</div>
<h2 id="languages">${escapeHtml(s.languagesHeading)}</h2>
${languageChart}
<h2 id="queries">${escapeHtml(s.queriesHeading)}</h2>
${queryChart}
</body>
</html>
`;
}
