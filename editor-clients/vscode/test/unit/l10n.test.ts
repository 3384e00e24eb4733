/** Every user-facing string has its Turkish translation, with the same placeholders. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

// Compiled to out/test/unit/: the extension root is three levels up.
const root = join(__dirname, '..', '..', '..');

function readJson(...parts: string[]): Record<string, unknown> {
  return JSON.parse(readFileSync(join(root, ...parts), 'utf8')) as Record<string, unknown>;
}

function runtimeStrings(): Set<string> {
  const found = new Set<string>();
  for (const file of readdirSync(join(root, 'src'))) {
    const source = readFileSync(join(root, 'src', file), 'utf8');
    for (const match of source.matchAll(/l10n\.t\(\s*'((?:[^'\\]|\\.)*)'/g)) {
      found.add(match[1].replace(/\\(.)/g, '$1'));
    }
    assert.doesNotMatch(source, /l10n\.t\(\s*[`"]/, `${file}: use single-quoted literals with l10n.t`);
  }
  return found;
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\d+)\}/g)].map((m) => m[1]).sort();
}

describe('runtime strings (vscode.l10n)', () => {
  const bundle = readJson('l10n', 'bundle.l10n.tr.json');
  const used = runtimeStrings();

  it('finds the strings in the source', () => {
    assert.ok(used.size > 30, `only ${used.size} strings found`);
    assert.ok(used.has('Indexing — results may be incomplete'));
  });

  it('translates every string into Turkish', () => {
    const missing = [...used].filter((s) => !(s in bundle));
    assert.deepEqual(missing, []);
  });

  it('has no stale translations', () => {
    const stale = Object.keys(bundle).filter((s) => !used.has(s));
    assert.deepEqual(stale, []);
  });

  it('keeps placeholders and icons', () => {
    for (const [english, turkish] of Object.entries(bundle)) {
      assert.equal(typeof turkish, 'string');
      assert.deepEqual(placeholders(turkish as string), placeholders(english), english);
      assert.notEqual((turkish as string).trim(), '', english);
    }
  });
});

describe('contribution strings (package.nls)', () => {
  const manifest = readFileSync(join(root, 'package.json'), 'utf8');
  const english = readJson('package.nls.json');
  const turkish = readJson('package.nls.tr.json');
  const keys = new Set([...manifest.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]));

  it('defines every %key% of package.json in English and Turkish', () => {
    assert.ok(keys.size >= 10);
    assert.deepEqual([...keys].filter((k) => !(k in english)), []);
    assert.deepEqual([...keys].filter((k) => !(k in turkish)), []);
  });

  it('has the same keys in both languages and none unused', () => {
    assert.deepEqual(Object.keys(turkish).sort(), Object.keys(english).sort());
    assert.deepEqual(Object.keys(english).filter((k) => !keys.has(k)), []);
  });

  it('declares the l10n folder', () => {
    assert.equal((JSON.parse(manifest) as { l10n?: string }).l10n, './l10n');
  });

  it('uses extension command ids that differ from the server commands', () => {
    const commands = (JSON.parse(manifest) as { contributes: { commands: { command: string }[] } }).contributes.commands;
    const serverCommands = ['arama.search', 'arama.status', 'arama.reindex', 'arama.context', 'arama.stats'];
    for (const { command } of commands) assert.ok(!serverCommands.includes(command), command);
  });

  it("uses command ids that differ from VS Code's own view commands", () => {
    // VS Code registers `<view id>.focus` (and more under the view id) for every view: an
    // extension command with such an id fails to register, and so does what follows it.
    const contributes = (JSON.parse(manifest) as { contributes: { commands: { command: string }[]; views: Record<string, { id: string }[]> } }).contributes;
    const views = Object.values(contributes.views).flat().map((v) => v.id);
    assert.ok(views.includes('arama.results') && views.includes('arama.searchBox'));
    for (const { command } of contributes.commands) {
      assert.ok(!views.some((id) => command.startsWith(`${id}.`)), command);
    }
  });
});
