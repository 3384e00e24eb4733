import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  baseName,
  escapeCodicons,
  firstSnippetLine,
  formatBytes,
  formatCount,
  indexingPercentage,
  presentResult,
  similarText,
  symbolKindIcon,
  truncate,
} from '../../src/format';
import type { SearchResult, StatusResponse } from '../../src/protocol';

function result(overrides: Partial<SearchResult> = {}): SearchResult {
  return {
    uri: 'file:///ws/retry.py',
    path: 'retry.py',
    range: { start: { line: 9, character: 0 }, end: { line: 24, character: 0 } },
    snippet: '\n\ndef retry_request(url, attempts=5):\n    """Retry with exponential backoff."""\n',
    score: 0.8,
    symbol: 'retry_request',
    symbolKind: 12,
    language: 'python',
    lastModified: '2026-11-01T00:00:00Z',
    size: 900,
    similar: 0,
    ...overrides,
  };
}

describe('presentResult', () => {
  it('shows symbol with its codicon, path:line (1-based) and the first snippet line', () => {
    assert.deepEqual(presentResult(result()), {
      label: '$(symbol-function) retry_request',
      description: 'retry.py:10',
      detail: 'def retry_request(url, attempts=5):',
      icon: 'symbol-function',
    });
  });

  it('falls back to the file name when there is no symbol', () => {
    const view = presentResult(result({ symbol: null, symbolKind: null, path: 'docs/guide/README.md' }));
    assert.equal(view.label, '$(file-code) README.md');
    assert.equal(view.description, 'docs/guide/README.md:10');
  });

  it('maps symbol kinds to codicons', () => {
    assert.equal(symbolKindIcon(5), 'symbol-class');
    assert.equal(symbolKindIcon(6), 'symbol-method');
    assert.equal(symbolKindIcon(23), 'symbol-struct');
    assert.equal(symbolKindIcon(26), 'symbol-type-parameter');
    assert.equal(symbolKindIcon(0), 'file-code');
    assert.equal(symbolKindIcon(99), 'file-code');
    assert.equal(symbolKindIcon(null), 'file-code');
    assert.equal(presentResult(result({ symbolKind: 6, symbol: 'ShoppingCart.totalPrice' })).label, '$(symbol-method) ShoppingCart.totalPrice');
  });

  it('adds "+N similar" to the description when definitions were folded into the result', () => {
    assert.equal(presentResult(result({ similar: 2 })).description, 'retry.py:10 · +2 similar');
    assert.equal(presentResult(result({ similar: 3 }), (n) => `+${n} benzer`).description, 'retry.py:10 · +3 benzer');
    assert.equal(presentResult(result({ similar: 0 })).description, 'retry.py:10');
    assert.equal(similarText(1), '+1 similar');
    // A version-1 server writes no `similar`.
    const { similar: _omit, ...older } = result();
    assert.equal(presentResult(older as SearchResult).description, 'retry.py:10');
  });

  it('escapes codicon syntax coming from the code', () => {
    const view = presentResult(result({ symbol: 'f$(x)', snippet: 'echo $(date)' }));
    assert.equal(view.label, '$(symbol-function) f\\$(x)');
    assert.equal(view.detail, 'echo \\$(date)');
    assert.equal(escapeCodicons('no icons'), 'no icons');
  });
});

describe('text helpers', () => {
  it('takes the first non-blank snippet line, collapsed and shortened', () => {
    assert.equal(firstSnippetLine('\r\n   \r\n\tfunction  debounce(fn, ms) {\r\n'), 'function debounce(fn, ms) {');
    assert.equal(firstSnippetLine(''), '');
    assert.equal(firstSnippetLine('x'.repeat(200), 10), `${'x'.repeat(9)}…`);
  });

  it('prefers the line naming the symbol, then a line with words in it', () => {
    const snippet = '/**\n * Returns a debounced function.\n */\nfunction debounce(fn, wait) {\n';
    assert.equal(firstSnippetLine(snippet, 120, 'debounce'), 'function debounce(fn, wait) {');
    assert.equal(firstSnippetLine(snippet, 120, 'Utils.debounce'), 'function debounce(fn, wait) {');
    assert.equal(firstSnippetLine(snippet), '* Returns a debounced function.');
    assert.equal(firstSnippetLine(snippet, 120, 'absent'), '* Returns a debounced function.');
    assert.equal(firstSnippetLine('"""\n"""'), '"""');
    assert.equal(firstSnippetLine('/**\n * Türkçe açıklama\n */'), '* Türkçe açıklama');
    // A comment naming the symbol does not win over the definition.
    assert.equal(firstSnippetLine('# retry_request retries.\ndef retry_request():', 120, 'retry_request'), 'def retry_request():');
    assert.equal(firstSnippetLine('fn sıcaklık() {}', 120, 'sıcaklık'), 'fn sıcaklık() {}');
    assert.equal(firstSnippetLine('x = a$b + 1', 120, 'a$b'), 'x = a$b + 1');
  });

  it('truncates', () => {
    assert.equal(truncate('abc', 3), 'abc');
    assert.equal(truncate('abcd', 3), 'ab…');
  });

  it('finds base names', () => {
    assert.equal(baseName('a/b/c.ts'), 'c.ts');
    assert.equal(baseName('c.ts'), 'c.ts');
    assert.equal(baseName('a\\b\\çalışma_dosyası.py'), 'çalışma_dosyası.py');
  });

  it('formats counts and sizes by locale', () => {
    assert.equal(formatCount(1234), '1,234');
    assert.equal(formatCount(1234567, 'tr'), '1.234.567');
    assert.equal(formatCount(5, 'not a locale!'), '5');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(1536, 'tr'), '1,5 KB');
    assert.equal(formatBytes(5 * 1024 * 1024), '5 MB');
  });
});

describe('indexingPercentage', () => {
  const base: StatusResponse = {
    state: 'indexing',
    files: 10,
    chunks: 200,
    pendingFiles: 0,
    pendingChunks: 150,
    embeddedChunks: 50,
    pendingNames: 0,
    model: 'm',
    cache: { path: '/cache', entries: 0, hits: 0, misses: 0 },
    workspaceFolders: [],
    tunedFolders: [],
    skippedFiles: {},
    recovered: [],
    updates: { batches: 0, paths: 0 },
  };

  it('is the share of embedded chunks, below 100 until ready', () => {
    assert.equal(indexingPercentage(base), 25);
    assert.equal(indexingPercentage({ ...base, pendingChunks: 0, embeddedChunks: 200 }), 99);
    assert.equal(indexingPercentage({ ...base, state: 'ready' }), 100);
  });

  it('is unknown before any chunk exists', () => {
    assert.equal(indexingPercentage({ ...base, chunks: 0, pendingChunks: 0, embeddedChunks: 0 }), undefined);
  });

  it('copes with a server from before contract 1, without pendingChunks', () => {
    const { pendingChunks: _omit, ...older } = base;
    assert.equal(indexingPercentage(older as StatusResponse), 25);
  });
});
