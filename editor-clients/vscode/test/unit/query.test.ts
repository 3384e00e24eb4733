import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { describeFilters, normalizeLanguage, parseQuery, searchArguments, withModePrefix } from '../../src/query';

describe('parseQuery', () => {
  it('keeps a plain natural-language query, white space collapsed', () => {
    const parsed = parseQuery('  retry a failed   request with\texponential backoff ');
    assert.deepEqual(parsed, {
      query: 'retry a failed request with exponential backoff',
      mode: 'hybrid',
      modeFromPrefix: false,
      languages: [],
      paths: [],
      exclude: [],
    });
  });

  it('reads mode prefixes, short and long, in any case', () => {
    assert.equal(parseQuery('/s parse headers').mode, 'semantic');
    assert.equal(parseQuery('/s parse headers').query, 'parse headers');
    assert.equal(parseQuery('/L ParseHeaderLine').mode, 'lexical');
    assert.equal(parseQuery('/lexical x').mode, 'lexical');
    assert.equal(parseQuery('/h x', 'semantic').mode, 'hybrid');
    assert.equal(parseQuery('/semantic').query, '');
    assert.equal(parseQuery('/s').modeFromPrefix, true);
  });

  it('uses the default mode without a prefix, and a prefix only at the start', () => {
    assert.equal(parseQuery('find user', 'lexical').mode, 'lexical');
    const parsed = parseQuery('split /s words');
    assert.equal(parsed.mode, 'hybrid');
    assert.equal(parsed.query, 'split /s words');
    // "/src" is not a mode prefix
    assert.equal(parseQuery('/src/cart.ts').query, '/src/cart.ts');
    assert.equal(parseQuery('/src/cart.ts').mode, 'hybrid');
  });

  it('takes language filters anywhere, with aliases and lists', () => {
    const parsed = parseQuery('lang:py matrix transpose language:TS,rs lang:python');
    assert.deepEqual(parsed.languages, ['python', 'typescript', 'rust']);
    assert.equal(parsed.query, 'matrix transpose');
  });

  it('takes path globs and exclusions, quoted or not', () => {
    const parsed = parseQuery('/l path:src/** -path:"test dir/**" cart exclude:*.md in:lib/**');
    assert.equal(parsed.mode, 'lexical');
    assert.deepEqual(parsed.paths, ['src/**', 'lib/**']);
    assert.deepEqual(parsed.exclude, ['test dir/**', '*.md']);
    assert.equal(parsed.query, 'cart');
  });

  it('ignores a filter still being typed', () => {
    const parsed = parseQuery('debounce lang:');
    assert.deepEqual(parsed.languages, []);
    assert.equal(parsed.query, 'debounce');
    assert.deepEqual(parseQuery('x path:"').paths, []);
  });

  it('runs an unterminated quote to the end', () => {
    assert.deepEqual(parseQuery('x path:"my dir/**').paths, ['my dir/**']);
  });

  it('keeps a backslashed word literal', () => {
    const parsed = parseQuery('\\lang:foo bar');
    assert.equal(parsed.query, 'lang:foo bar');
    assert.deepEqual(parsed.languages, []);
    assert.equal(parseQuery('\\/s x').query, '/s x');
    assert.equal(parseQuery('\\/s x').mode, 'hybrid');
  });

  it('leaves other colons alone', () => {
    assert.equal(parseQuery('std::vector http://x a:b').query, 'std::vector http://x a:b');
  });

  it('keeps non-ASCII text intact', () => {
    const parsed = parseQuery('/s çalışma dosyası İşlem lang:py');
    assert.equal(parsed.query, 'çalışma dosyası İşlem');
    assert.deepEqual(parsed.languages, ['python']);
  });

  it('does not repeat a filter', () => {
    assert.deepEqual(parseQuery('a path:x path:x').paths, ['x']);
  });
});

describe('searchArguments', () => {
  it('sends only what is set', () => {
    assert.deepEqual(searchArguments(parseQuery('retry'), 30), { query: 'retry', limit: 30, mode: 'hybrid' });
    assert.deepEqual(searchArguments(parseQuery('/s x lang:go path:server/** -path:vendor/**'), 10, 20), {
      query: 'x',
      limit: 10,
      mode: 'semantic',
      offset: 20,
      languages: ['go'],
      paths: ['server/**'],
      exclude: ['vendor/**'],
    });
  });
});

describe('withModePrefix', () => {
  it('adds, replaces and removes the mode prefix', () => {
    assert.equal(withModePrefix('retry', 'semantic', 'hybrid'), '/s retry');
    assert.equal(withModePrefix('/s retry', 'lexical', 'hybrid'), '/l retry');
    assert.equal(withModePrefix('/lexical retry', 'hybrid', 'hybrid'), 'retry');
    assert.equal(withModePrefix('', 'lexical', 'hybrid'), '/l ');
    assert.equal(withModePrefix('/s', 'hybrid', 'hybrid'), '');
  });

  it('round-trips through parseQuery', () => {
    for (const mode of ['hybrid', 'semantic', 'lexical'] as const) {
      const parsed = parseQuery(withModePrefix('/s find user by email', mode, 'hybrid'));
      assert.equal(parsed.mode, mode);
      assert.equal(parsed.query, 'find user by email');
    }
  });
});

describe('helpers', () => {
  it('normalizes language names', () => {
    assert.equal(normalizeLanguage(' Py '), 'python');
    assert.equal(normalizeLanguage('C++'), 'cpp');
    assert.equal(normalizeLanguage('java'), 'java');
  });

  it('describes filters', () => {
    assert.equal(describeFilters(parseQuery('x lang:py path:src/** -path:t/**')), 'python · src/** · -t/**');
    assert.equal(describeFilters(parseQuery('x')), '');
  });
});
