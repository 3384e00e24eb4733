/**
 * The command that runs `arama mcp` for the open folders, for VS Code's MCP server definition.
 * Pure (no `vscode` import), so it is unit-tested under plain Node.
 *
 * It is found from the language server the extension already located (`serverLocator`): the
 * `arama` script beside `arama-ls`, or the same Python running `-m arama.cli`. The cache and
 * model settings go along as flags, so the agent's server shares the language server's index
 * and embedding cache.
 */

import * as path from 'path';

import { FoundServer, LocatorInput, pythonFor } from './serverLocator';

export const CLI_MODULE = 'arama.cli';

export interface McpCommand {
  command: string;
  args: string[];
}

/** `arama mcp` flags from the language server's initializationOptions (initOptions.ts). */
export function mcpFlags(options: Record<string, unknown>): string[] {
  const flags: string[] = [];
  if (typeof options.cacheDir === 'string') flags.push('--cache-dir', options.cacheDir);
  if (typeof options.model === 'string') flags.push('--model', options.model);
  if (typeof options.embeddingBackend === 'string') flags.push('--backend', options.embeddingBackend);
  if (typeof options.maxFileSize === 'number') flags.push('--max-file-size', String(options.maxFileSize));
  if (typeof options.threads === 'number') flags.push('--threads', String(options.threads));
  if (Array.isArray(options.exclude)) {
    for (const glob of options.exclude) if (typeof glob === 'string') flags.push('--exclude', glob);
  }
  return flags;
}

export function mcpCommand(
  server: FoundServer,
  input: LocatorInput,
  folders: string[],
  options: Record<string, unknown>,
): McpCommand | undefined {
  const tail = ['mcp', ...mcpFlags(options), ...folders];
  if (server.source === 'server.pythonPath') {
    return { command: server.command, args: ['-P', '-m', CLI_MODULE, ...tail] };
  }
  const pathApi = input.platform === 'win32' ? path.win32 : path.posix;
  const dir = pathApi.dirname(server.command);
  const beside = ['arama', 'arama.exe', 'arama.cmd']
    .map((name) => pathApi.join(dir, name))
    .find((file) => input.isExecutable(file));
  if (beside) return { command: beside, args: tail };
  const python = pythonFor(server, input);
  return python ? { command: python, args: ['-P', '-m', CLI_MODULE, ...tail] } : undefined;
}
