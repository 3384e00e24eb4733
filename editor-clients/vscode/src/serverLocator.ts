/**
 * Where is `arama-ls`? Settings first, then PATH. Pure apart from the injected file check, so it
 * is unit-tested under plain Node.
 *
 *  1. `arama.server.path`: the `arama-ls` executable;
 *  2. `arama.server.pythonPath`: a Python with arama installed, run as `python -m arama.lsp.server`;
 *  3. `arama-ls` on PATH.
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
  isExecutable(file: string): boolean;
}

export type ServerSource = 'server.path' | 'server.pythonPath' | 'PATH';

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
  const onPath = which('arama-ls', input);
  return onPath
    ? { found: true, command: onPath, args: [], source: 'PATH' }
    : { found: false, setting: 'arama.server.path', reason: 'absent', tried: 'arama-ls' };
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
