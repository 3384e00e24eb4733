import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { EMBEDDING_BACKENDS, initializationOptions, MAX_SEARCH_BUDGET_MS, problemText, settingProblems } from '../../src/initOptions';

// Compiled to out/test/unit/: the extension root is three levels up.
const root = join(__dirname, '..', '..', '..');

interface SettingSchema {
  default?: unknown;
  enum?: unknown[];
  maximum?: number;
  scope?: string;
}

const properties = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, SettingSchema> } };
  }
).contributes.configuration.properties;

function settings(values: Record<string, unknown>): (key: string) => unknown {
  return (key) => values[key];
}

/** What VS Code's `get` answers when nothing is configured: the package.json defaults. */
function defaults(key: string): unknown {
  return properties[`arama.${key}`]?.default;
}

describe('initializationOptions', () => {
  it('passes every server setting under its option name', () => {
    const options = initializationOptions(
      settings({
        model: ' my/model ',
        cacheDir: '~/caches/arama',
        exclude: ['dist/**', 7, 'build/'],
        maxFileSize: 2048,
        threads: 3,
        embeddingBackend: 'onnx-int8',
        searchBudgetMs: 5000,
        remoteCache: { url: ' rediss://editor@cache:6380/0 ', mode: 'read', timeoutMs: 200 },
      }),
      '/home/ada',
    );
    assert.deepEqual(options, {
      model: 'my/model',
      cacheDir: '/home/ada/caches/arama',
      exclude: ['dist/**', 'build/'],
      maxFileSize: 2048,
      threads: 3,
      embeddingBackend: 'onnx-int8',
      searchBudgetMs: 5000,
      remoteCache: { url: 'rediss://editor@cache:6380/0', mode: 'read', timeoutMs: 200 },
    });
  });

  it('sends the defaults of package.json for the settings that have one', () => {
    assert.deepEqual(initializationOptions(defaults, '/home/ada'), {
      maxFileSize: 1048576,
      embeddingBackend: 'onnx',
      searchBudgetMs: 2000,
    });
  });

  it('leaves out values the server would reject, so it uses its default', () => {
    const options = initializationOptions(
      settings({
        model: 42,
        cacheDir: '   ',
        exclude: 'dist/**',
        maxFileSize: 0.5,
        threads: -1,
        embeddingBackend: 'cuda',
        searchBudgetMs: MAX_SEARCH_BUDGET_MS + 1,
        remoteCache: { url: 'http://cache:6379' },
      }),
      '/home/ada',
    );
    assert.deepEqual(options, {});
    assert.deepEqual(initializationOptions(settings({ searchBudgetMs: 0, threads: Number.NaN }), '/h'), {});
    assert.deepEqual(initializationOptions(settings({ searchBudgetMs: 1.9 }), '/h'), { searchBudgetMs: 1 });
    assert.deepEqual(initializationOptions(settings({ searchBudgetMs: MAX_SEARCH_BUDGET_MS }), '/h'), {
      searchBudgetMs: MAX_SEARCH_BUDGET_MS,
    });
  });

  it('matches the settings declared in package.json', () => {
    assert.deepEqual(properties['arama.embeddingBackend'].enum, [...EMBEDDING_BACKENDS]);
    assert.equal(properties['arama.searchBudgetMs'].maximum, MAX_SEARCH_BUDGET_MS);
    for (const backend of EMBEDDING_BACKENDS) {
      assert.equal(initializationOptions(settings({ embeddingBackend: backend }), '/h').embeddingBackend, backend);
    }
  });

  it('reads only declared settings, each of which restarts the server when changed', () => {
    const read: string[] = [];
    initializationOptions((key) => {
      read.push(key);
      return defaults(key);
    }, '/h');
    const client = readFileSync(join(root, 'src', 'client.ts'), 'utf8');
    const restart = /const RESTART_SETTINGS = \[([^\]]*)\]/.exec(client)?.[1] ?? '';
    assert.equal(read.length, 8);
    for (const key of read) {
      assert.ok(`arama.${key}` in properties, `arama.${key} is not in package.json`);
      assert.ok(restart.includes(`'arama.${key}'`), `arama.${key} is not in RESTART_SETTINGS`);
    }
  });
});

describe('settingProblems', () => {
  const english = { t: (m: string, ...a: Array<string | number | boolean>) => m.replace(/\{(\d+)\}/g, (_x, i) => String(a[Number(i)])) };

  it('finds nothing wrong with the defaults and valid values', () => {
    assert.deepEqual(settingProblems(defaults), []);
    assert.deepEqual(
      settingProblems(settings({ threads: 2, searchBudgetMs: 600000, remoteCache: { url: 'unix:///run/redis.sock', mode: 'read-write', verifyFraction: 0, ttlSeconds: 0, passwordEnv: 'TEAM_PW' } })),
      [],
    );
  });

  it('names every refused value with what it should be', () => {
    const problems = settingProblems(
      settings({
        maxFileSize: -1,
        threads: 0,
        embeddingBackend: 'cuda',
        searchBudgetMs: 0,
        remoteCache: { url: 'http://cache', mode: 'write', timeoutMs: 60001, verifyFraction: 2, ttlSeconds: -1, passwordEnv: 'A-B', pasword: 'x' },
      }),
    );
    assert.deepEqual(
      problems.map((p) => p.setting),
      [
        'arama.maxFileSize',
        'arama.threads',
        'arama.embeddingBackend',
        'arama.searchBudgetMs',
        'arama.remoteCache.pasword',
        'arama.remoteCache.url',
        'arama.remoteCache.mode',
        'arama.remoteCache.timeoutMs',
        'arama.remoteCache.verifyFraction',
        'arama.remoteCache.ttlSeconds',
        'arama.remoteCache.passwordEnv',
      ],
    );
    const budget = problems.find((p) => p.setting === 'arama.searchBudgetMs')!;
    assert.equal(
      problemText(budget, english),
      'Arama: the setting "arama.searchBudgetMs" should be an integer from 1 to 600000, not 0; the server uses its default.',
    );
    const backend = problems.find((p) => p.setting === 'arama.embeddingBackend')!;
    assert.match(problemText(backend, english), /should be one of onnx, onnx-int8, torch, not "cuda"/);
    const url = problems.find((p) => p.setting === 'arama.remoteCache.url')!;
    assert.match(problemText(url, english), /a redis:\/\/, rediss:\/\/ or unix:\/\/ URL, not "http:\/\/cache"/);
  });

  it('refuses a remote cache that is not an object, and one without a URL', () => {
    assert.deepEqual(settingProblems(settings({ remoteCache: 'redis://x' })).map((p) => p.expected.kind), ['object']);
    assert.deepEqual(settingProblems(settings({ remoteCache: { mode: 'read' } })).map((p) => p.setting), ['arama.remoteCache.url']);
  });

  it('agrees with initializationOptions: what it refuses is not sent', () => {
    const values = settings({ searchBudgetMs: 0, embeddingBackend: 'cuda', remoteCache: { url: 'http://x' } });
    const options = initializationOptions(values, '/home/ada');
    assert.equal(options.searchBudgetMs, undefined);
    assert.equal(options.embeddingBackend, undefined);
    assert.equal(options.remoteCache, undefined);
    assert.equal(settingProblems(values).length, 3);
  });
});
