import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { expandPath, installCommand, LocatorInput, locateServer, pythonFor, which } from '../../src/serverLocator';

function input(files: string[], overrides: Partial<LocatorInput> = {}): LocatorInput {
  const set = new Set(files);
  return {
    serverPath: '',
    pythonPath: '',
    envPath: '/usr/local/bin:/usr/bin',
    platform: 'linux',
    home: '/home/ada',
    workspaceFolder: '/work/project',
    isExecutable: (file) => set.has(file),
    ...overrides,
  };
}

describe('locateServer', () => {
  it('prefers arama.server.path', () => {
    const found = locateServer(input(['/opt/arama/bin/arama-ls', '/usr/bin/arama-ls'], { serverPath: '/opt/arama/bin/arama-ls' }));
    assert.deepEqual(found, { found: true, command: '/opt/arama/bin/arama-ls', args: [], source: 'server.path' });
  });

  it('reports a configured server path that is not there, and does not fall back', () => {
    const missing = locateServer(input(['/usr/bin/arama-ls'], { serverPath: '~/venv/bin/arama-ls' }));
    assert.deepEqual(missing, {
      found: false,
      setting: 'arama.server.path',
      reason: 'configured',
      tried: '/home/ada/venv/bin/arama-ls',
    });
  });

  it('runs the module under arama.server.pythonPath', () => {
    const found = locateServer(input(['/work/project/.venv/bin/python'], { pythonPath: '${workspaceFolder}/.venv/bin/python' }));
    assert.deepEqual(found, {
      found: true,
      command: '/work/project/.venv/bin/python',
      args: ['-P', '-m', 'arama.lsp.server'],
      source: 'server.pythonPath',
    });
  });

  it('looks a bare python name up on PATH', () => {
    const found = locateServer(input(['/usr/bin/python3'], { pythonPath: 'python3' }));
    assert.equal(found.found && found.command, '/usr/bin/python3');
  });

  it('reports a missing python', () => {
    const missing = locateServer(input([], { pythonPath: '/nope/python' }));
    assert.equal(missing.found, false);
    assert.equal(!missing.found && missing.setting, 'arama.server.pythonPath');
  });

  it('falls back to arama-ls on PATH, first directory first', () => {
    const found = locateServer(input(['/usr/bin/arama-ls', '/usr/local/bin/arama-ls']));
    assert.deepEqual(found, { found: true, command: '/usr/local/bin/arama-ls', args: [], source: 'PATH' });
  });

  it('says nothing was found, pointing at arama.server.path', () => {
    assert.deepEqual(locateServer(input([])), {
      found: false,
      setting: 'arama.server.path',
      reason: 'absent',
      tried: 'arama-ls',
    });
  });

  it('resolves a relative server path against the workspace folder', () => {
    const found = locateServer(input(['/work/project/.venv/bin/arama-ls'], { serverPath: '.venv/bin/arama-ls' }));
    assert.equal(found.found && found.command, '/work/project/.venv/bin/arama-ls');
  });

  it('finds .exe files on Windows', () => {
    const win = input(['C:\\Tools\\arama-ls.exe'], { platform: 'win32', envPath: 'C:\\Windows;C:\\Tools' });
    assert.equal(which('arama-ls', win), 'C:\\Tools\\arama-ls.exe');
  });
});

describe('expandPath and pythonFor', () => {
  it('expands ~, ${userHome}, ${workspaceFolder} and ${env:NAME}', () => {
    const where = { home: '/home/ada', workspaceFolder: '/w' };
    assert.equal(expandPath('~', where), '/home/ada');
    assert.equal(expandPath(' ~/x ', where), '/home/ada/x');
    assert.equal(expandPath('${userHome}/y', where), '/home/ada/y');
    assert.equal(expandPath('${workspaceFolder}/.venv', where), '/w/.venv');
    assert.equal(expandPath('${env:VENV}/bin', where, { VENV: '/v' }), '/v/bin');
    assert.equal(expandPath('a~b', where), 'a~b');
  });

  it('finds the python next to a virtual environment arama-ls', () => {
    const inp = input(['/v/bin/arama-ls', '/v/bin/python']);
    assert.equal(pythonFor({ found: true, command: '/v/bin/arama-ls', args: [], source: 'server.path' }, inp), '/v/bin/python');
    assert.equal(
      pythonFor({ found: true, command: '/usr/bin/python3', args: ['-m', 'arama.lsp.server'], source: 'server.pythonPath' }, inp),
      '/usr/bin/python3',
    );
  });
});

describe('zero-config discovery', () => {
  it('finds a pipx install in ~/.local/bin when PATH lacks it', () => {
    const found = locateServer(input(['/home/ada/.local/bin/arama-ls']));
    assert.deepEqual(found, { found: true, command: '/home/ada/.local/bin/arama-ls', args: [], source: 'pipx' });
  });

  it('finds pipx and uv tool venvs, honouring their environment variables', () => {
    const pipxVenv = locateServer(input(['/p/venvs/arama/bin/arama-ls']), { PIPX_HOME: '/p' });
    assert.equal(pipxVenv.found && pipxVenv.source, 'pipx');
    const uvBin = locateServer(input(['/u/bin/arama-ls']), { UV_TOOL_BIN_DIR: '/u/bin' });
    assert.deepEqual(uvBin, { found: true, command: '/u/bin/arama-ls', args: [], source: 'uv' });
    const uvTool = locateServer(input(['/home/ada/.local/share/uv/tools/arama/bin/arama-ls']));
    assert.equal(uvTool.found && uvTool.source, 'uv');
  });

  it('prefers PATH over the tool folders', () => {
    const found = locateServer(input(['/usr/bin/arama-ls', '/home/ada/.local/bin/arama-ls']));
    assert.equal(found.found && found.command, '/usr/bin/arama-ls');
  });

  it("uses the workspace's .venv only in a trusted workspace", () => {
    const files = ['/work/project/.venv/bin/arama-ls'];
    assert.equal(locateServer(input(files, { workspaceTrusted: false })).found, false);
    const found = locateServer(input(files, { workspaceTrusted: true }));
    assert.deepEqual(found, { found: true, command: '/work/project/.venv/bin/arama-ls', args: [], source: 'workspace .venv' });
  });

  it('looks in Scripts\\ on Windows', () => {
    const found = locateServer(
      input(['C:\\work\\project\\.venv\\Scripts\\arama-ls.exe'], { platform: 'win32', home: 'C:\\Users\\ada', workspaceFolder: 'C:\\work\\project', workspaceTrusted: true, envPath: '' }),
    );
    assert.equal(found.found && found.command, 'C:\\work\\project\\.venv\\Scripts\\arama-ls.exe');
  });

  it('reports absent with the install command of this version', () => {
    const missing = locateServer(input([], { workspaceTrusted: true }));
    assert.deepEqual(missing, { found: false, setting: 'arama.server.path', reason: 'absent', tried: 'arama-ls' });
    assert.equal(installCommand('0.1.0'), 'pipx install dist/arama-0.1.0-py3-none-any.whl');
  });
});
