/**
 * Where is `arama-ls`? Settings first, then the places an install puts it. Pure apart from the
 * injected file check, so it is unit-tested under plain Node. The same table is in the README
 * ("Where the extension finds the server"):
 *
 *  1. `arama.server.path`: the `arama-ls` executable;
 *  2. `arama.server.pythonPath`: a Python with arama installed, run as `python -m arama.lsp.server`;
 *  3. `arama-ls` on PATH;
 *  4. pipx: `$PIPX_BIN_DIR` (default `~/.local/bin`), then the app's own venv
 *     `$PIPX_HOME/venvs/arama` (default `~/.local/share/pipx`, or `~/.local/pipx` of older pipx);
 *  5. uv: `$UV_TOOL_BIN_DIR`, `$XDG_BIN_HOME`, `~/.local/bin`, then the tool's venv
 *     `$UV_TOOL_DIR/arama` (default `$XDG_DATA_HOME/uv/tools`, `~/.local/share/uv/tools`);
 *  6. the workspace's `.venv` (then `venv`), only in a trusted workspace: a program from an
 *     untrusted folder is never run.
 */

import * as path from 'path';

export const SERVER_MODULE = 'arama.lsp.server';

export interface LocatorInput {
  serverPath: string;
  pythonPath: string;
  /** The PATH environment variable. */
  envPath: string;
  platform: NodeJS.Platform;
  home: string;
  workspaceFolder?: string;
  /** The workspace is trusted: only then may its `.venv` provide the server. */
  workspaceTrusted?: boolean;
  isExecutable(file: string): boolean;
}

export type ServerSource = 'server.path' | 'server.pythonPath' | 'PATH' | 'pipx' | 'uv' | 'workspace .venv';

export interface FoundServer {
  found: true;
  command: string;
  args: string[];
  source: ServerSource;
}

export interface MissingServer {
  found: false;
  /** The setting to point the user at. */
  setting: 'arama.server.path' | 'arama.server.pythonPath';
  /** `configured`: a setting names something that is not there; `absent`: nothing anywhere. */
  reason: 'configured' | 'absent';
  /** What was tried, for the message. */
  tried: string;
}

export type LocateResult = FoundServer | MissingServer;

/** Expands `~`, `${userHome}`, `${workspaceFolder}` and `${env:NAME}`. */
export function expandPath(
  value: string,
  input: Pick<LocatorInput, 'home' | 'workspaceFolder'>,
  env: Record<string, string | undefined> = {},
): string {
  let out = value.trim();
  out = out.replace(/\$\{userHome\}/g, input.home);
  if (input.workspaceFolder !== undefined) {
    out = out.replace(/\$\{workspaceFolder\}/g, input.workspaceFolder);
  }
  out = out.replace(/\$\{env:([^}]+)\}/g, (_m, name: string) => env[name] ?? '');
  if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) {
    out = path.join(input.home, out.slice(1));
  }
  return out;
}

function executableNames(name: string, platform: NodeJS.Platform): string[] {
  if (platform !== 'win32' || /\.(exe|cmd|bat)$/i.test(name)) return [name];
  return [name, `${name}.exe`, `${name}.cmd`, `${name}.bat`];
}

