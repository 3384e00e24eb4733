import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { StatsResponse } from '../../src/protocol';
import { barChart, escapeHtml, renderStatsHtml, StatsStrings } from '../../src/statsHtml';

const strings: StatsStrings = {
  title: 'Arama Statistics',
  files: 'Files',
  totalSize: 'Total size',
  averageSize: 'Average file size',
  recentFiles: 'Changed in 7 days',
  languagesHeading: 'Files per language',
  queriesHeading: 'Most frequent queries',
  noLanguages: 'No files indexed yet.',
  noQueries: 'No searches yet.',
  languageBar: '{0}: {1} files',
  queryBar: '{0}: searched {1} times',
};

const stats: StatsResponse = {
  files: 1234,
  totalBytes: 3 * 1024 * 1024,
  avgBytes: 2548.7,
  recentFiles7d: 7,
  languages: [
    { language: 'python', files: 800 },
    { language: 'typescript', files: 400 },
    { language: 'go', files: 34 },
  ],
  popularQueries: [
    { query: 'retry with backoff', count: 12 },
    { query: '<script>alert("x")</script>', count: 3 },
  ],
};

function render(data = stats, locale = 'en'): string {
  return renderStatsHtml(data, { nonce: 'NONCE123', cspSource: 'https://webview.test', locale, strings });
}

describe('renderStatsHtml', () => {
  it('has a strict CSP: nothing but its own nonce-tagged style, and no scripts', () => {
    const html = render();
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /style-src 'nonce-NONCE123'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|script-src/);
    assert.match(html, /<style nonce="NONCE123">/);
    assert.doesNotMatch(html, /<script/);
  });

  it('draws one bar per language, the longest for the most files, themed by CSS variables', () => {
    const html = render();
    const languageSvg = html.split('<h2 id="languages">')[1].split('<h2 id="queries">')[0];
    const widths = [...languageSvg.matchAll(/<rect class="bar bar-blue"[^>]* width="(\d+)"/g)].map((m) => Number(m[1]));
    assert.equal(widths.length, 3);
    assert.ok(widths[0] > widths[1] && widths[1] > widths[2], `widths ${widths}`);
    assert.match(html, /\.bar-blue \{ fill: var\(--vscode-charts-blue\); \}/);
    assert.match(html, /fill: var\(--vscode-foreground\)/);
    assert.match(languageSvg, />python</);
    assert.match(languageSvg, /python: 800 files/);
  });

  it('escapes query text', () => {
    const html = render();
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
    assert.match(html, /retry with backoff: searched 12 times/);
  });

  it('formats numbers for the locale', () => {
    assert.match(render(stats, 'en'), />1,234</);
    assert.match(render(stats, 'tr'), />1\.234</);
    assert.match(render(stats, 'en'), />3 MB</);
    assert.match(render(stats, 'en'), />2.5 KB</);
  });

  it('says so when there is nothing to chart', () => {
    const html = render({ ...stats, languages: [], popularQueries: [] });
    assert.doesNotMatch(html, /<svg/);
    assert.match(html, /No files indexed yet\./);
    assert.match(html, /No searches yet\./);
  });
});

describe('barChart', () => {
  it('shortens long labels and keeps zero-value bars visible', () => {
    const svg = barChart(
      [
        { label: 'x'.repeat(60), value: 0 },
        { label: 'b', value: 10 },
      ],
      { title: 't', kind: 'bar-blue', locale: 'en', barLabel: '{0}={1}', maxLabelChars: 20 },
    );
    assert.match(svg, new RegExp(`>${'x'.repeat(19)}…<`));
    assert.match(svg, /width="2" height="18"/);
    assert.equal((svg.match(/<rect /g) ?? []).length, 2);
  });

  it('escapeHtml escapes the five characters', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
