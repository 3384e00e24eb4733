/** Show Statistics: one webview panel with the index's numbers and two bar charts. */

import { randomBytes } from 'crypto';
import * as vscode from 'vscode';

import { AramaClient, requestErrorMessage } from './client';
import { COMMANDS, StatsResponse } from './protocol';
import { renderStatsHtml, StatsStrings } from './statsHtml';

function strings(): StatsStrings {
  return {
    title: vscode.l10n.t('Arama Statistics'),
    files: vscode.l10n.t('Files'),
    totalSize: vscode.l10n.t('Total size'),
    averageSize: vscode.l10n.t('Average file size'),
    recentFiles: vscode.l10n.t('Files changed in the last 7 days'),
    languagesHeading: vscode.l10n.t('Files per language'),
    queriesHeading: vscode.l10n.t('Most frequent queries'),
    noLanguages: vscode.l10n.t('No files indexed yet.'),
    noQueries: vscode.l10n.t('No searches yet.'),
    languageBar: vscode.l10n.t('{0}: {1} files'),
    queryBar: vscode.l10n.t('{0}: searched {1} times'),
  };
}

export class StatsView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  constructor(private readonly client: AramaClient) {}

  async show(): Promise<void> {
    let stats: StatsResponse;
    try {
      stats = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Arama: loading statistics…') },
        () => this.client.execute<StatsResponse>(COMMANDS.stats, {}),
      );
    } catch (err) {
      const message = requestErrorMessage(err);
      if (message !== undefined) void vscode.window.showErrorMessage(vscode.l10n.t('Arama statistics: {0}', message));
      return;
    }
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        'arama.statistics',
        vscode.l10n.t('Arama Statistics'),
        vscode.ViewColumn.Active,
        // Static page: no scripts, no local resources.
        { enableScripts: false, localResourceRoots: [] },
      );
      this.panel.onDidDispose(() => (this.panel = undefined));
    } else {
      this.panel.reveal();
    }
    this.panel.webview.html = renderStatsHtml(stats, {
      nonce: randomBytes(16).toString('base64'),
      cspSource: this.panel.webview.cspSource,
      locale: vscode.env.language,
      strings: strings(),
    });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