/** Finds `name` the way a shell would: a path is checked as is, a bare name on PATH. */
export function which(name: string, input: LocatorInput): string | undefined {
  const pathApi = input.platform === 'win32' ? path.win32 : path.posix;
  const hasSeparator = name.includes('/') || (input.platform === 'win32' && name.includes('\\'));
  if (hasSeparator) {
    const absolute =
      pathApi.isAbsolute(name) || input.workspaceFolder === undefined
        ? name
        : pathApi.resolve(input.workspaceFolder, name);
    return executableNames(absolute, input.platform).find((f) => input.isExecutable(f));
  }
  const separator = input.platform === 'win32' ? ';' : ':';
  for (const dir of input.envPath.split(separator)) {
    if (!dir) continue;
    for (const candidate of executableNames(pathApi.join(dir, name), input.platform)) {
      if (input.isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

export function locateServer(
  input: LocatorInput,
  env: Record<string, string | undefined> = {},
): LocateResult {
  const serverPath = expandPath(input.serverPath, input, env);
  if (serverPath) {
    const found = which(serverPath, input);
    return found
      ? { found: true, command: found, args: [], source: 'server.path' }
      : { found: false, setting: 'arama.server.path', reason: 'configured', tried: serverPath };
  }
  const pythonPath = expandPath(input.pythonPath, input, env);
  if (pythonPath) {
    const found = which(pythonPath, input);
    return found
      ? // -P: the working directory (the user's workspace) never goes on sys.path, so a
        // workspace module named like a server dependency is never imported.
        { found: true, command: found, args: ['-P', '-m', SERVER_MODULE], source: 'server.pythonPath' }
      : { found: false, setting: 'arama.server.pythonPath', reason: 'configured', tried: pythonPath };
  }
  for (const [source, candidates] of defaultLocations(input, env)) {
    for (const candidate of candidates) {
      const found = candidate === SERVER_NAME ? which(SERVER_NAME, input) : firstExecutable(candidate, input);
      if (found) return { found: true, command: found, args: [], source };
    }
  }
  return { found: false, setting: 'arama.server.path', reason: 'absent', tried: SERVER_NAME };
}

export const SERVER_NAME = 'arama-ls';

function firstExecutable(file: string, input: LocatorInput): string | undefined {
  return executableNames(file, input.platform).find((f) => input.isExecutable(f));
}

/**
 * Where an install puts `arama-ls` when no setting names it, in the order they are tried:
 * PATH (the bare name), pipx, uv, the workspace's virtual environment.
 */
export function defaultLocations(
  input: Pick<LocatorInput, 'platform' | 'home' | 'workspaceFolder' | 'workspaceTrusted'>,
  env: Record<string, string | undefined> = {},
): Array<[ServerSource, string[]]> {
  const windows = input.platform === 'win32';
  const pathApi = windows ? path.win32 : path.posix;
  const join = (...parts: string[]): string => pathApi.join(...parts);
  const home = input.home;
  const localBin = join(home, '.local', 'bin');
  const venvBin = (venv: string): string => join(venv, windows ? 'Scripts' : 'bin', SERVER_NAME);
  const set = (name: string): string | undefined => (env[name] ? env[name] : undefined);
  const dataHome = set('XDG_DATA_HOME') ?? join(home, '.local', 'share');
  const unique = (files: Array<string | undefined>): string[] => [...new Set(files.filter((f): f is string => !!f))];
  const pipxHomes = set('PIPX_HOME') ? [set('PIPX_HOME')!] : [join(dataHome, 'pipx'), join(home, '.local', 'pipx')];
  const pipx = unique([
    join(set('PIPX_BIN_DIR') ?? localBin, SERVER_NAME),
    ...pipxHomes.map((h) => venvBin(join(h, 'venvs', 'arama'))),
  ]);
  const uv = unique([
    set('UV_TOOL_BIN_DIR') && join(set('UV_TOOL_BIN_DIR')!, SERVER_NAME),
    set('XDG_BIN_HOME') && join(set('XDG_BIN_HOME')!, SERVER_NAME),
    join(localBin, SERVER_NAME),
    venvBin(join(set('UV_TOOL_DIR') ?? join(dataHome, 'uv', 'tools'), 'arama')),
  ]).filter((f) => !pipx.includes(f));
  const locations: Array<[ServerSource, string[]]> = [
    ['PATH', [SERVER_NAME]],
    ['pipx', pipx],
    ['uv', uv],
  ];
  if (input.workspaceFolder && input.workspaceTrusted) {
    locations.push(['workspace .venv', [venvBin(join(input.workspaceFolder, '.venv')), venvBin(join(input.workspaceFolder, 'venv'))]]);
  }
  return locations;
}

/**
 * The command that installs the server from the wheel `make dist` builds in an arama checkout
 * (the "not found" message shows it; the README's install section starts from it).
 */
export function installCommand(version: string): string {
  return `pipx install dist/arama-${version}-py3-none-any.whl`;
}

/**
 * The Python to run the server under a debugger: the `pythonPath` setting, or the `python` next
 * to an `arama-ls` from a virtual environment.
 */
export function pythonFor(server: FoundServer, input: LocatorInput): string | undefined {
  if (server.source === 'server.pythonPath') return server.command;
  const pathApi = input.platform === 'win32' ? path.win32 : path.posix;
  const dir = pathApi.dirname(server.command);
  return ['python', 'python3', 'python.exe']
    .map((name) => pathApi.join(dir, name))
    .find((f) => input.isExecutable(f));
}
