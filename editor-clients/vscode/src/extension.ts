/** arama for VS Code: starts `arama-ls` and adds the "Arama: …" commands. */

import * as vscode from 'vscode';

import { statusDetailLines } from './answerText';
import { AramaClient, requestErrorMessage, SHOW_LOG_ACTION } from './client';
import { formatCount, truncate } from './format';
import { registerMcpServers } from './mcp';
import { COMMANDS, ReindexResponse, StatusResponse } from './protocol';
import { ResultsView } from './resultsView';
import { showRelatedPicker, showSearchPicker } from './searchPicker';
import { StatsView } from './statsView';
import { StatusBar } from './statusBar';
import { forgetTuning, tuneSearch } from './tune';

let aramaClient: AramaClient | undefined;

const MAX_QUERY_CHARS = 1000;

function stateName(state: string): string {
  switch (state) {
    case 'ready':
      return vscode.l10n.t('ready');
    case 'indexing':
      return vscode.l10n.t('indexing');
    default:
      return vscode.l10n.t('starting');
  }
}

async function showStatus(client: AramaClient, statusBar: StatusBar): Promise<void> {
  let status: StatusResponse;
  try {
    status = await client.execute<StatusResponse>(COMMANDS.status, undefined);
  } catch (err) {
    const message = requestErrorMessage(err);
    if (message !== undefined) void vscode.window.showErrorMessage(message);
    return;
  }
  void statusBar.refresh();
  const lines = statusDetailLines(status, vscode.l10n, vscode.env.language);
  // The harmless action first: it is the dialog's default button.
  const statistics: vscode.MessageItem = { title: vscode.l10n.t('Show Statistics') };
  const reindex: vscode.MessageItem = { title: vscode.l10n.t('Reindex') };
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t('Arama index: {0}', stateName(status.state)),
    { modal: true, detail: lines.join('\n') },
    statistics,
    reindex,
  );
  if (choice === reindex) await vscode.commands.executeCommand('arama.reindexWorkspace');
  else if (choice === statistics) await vscode.commands.executeCommand('arama.showStatistics');
}

async function reindex(client: AramaClient, statusBar: StatusBar): Promise<void> {
  try {
    const answer = await client.execute<ReindexResponse>(COMMANDS.reindex, undefined);
    void statusBar.refresh();
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Arama is reindexing the workspace ({0} files queued).', formatCount(answer.queued, vscode.env.language)),
    );
  } catch (err) {
    const message = requestErrorMessage(err);
    if (message !== undefined) {
      void vscode.window
        .showErrorMessage(vscode.l10n.t('Arama could not reindex: {0}', message), SHOW_LOG_ACTION())
        .then((choice) => client.handleAction(choice));
    }
  }
}

/** The selection (or the word under the cursor) as a one-line query. */
function selectedQuery(editor: vscode.TextEditor | undefined): string {
  if (!editor) return '';
  let range: vscode.Range | undefined = editor.selection;
  if (range.isEmpty) range = editor.document.getWordRangeAtPosition(editor.selection.active);
  if (!range) return '';
  return truncate(editor.document.getText(range).replace(/\s+/g, ' ').trim(), MAX_QUERY_CHARS);
}

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Arama', { log: true });
  const client = new AramaClient(output);
  aramaClient = client;
  const statusBar = new StatusBar(client);
  const statsView = new StatsView(client);
  // The activity bar's Arama view: search box, filters and the results tree (kept across reloads).
  const resultsView = new ResultsView(context, client);
  context.subscriptions.push(output, statusBar, statsView, resultsView);

  const register = (id: string, handler: (...args: unknown[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  };
  register('arama.searchWorkspace', (query?: unknown) =>
    showSearchPicker(client, typeof query === 'string' ? query : ''),
  );
  register('arama.searchSelection', () => {
    const query = selectedQuery(vscode.window.activeTextEditor);
    // A query starting with "/s " etc. would read as a prefix: keep it literal.
    showSearchPicker(client, /^\s*\//.test(query) ? `\\${query}` : query);
  });
  register('arama.findRelated', async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Open a file and place the cursor in the code to find related code.'));
      return;
    }
    await showRelatedPicker(client, editor);
  });
  register('arama.reindexWorkspace', () => reindex(client, statusBar));
  register('arama.showStatus', () => showStatus(client, statusBar));
  register('arama.showStatistics', () => statsView.show());
  register('arama.restartServer', () => client.restart());
  register('arama.showLog', () => output.show(true));
  register('arama.tuneSearch', () => tuneSearch(client));
  register('arama.forgetTuning', () => forgetTuning(client));
  // Agents in the editor find `arama mcp` for the open folders (VS Code 1.101+).
  const mcp = registerMcpServers(context, client);
  output.info(mcp ? 'MCP server definition provider registered' : 'this VS Code has no MCP server API');

  void client.start();
}

export async function deactivate(): Promise<void> {
  const client = aramaClient;
  aramaClient = undefined;
  await client?.dispose();
}
