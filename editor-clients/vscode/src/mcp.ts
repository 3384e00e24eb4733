/**
 * Registers `arama mcp` with VS Code's MCP support, so an agent in the editor (Copilot's agent
 * mode, or any chat participant using MCP tools) finds arama's search with no hand-written
 * `mcp.json`. The definition runs the server for the open folders and changes with them.
 *
 * The API (`vscode.lm.registerMcpServerDefinitionProvider`, `McpStdioServerDefinition`) arrived in
 * VS Code 1.101; the extension still supports 1.91, so it is looked up at run time and typed here,
 * and nothing is registered where it is missing.
 */

import * as vscode from 'vscode';

import type { AramaClient } from './client';
import { mcpCommand } from './mcpCommand';
import { locateServer } from './serverLocator';

export const MCP_PROVIDER_ID = 'arama.mcpServers';

interface McpStdioServerDefinitionCtor {
  new (
    label: string,
    command: string,
    args?: string[],
    env?: Record<string, string | number | null>,
    version?: string,
  ): unknown;
}

interface McpServerDefinitionProvider {
  onDidChangeMcpServerDefinitions?: vscode.Event<void>;
  provideMcpServerDefinitions(token: vscode.CancellationToken): unknown[];
  resolveMcpServerDefinition?(server: unknown, token: vscode.CancellationToken): unknown;
}

interface McpApi {
  registerMcpServerDefinitionProvider(id: string, provider: McpServerDefinitionProvider): vscode.Disposable;
}

/** The definitions to offer now: one `arama mcp` over every open folder, or none. */
export function aramaMcpDefinitions(client: AramaClient, ctor: McpStdioServerDefinitionCtor, version: string): unknown[] {
  const folders = (vscode.workspace.workspaceFolders ?? [])
    .filter((folder) => folder.uri.scheme === 'file')
    .map((folder) => folder.uri.fsPath);
  if (folders.length === 0) return [];
  const input = client.locatorInput();
  const server = locateServer(input, process.env);
  if (!server.found) return [];
  const command = mcpCommand(server, input, folders, client.initializationOptions());
  if (!command) return [];
  return [new ctor('Arama', command.command, command.args, {}, version)];
}

/** Registers the provider when this VS Code has the API; returns whether it did. */
export function registerMcpServers(context: vscode.ExtensionContext, client: AramaClient): boolean {
  const lm = (vscode as unknown as { lm?: Partial<McpApi> }).lm;
  const ctor = (vscode as unknown as { McpStdioServerDefinition?: McpStdioServerDefinitionCtor })
    .McpStdioServerDefinition;
  if (typeof lm?.registerMcpServerDefinitionProvider !== 'function' || ctor === undefined) return false;
  const changed = new vscode.EventEmitter<void>();
  const version = String(context.extension.packageJSON.version ?? '0');
  context.subscriptions.push(
    changed,
    vscode.workspace.onDidChangeWorkspaceFolders(() => changed.fire()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('arama')) changed.fire();
    }),
    lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
      onDidChangeMcpServerDefinitions: changed.event,
      provideMcpServerDefinitions: () => aramaMcpDefinitions(client, ctor, version),
      resolveMcpServerDefinition: (server) => server,
    }),
  );
  return true;
}
