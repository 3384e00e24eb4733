import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  describeFilters,
  normalizeContent,
  normalizeKind,
  normalizeLanguage,
  parseQuery,
  searchArguments,
  withModePrefix,
} from '../../src/query';

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
      kinds: [],
      content: [],
      expand: false,
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

  it('takes symbol kinds, repeated or comma-separated, names in lower case and numbers', () => {
    const parsed = parseQuery('kind:function retry kind:Method,CLASS kind:12 kind:function,enum_member');
    assert.deepEqual(parsed.kinds, ['function', 'method', 'class', 12, 'enum_member']);
    assert.equal(parsed.query, 'retry');
    assert.deepEqual(parseQuery('x kind:').kinds, []);
    assert.deepEqual(parseQuery('x kind:,function,').kinds, ['function']);
  });

  it('takes content classes, with singular forms', () => {
    assert.deepEqual(parseQuery('content:tests retry').content, ['tests']);
    assert.deepEqual(parseQuery('retry content:Test,doc content:code').content, ['tests', 'docs', 'code']);
    assert.deepEqual(parseQuery('retry content:tests content:test').content, ['tests']);
    // Anything else goes to the server as typed, which names the mistake.
    assert.deepEqual(parseQuery('retry content:examples').content, ['examples']);
    assert.equal(parseQuery('\\content:tests').query, 'content:tests');
  });

  it('reads /x (or /expand) among the leading prefixes, with or without a mode', () => {
    assert.equal(parseQuery('/x retry').expand, true);
    assert.equal(parseQuery('/x retry').query, 'retry');
    assert.equal(parseQuery('/x retry').mode, 'hybrid');
    const both = parseQuery('/s /X retry');
    assert.deepEqual([both.mode, both.expand, both.query], ['semantic', true, 'retry']);
    const other = parseQuery('/expand /l retry');
    assert.deepEqual([other.mode, other.expand, other.query], ['lexical', true, 'retry']);
    assert.equal(parseQuery('retry /x').expand, false);
    assert.equal(parseQuery('retry /x').query, 'retry /x');
    assert.equal(parseQuery('\\/x retry').expand, false);
  });

  it('does not take a word for a prefix because of Object.prototype', () => {
    const parsed = parseQuery('constructor injection');
    assert.equal(parsed.mode, 'hybrid');
    assert.equal(parsed.query, 'constructor injection');
    assert.deepEqual(parseQuery('x lang:constructor content:toString').languages, ['constructor']);
    assert.deepEqual(parseQuery('x content:toString').content, ['tostring']);
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

  it('sends kinds, content and expand (contract v2) only when set', () => {
    assert.deepEqual(searchArguments(parseQuery('/x retry kind:function,12 content:tests'), 30), {
      query: 'retry',
      limit: 30,
      mode: 'hybrid',
      kinds: ['function', 12],
      content: ['tests'],
      expand: true,
    });
    const plain = searchArguments(parseQuery('retry'), 30);
    assert.ok(!('kinds' in plain) && !('content' in plain) && !('expand' in plain));
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

  it('keeps an expand prefix and replaces every leading mode prefix', () => {
    assert.equal(withModePrefix('/x retry', 'semantic', 'hybrid'), '/s /x retry');
    assert.equal(withModePrefix('/s /x retry', 'lexical', 'hybrid'), '/l /x retry');
    assert.equal(withModePrefix('/x /s retry', 'hybrid', 'hybrid'), '/x retry');
    assert.equal(withModePrefix('/src/cart.ts', 'lexical', 'hybrid'), '/l /src/cart.ts');
    const parsed = parseQuery(withModePrefix('/x /s find user', 'lexical', 'hybrid'));
    assert.deepEqual([parsed.mode, parsed.expand, parsed.query], ['lexical', true, 'find user']);
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

  it('normalizes kinds and content', () => {
    assert.equal(normalizeKind(' Struct '), 'struct');
    assert.equal(normalizeKind('23'), 23);
    assert.equal(normalizeContent('DOC'), 'docs');
    assert.equal(normalizeContent('code'), 'code');
  });

  it('describes filters', () => {
    assert.equal(describeFilters(parseQuery('x lang:py path:src/** -path:t/**')), 'python · src/** · -t/**');
    assert.equal(describeFilters(parseQuery('x content:tests kind:function lang:py')), 'python · function · tests');
    assert.equal(describeFilters(parseQuery('x')), '');
  });
});
