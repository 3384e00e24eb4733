import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Localizer, searchNotes, statusDetailLines } from '../../src/answerText';
import type { StatusResponse } from '../../src/protocol';

/** `vscode.l10n.t` without a bundle: the English text with its placeholders filled in. */
const english: Localizer = {
  t: (message, ...args) => message.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)])),
};

const ready: StatusResponse = {
  state: 'ready',
  files: 1234,
  chunks: 5678,
  pendingFiles: 0,
  pendingChunks: 0,
  embeddedChunks: 5678,
  pendingNames: 0,
  model: 'sentence-transformers/all-MiniLM-L6-v2',
  cache: { path: '/home/ada/.cache/arama', entries: 9000, hits: 12, misses: 3 },
  workspaceFolders: ['/work/project'],
  tunedFolders: [],
  skippedFiles: { tooLarge: 2 },
  recovered: [],
  updates: { batches: 4, paths: 9 },
};

describe('statusDetailLines', () => {
  it('lists the counts, model, cache, folders and skipped files', () => {
    assert.deepEqual(statusDetailLines(ready, english), [
      'Files: 1,234',
      'Chunks: 5,678 (5,678 embedded)',
      'Model: sentence-transformers/all-MiniLM-L6-v2',
      'Embedding cache: 9,000 entries (12 hits, 3 misses) in /home/ada/.cache/arama',
      'Folders: /work/project',
      'Skipped: tooLarge 2',
    ]);
  });

  it('formats numbers for the display language', () => {
    assert.equal(statusDetailLines(ready, english, 'tr')[0], 'Files: 1.234');
  });

  it('shows pending work while indexing', () => {
    const lines = statusDetailLines({ ...ready, state: 'indexing', pendingFiles: 3, pendingChunks: 40, embeddedChunks: 5638 }, english);
    assert.ok(lines.includes('Pending: 3 files, 40 chunks'), lines.join('\n'));
  });

  it('says what the team cache does, and why not when it does not', () => {
    const remoteCache = {
      url: 'rediss://editor:***@cache:6380/0',
      mode: 'read' as const,
      state: 'backing-off' as const,
      reason: 'TimeoutError: Timeout reading from cache:6380',
      cluster: false,
      hits: 1200,
      misses: 3,
      writes: 0,
      errors: 1,
      rejected: 0,
      verified: 12,
      latencyMs: 2.5,
    };
    const lines = statusDetailLines({ ...ready, remoteCache }, english);
    assert.deepEqual(lines.slice(-2), [
      'Team cache: rediss://editor:***@cache:6380/0 (read), not answering, embedding locally: 1,200 found, 3 missing, 0 written, 1 errors',
      'Team cache: TimeoutError: Timeout reading from cache:6380',
    ]);
    assert.ok(!statusDetailLines(ready, english).some((line) => line.startsWith('Team cache')));
  });

  it('ends with what the server recovered from', () => {
    const recovered = ['/work/project: catalog rebuilt: database disk image is malformed', 'embedding cache rebuilt: bad header'];
    const lines = statusDetailLines({ ...ready, recovered }, english);
    assert.deepEqual(lines.slice(-2), recovered.map((note) => `Recovered: ${note}`));
  });

  it("starts with the server's error", () => {
    const broken: StatusResponse = {
      ...ready,
      state: 'starting',
      files: 0,
      chunks: 0,
      embeddedChunks: 0,
      cache: { path: '', entries: 0, hits: 0, misses: 0 },
      error: 'The cache directory /ro/arama cannot be used: Permission denied',
    };
    const lines = statusDetailLines(broken, english);
    assert.equal(lines[0], 'Error: The cache directory /ro/arama cannot be used: Permission denied');
    assert.ok(!lines.some((line) => line.startsWith('Embedding cache:')), lines.join('\n'));
  });

  it('goes through l10n for every line', () => {
    const tagged: Localizer = { t: (message, ...args) => `«${english.t(message, ...args)}»` };
    const lines = statusDetailLines({ ...ready, recovered: ['x'], error: 'y' }, tagged);
    for (const line of lines) assert.match(line, /^«.*»$/);
  });
});

describe('searchNotes', () => {
  it('says nothing about a complete answer', () => {
    assert.deepEqual(searchNotes({ indexing: false, partial: false }, english), []);
  });

  it('warns while indexing and when the time budget ran out', () => {
    assert.deepEqual(searchNotes({ indexing: true, partial: false }, english), ['Indexing — results may be incomplete']);
    assert.deepEqual(searchNotes({ indexing: false, partial: true }, english), ['Search time ran out — results may be incomplete']);
    assert.equal(searchNotes({ indexing: true, partial: true }, english).length, 2);
  });
});
