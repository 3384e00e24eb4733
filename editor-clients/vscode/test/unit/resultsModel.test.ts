/** The results view's pure parts: form to search arguments, grouping, copy text, snapshot, page. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { SearchResult } from '../../src/protocol';
import { searchArguments } from '../../src/query';
import {
  EMPTY_FORM,
  formatScore,
  formQuery,
  groupByFile,
  pathLine,
  readSnapshot,
  resultsMessage,
  sanitizeForm,
} from '../../src/resultsModel';
import { renderSearchFormHtml, SearchFormStrings } from '../../src/searchFormHtml';

function result(path: string, line: number, score: number, overrides: Partial<SearchResult> = {}): SearchResult {
  return {
    uri: `file:///ws/${path}`,
    path,
    range: { start: { line, character: 0 }, end: { line: line + 5, character: 0 } },
    snippet: `def f${line}():\n    pass\n`,
    score,
    symbol: `f${line}`,
    symbolKind: 12,
    language: 'python',
    lastModified: '2026-11-01T00:00:00Z',
    size: 100,
    similar: 0,
    ...overrides,
  };
}

const english = { t: (message: string, ...args: Array<string | number | boolean>) => message.replace(/\{(\d+)\}/g, (_m, i) => String(args[Number(i)])) };

describe('formQuery', () => {
  it('adds the controls to what the box says', () => {
    const parsed = formQuery({
      ...EMPTY_FORM,
      query: 'retry lang:go',
      mode: 'semantic',
      languages: 'py, ts',
      paths: 'src/**',
      exclude: 'tests/**, docs/**',
      kinds: 'Function,12',
      content: 'test',
      expand: true,
    });
    assert.deepEqual(searchArguments(parsed, 30), {
      query: 'retry',
      limit: 30,
      mode: 'semantic',
      languages: ['go', 'python', 'typescript'],
      paths: ['src/**'],
      exclude: ['tests/**', 'docs/**'],
      kinds: ['function', 12],
      content: ['tests'],
      expand: true,
    });
  });

  it('lets a typed mode prefix win over the mode control', () => {
    assert.equal(formQuery({ ...EMPTY_FORM, query: '/l retry', mode: 'semantic' }).mode, 'lexical');
  });

  it('sanitizes what the webview posts', () => {
    assert.deepEqual(sanitizeForm({ query: 3, mode: 'rm -rf', expand: 'yes', extra: 1 }), EMPTY_FORM);
    assert.equal(sanitizeForm({ query: 'x'.repeat(5000) }).query.length, 1000);
  });
});

describe('groupByFile', () => {
  it('orders files by their best hit and hits by line', () => {
    const groups = groupByFile([result('b.py', 40, 0.9), result('a.py', 3, 0.8), result('b.py', 2, 0.5)]);
    assert.deepEqual(groups.map((g) => g.path), ['b.py', 'a.py']);
    assert.deepEqual(groups[0].results.map((r) => r.range.start.line), [2, 40]);
    assert.equal(groups[0].best, 0.9);
  });
});

describe('texts', () => {
  it('copies path:line with a 1-based line', () => {
    assert.equal(pathLine(result('src/retry.py', 9, 1)), 'src/retry.py:10');
  });

  it('formats the score with three decimals in the display language', () => {
    assert.equal(formatScore(0.87654, 'en'), '0.877');
    assert.equal(formatScore(0.5, 'tr'), '0,500');
  });

  it('says how far indexing has come when the answer is partial', () => {
    assert.equal(
      resultsMessage({ results: 3, files: 2, total: 7, indexing: true, partial: false, indexedPercent: 45 }, english),
      '3 results in 2 files · 7 in all · partial results, 45% indexed',
    );
    assert.equal(resultsMessage({ results: 0, files: 0, total: 0, indexing: false, partial: false }, english), 'No results');
  });
});

describe('readSnapshot', () => {
  it('keeps valid results and drops the rest', () => {
    const snapshot = readSnapshot({ version: 1, form: { query: 'q' }, results: [result('a.py', 1, 0.5), { uri: 1 }], total: 4, message: 'm' });
    assert.equal(snapshot?.results.length, 1);
    assert.equal(snapshot?.form.query, 'q');
    assert.equal(snapshot?.total, 4);
  });

  it('keeps what Find Related Code was asked for, when it is a result', () => {
    const from = result('retry.py', 10, 1);
    assert.deepEqual(readSnapshot({ version: 1, results: [], relatedTo: 'f', relatedFrom: from })?.relatedFrom, from);
    assert.equal(readSnapshot({ version: 1, results: [], relatedFrom: { uri: 'x' } })?.relatedFrom, undefined);
  });

  it('refuses what is not a snapshot', () => {
    assert.equal(readSnapshot(undefined), undefined);
    assert.equal(readSnapshot({ version: 2, results: [] }), undefined);
    assert.equal(readSnapshot('x'), undefined);
  });
});

describe('renderSearchFormHtml', () => {
  const strings = new Proxy({} as SearchFormStrings, { get: (_t, key) => `<${String(key)}>` });
  const html = renderSearchFormHtml({
    nonce: 'N0NCE',
    cspSource: 'vscode-webview:',
    locale: 'tr',
    strings,
    form: { ...EMPTY_FORM, query: '"><script>alert(1)</script>', mode: 'lexical', kinds: 'class' },
    status: '3 <results>',
  });

  it('escapes the values it shows', () => {
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
    assert.match(html, /3 &lt;results&gt;/);
  });

  it('runs only its own nonce-tagged script', () => {
    assert.match(html, /script-src 'nonce-N0NCE'/);
    assert.equal([...html.matchAll(/<script\b/g)].length, 1);
    assert.match(html, /<script nonce="N0NCE">/);
  });

  it('selects the form mode and opens the filters when one is set', () => {
    assert.match(html, /<option value="lexical" selected>/);
    assert.match(html, /<details id="filters" open>/);
    assert.match(html, /<html lang="tr">/);
  });
});
