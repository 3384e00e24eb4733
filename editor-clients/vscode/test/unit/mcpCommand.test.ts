import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { mcpCommand, mcpFlags } from '../../src/mcpCommand';
import { FoundServer, LocatorInput } from '../../src/serverLocator';

function input(files: string[]): LocatorInput {
  const set = new Set(files);
  return {
    serverPath: '',
    pythonPath: '',
    envPath: '/usr/bin',
    platform: 'linux',
    home: '/home/ada',
    isExecutable: (file) => set.has(file),
  };
}

const onPath: FoundServer = { found: true, command: '/venv/bin/arama-ls', args: [], source: 'PATH' };

describe('mcpCommand', () => {
  it('runs the arama script beside arama-ls on every open folder', () => {
    const command = mcpCommand(onPath, input(['/venv/bin/arama', '/venv/bin/python']), ['/w/a', '/w/b'], {});
    assert.deepEqual(command, { command: '/venv/bin/arama', args: ['mcp', '/w/a', '/w/b'] });
  });

  it('falls back to the Python beside arama-ls', () => {
    const command = mcpCommand(onPath, input(['/venv/bin/python']), ['/w'], {});
    assert.deepEqual(command, { command: '/venv/bin/python', args: ['-P', '-m', 'arama.cli', 'mcp', '/w'] });
  });

  it('uses the configured Python as the language server does', () => {
    const server: FoundServer = { found: true, command: '/py/bin/python3', args: ['-P', '-m', 'arama.lsp.server'], source: 'server.pythonPath' };
    const command = mcpCommand(server, input([]), ['/w'], {});
    assert.deepEqual(command, { command: '/py/bin/python3', args: ['-P', '-m', 'arama.cli', 'mcp', '/w'] });
  });

  it('finds nothing when neither the script nor a Python is there', () => {
    assert.equal(mcpCommand(onPath, input([]), ['/w'], {}), undefined);
  });

  it('passes the cache, model and indexing settings on as flags', () => {
    const flags = mcpFlags({
      cacheDir: '/c',
      model: 'm',
      embeddingBackend: 'torch',
      maxFileSize: 10,
      threads: 2,
      exclude: ['*.log', 3],
      searchBudgetMs: 5,
    });
    assert.deepEqual(flags, [
      '--cache-dir', '/c', '--model', 'm', '--backend', 'torch', '--max-file-size', '10', '--threads', '2', '--exclude', '*.log',
    ]);
  });
});
